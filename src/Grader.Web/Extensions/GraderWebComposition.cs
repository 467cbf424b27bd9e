using Grader.Submissions.Storage;
using Grader.Data.Course;
using Grader.Data;
using Grader.Web.Demo;
using Grader.Data.GitHub;
using Grader.Web.GitHub;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Grader.Web.Operations;
using Grader.Web.Project;
using Grader.Web.Similarity;
using Grader.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Quartz;

namespace Grader.Web.Extensions;

/// <summary>Everything the app is made of, in one place: course, database, sign-in, grading, jobs, demo.</summary>
public static class GraderWebComposition
{
    public static WebApplicationBuilder AddGraderWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        var web = builder.AddGraderWebHardening();
        var data = services.AddGraderData(configuration, builder.Environment.ContentRootPath);
        string dataFolder = data.DataFolder;
        services.AddGraderGitHub(configuration, dataFolder);

        services.AddIdentity<AppUser, IdentityRole>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.SignIn.RequireConfirmedAccount = false;
                // Accounts are never locked (an anonymous stranger could lock anyone out): PasswordSignIn slows each
                // (account, address) pair down instead.
                o.Lockout.AllowedForNewUsers = false;
            })
            .AddEntityFrameworkStores<GraderDbContext>()
            .AddDefaultTokenProviders();
        services.AddSingleton<IPasswordHasher<AppUser>, CountingPasswordHasher>();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<PasswordSignIn>();
        services.AddGraderMetrics(configuration);
        services.AddGraderHealthChecks();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.LogoutPath = "/Account/Logout";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "grader.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the request came over HTTPS, which UseForwardedHeaders learns from a known proxy.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // A cookie counts only while its security stamp is the account's: signing out, a new password or a role
            // change renews the stamp, and every copy of the old cookie stops working at its next request.
            o.Events.OnValidatePrincipal = RejectOutdatedStampAsync;
            // An API client gets a status code, not a redirect to the sign-in page.
            o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        services.AddScoped<Gradebook>();
        services.AddSingleton<GradebookCache>();
        services.AddScoped<ReviewService>();
        services.AddScoped<ScoreDistributions>();
        services.AddScoped<StaffDecisions>();
        services.AddGraderSimilarity(configuration);
        services.AddGraderGitHubSignIn(configuration);
        services.AddScoped<SubmissionAccess>();
        services.AddScoped<Workspace.SubmissionContents>();
        services.AddScoped<Workspace.SubmissionDownloads>();
        services.AddScoped<DemoSeeder>();
        services.AddGraderProject();
        services.AddRazorPages(o =>
        {
            o.Conventions.ConfigureFilter(new Pages.InvalidInputPageFilter());
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToFolder("/Account");
            o.Conventions.AuthorizeFolder("/Student", "student");
            o.Conventions.AuthorizeFolder("/Ta", "staff");
            o.Conventions.AuthorizeFolder("/Instructor", "instructor");
        });
        services.Configure<Microsoft.AspNetCore.Mvc.MvcOptions>(o =>
        {
            // Every handler checks its own required fields with a message in words; the implicit [Required] of
            // non-nullable strings only added a second, false "The X field is required" beside those.
            o.SuppressImplicitRequiredAttributeForNonNullableReferenceTypes = true;
            var messages = o.ModelBindingMessageProvider;
            messages.SetAttemptedValueIsInvalidAccessor((value, field) => $"\"{value}\" is not a valid {field}; nothing was changed.");
            messages.SetValueMustBeANumberAccessor(field => $"{field} must be a number; nothing was changed.");
            messages.SetValueIsInvalidAccessor(value => $"\"{value}\" is not valid here; nothing was changed.");
            messages.SetNonPropertyAttemptedValueIsInvalidAccessor(value => $"\"{value}\" is not valid here; nothing was changed.");
        });
        services.AddAuthorizationBuilder()
            .AddPolicy("student", p => p.RequireRole(Roles.Student))
            .AddPolicy("staff", p => p.RequireRole(Roles.Ta, Roles.Instructor))
            .AddPolicy("instructor", p => p.RequireRole(Roles.Instructor));
        // Like the sign-in cookie: Secure whenever the request came over HTTPS.
        services.AddAntiforgery(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        // The JSON HTTP API's description, served by MapGraderApi's caller at GraderApi.OpenApiDocumentPath.
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            // Never the request's Host: a client that sends a forged one would otherwise be echoed into the document.
            document.Servers = [new Microsoft.OpenApi.OpenApiServer { Url = web.PublicBaseUrl.Length > 0 ? web.PublicBaseUrl.TrimEnd('/') : "/" }];
            document.Info.Title = "Grader API";
            document.Info.Description = "Grading reports, submission lists and gradebook exports. Sign in first: the API uses the web app's cookie.";
            return Task.CompletedTask;
        }));
        // Sign-in cookies survive a restart: the keys that protect them live with the data.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys")));
        return builder;
    }

    /// <summary>One lookup of the account per signed-in request; an old stamp (or a deleted account) signs the cookie out.</summary>
    private static async Task RejectOutdatedStampAsync(Microsoft.AspNetCore.Authentication.Cookies.CookieValidatePrincipalContext context)
    {
        var signIn = context.HttpContext.RequestServices.GetRequiredService<SignInManager<AppUser>>();
        if (context.Principal is null || await signIn.ValidateSecurityStampAsync(context.Principal).ConfigureAwait(false) is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme).ConfigureAwait(false);
        }
    }

    private static Task RedirectOrStatus(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            || context.Request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>Migrates the database, mirrors the course files into it and seeds the demo when asked. Runs before the app listens.</summary>
    /// <param name="seedDemo">False: never seed the demo, whatever <c>Course:SeedDemo</c> says (the account command).</param>
    public static async Task PrepareDatabaseAsync(this WebApplication app, bool seedDemo = true)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        await db.Database.MigrateAsync().ConfigureAwait(false);
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        await seeder.SyncCourseAsync(CancellationToken.None).ConfigureAwait(false);
        if (seedDemo && scope.ServiceProvider.GetRequiredService<CourseOptions>().SeedDemo)
        {
            await seeder.SeedDemoAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}

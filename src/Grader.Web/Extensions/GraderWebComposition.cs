using Grader.Submissions.Storage;
using Grader.Web.Course;
using Grader.Web.Data;
using Grader.Web.Demo;
using Grader.Web.GitHub;
using Grader.Web.Grading;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Quartz;

namespace Grader.Web.Extensions;

/// <summary>Database settings (section <c>Database</c>): <c>Provider</c> is Sqlite (default) or SqlServer.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public string Provider { get; set; } = "Sqlite";

    /// <summary>Empty with SQLite: data/grader.db. Required with SQL Server.</summary>
    public string ConnectionString { get; set; } = "";

    public bool IsSqlServer => string.Equals(Provider, "SqlServer", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Everything the app is made of, in one place: course, database, sign-in, grading, jobs, demo.</summary>
public static class GraderWebComposition
{
    public static WebApplicationBuilder AddGraderWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var configuration = builder.Configuration;

        var courseOptions = configuration.GetSection(CourseOptions.Section).Get<CourseOptions>() ?? new CourseOptions();
        string root = string.IsNullOrWhiteSpace(courseOptions.Root) ? CourseCatalog.FindRoot(builder.Environment.ContentRootPath) : Path.GetFullPath(courseOptions.Root);
        string dataFolder = string.IsNullOrWhiteSpace(courseOptions.DataFolder) ? Path.Combine(root, "data") : Path.GetFullPath(courseOptions.DataFolder);
        string cacheFolder = string.IsNullOrWhiteSpace(courseOptions.ReportCacheFolder) ? Path.Combine(dataFolder, "report-cache") : Path.GetFullPath(courseOptions.ReportCacheFolder);
        Directory.CreateDirectory(dataFolder);
        var catalog = new CourseCatalog(root, dataFolder, cacheFolder);
        services.AddSingleton(catalog);
        services.AddSingleton(courseOptions);
        services.AddSingleton(new SubmissionStore(Path.Combine(dataFolder, "web-store")));
        // Infrastructure (cookies, Quartz) reads TimeProvider; the grading rules read the course clock (Course:Now).
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(CourseClock.FromConfiguration(configuration, courseOptions.SeedDemo));
        services.AddGraderGitHub(configuration, dataFolder);

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        string connectionString = database.ConnectionString;
        if (database.IsSqlServer)
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Database:Provider is SqlServer but Database:ConnectionString is empty.");
            }

            services.AddDbContext<SqlServerGraderDbContext>(o => o.UseSqlServer(connectionString));
            services.AddScoped<GraderDbContext>(sp => sp.GetRequiredService<SqlServerGraderDbContext>());
        }
        else
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                connectionString = $"Data Source={Path.Combine(dataFolder, "grader.db")}";
            }

            services.AddDbContext<SqliteGraderDbContext>(o => o.UseSqlite(connectionString));
            services.AddScoped<GraderDbContext>(sp => sp.GetRequiredService<SqliteGraderDbContext>());
        }

        services.AddIdentity<AppUser, IdentityRole>(o =>
            {
                o.User.RequireUniqueEmail = false;
                o.SignIn.RequireConfirmedAccount = false;
                o.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddEntityFrameworkStores<GraderDbContext>()
            .AddDefaultTokenProviders();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/Account/Login";
            o.LogoutPath = "/Account/Logout";
            o.AccessDeniedPath = "/Account/AccessDenied";
            o.Cookie.Name = "grader.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // An API client gets a status code, not a redirect to the sign-in page.
            o.Events.OnRedirectToLogin = context => RedirectOrStatus(context, StatusCodes.Status401Unauthorized);
            o.Events.OnRedirectToAccessDenied = context => RedirectOrStatus(context, StatusCodes.Status403Forbidden);
        });

        var runner = configuration.GetSection(RunnerOptions.Section).Get<RunnerOptions>() ?? new RunnerOptions();
        string graderDll = string.IsNullOrWhiteSpace(runner.GraderDll) ? Path.Combine(AppContext.BaseDirectory, "runner", "grader.dll") : Path.GetFullPath(runner.GraderDll);
        services.AddSingleton<ISubmissionGradingClient>(new RunnerProcessGradingClient(graderDll, root, Path.Combine(dataFolder, "grading-work"), TimeSpan.FromSeconds(runner.TimeoutSeconds), Path.Combine(dataFolder, "web-store")));
        services.AddScoped<GradingService>();
        services.AddScoped<Gradebook>();
        services.AddScoped<ReviewService>();
        services.AddScoped<ScoreDistributions>();
        services.AddScoped<StaffDecisions>();
        services.AddScoped<SubmissionAccess>();
        services.AddScoped<DemoSeeder>();
        services.AddSingleton<IGradingQueue, QuartzGradingQueue>();

        services.AddQuartz(q =>
        {
            // One grading at a time: each already uses the sandbox's CPU limits, and this machine has two cores.
            q.UseDefaultThreadPool(1);
            q.UsePersistentStore(store =>
            {
                store.ConfigureStore(o => o.StoreJobDataAsStrings = true);
                if (database.IsSqlServer)
                {
                    store.UseSqlServer(connectionString);
                }
                else
                {
                    store.UseSqlite(connectionString);
                }

                store.ProvisionSchema();
            });
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        services.AddHostedService<ResumeUnfinishedRuns>();

        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/");
            o.Conventions.AllowAnonymousToFolder("/Account");
            o.Conventions.AuthorizeFolder("/Student", "student");
            o.Conventions.AuthorizeFolder("/Ta", "staff");
            o.Conventions.AuthorizeFolder("/Instructor", "instructor");
        });
        services.AddAuthorizationBuilder()
            .AddPolicy("student", p => p.RequireRole(Roles.Student))
            .AddPolicy("staff", p => p.RequireRole(Roles.Ta, Roles.Instructor))
            .AddPolicy("instructor", p => p.RequireRole(Roles.Instructor));
        services.AddAntiforgery();
        // The JSON HTTP API's description, served by MapGraderApi's caller at GraderApi.OpenApiDocumentPath.
        services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Grader API";
            document.Info.Description = "Grading reports, submission lists and gradebook exports. Sign in first: the API uses the web app's cookie.";
            return Task.CompletedTask;
        }));
        // Sign-in cookies survive a restart: the keys that protect them live with the data.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataFolder, "keys")));
        return builder;
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
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        using var scope = app.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        await db.Database.MigrateAsync().ConfigureAwait(false);
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        await seeder.SyncCourseAsync(CancellationToken.None).ConfigureAwait(false);
        if (scope.ServiceProvider.GetRequiredService<CourseOptions>().SeedDemo)
        {
            await seeder.SeedDemoAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}

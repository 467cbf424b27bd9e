using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Json;
using Grader.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.SignIn;

/// <summary>
/// Section <c>Authentication:GitHub</c>. Sign-in with GitHub is on when <see cref="ClientId"/> and
/// <see cref="ClientSecret"/> are set (an OAuth app whose callback URL is <c>https://&lt;host&gt;/signin-github</c>).
/// The endpoints default to github.com's; tests point them at a fake.
/// </summary>
public sealed class GitHubSignInOptions
{
    public const string Section = "Authentication:GitHub";

    /// <summary>The scheme name, also the login provider stored with an account.</summary>
    public const string Scheme = "GitHub";

    public string ClientId { get; set; } = "";

    public string ClientSecret { get; set; } = "";

    public string AuthorizationEndpoint { get; set; } = "https://github.com/login/oauth/authorize";

    public string TokenEndpoint { get; set; } = "https://github.com/login/oauth/access_token";

    public string UserInformationEndpoint { get; set; } = "https://api.github.com/user";

    /// <summary>GitHub logins signed in as instructors.</summary>
    public IReadOnlyList<string> InstructorLogins { get; set; } = [];

    /// <summary>GitHub logins signed in as TAs.</summary>
    public IReadOnlyList<string> TaLogins { get; set; } = [];

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ClientId) && !string.IsNullOrWhiteSpace(ClientSecret);
}

/// <summary>The claim carrying the GitHub login (the numeric id is the name identifier).</summary>
public static class GitHubClaims
{
    public const string Login = "urn:github:login";
    public const string Name = "urn:github:name";
}

public static class GitHubSignInComposition
{
    /// <summary>Adds ASP.NET Core's own OAuth handler for GitHub when configured; always registers the options and the account matcher.</summary>
    public static IServiceCollection AddGraderGitHubSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(GitHubSignInOptions.Section).Get<GitHubSignInOptions>() ?? new GitHubSignInOptions();
        services.AddSingleton(options);
        services.AddScoped<GitHubAccounts>();
        if (!options.IsConfigured)
        {
            return services;
        }

        services.AddAuthentication().AddOAuth(GitHubSignInOptions.Scheme, "GitHub", o =>
        {
            o.ClientId = options.ClientId;
            o.ClientSecret = options.ClientSecret;
            o.AuthorizationEndpoint = options.AuthorizationEndpoint;
            o.TokenEndpoint = options.TokenEndpoint;
            o.UserInformationEndpoint = options.UserInformationEndpoint;
            o.CallbackPath = "/signin-github";
            // Identity's external cookie holds the GitHub identity until /Account/GitHubCallback matches it to an account.
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.Scope.Add("read:user");
            // The callback is a top-level GET from github.com: Lax is enough, and plain-http development keeps working.
            o.CorrelationCookie.SameSite = SameSiteMode.Lax;
            o.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ClaimActions.MapJsonKey(ClaimTypes.NameIdentifier, "id");
            o.ClaimActions.MapJsonKey(GitHubClaims.Login, "login");
            o.ClaimActions.MapJsonKey(ClaimTypes.Name, "login");
            o.ClaimActions.MapJsonKey(GitHubClaims.Name, "name");
            o.Events.OnCreatingTicket = async context =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, context.Options.UserInformationEndpoint);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", context.AccessToken);
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Grader", "1.0")); // GitHub refuses requests without one
                using var response = await context.Backchannel.SendAsync(request, context.HttpContext.RequestAborted).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"GitHub's user endpoint {context.Options.UserInformationEndpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                using var user = JsonDocument.Parse(await response.Content.ReadAsStringAsync(context.HttpContext.RequestAborted).ConfigureAwait(false));
                context.RunClaimActions(user.RootElement);
            };
        });
        return services;
    }
}

/// <summary>Who a GitHub identity is in this course: an account to sign in, or why there is none.</summary>
public sealed record GitHubMatch(AppUser? User, string Login, string? Refusal);

/// <summary>
/// Matches a GitHub identity to the course: configured staff logins first (instructor, then TA), then the roster by
/// GitHub id, then by login. A student's account is created on first sign-in (role student, no password); a staff
/// account is named <c>login@github</c>. Anyone else gets no account and a refusal that says why.
/// </summary>
public sealed class GitHubAccounts(GraderDbContext db, UserManager<AppUser> users, RoleManager<IdentityRole> roles, GitHubSignInOptions options, Data.Course.CourseCatalog course, ILogger<GitHubAccounts> logger)
{
    public async Task<GitHubMatch> MatchAsync(string gitHubId, string login, string? displayName, CancellationToken cancellationToken)
    {
        login = (login ?? "").Trim();
        gitHubId = (gitHubId ?? "").Trim();
        if (login.Length == 0 || gitHubId.Length == 0)
        {
            return new GitHubMatch(null, login, "GitHub did not say who you are (no login or id in its answer); try again.");
        }

        string? staffRole = options.InstructorLogins.Contains(login, StringComparer.OrdinalIgnoreCase) ? Roles.Instructor
            : options.TaLogins.Contains(login, StringComparer.OrdinalIgnoreCase) ? Roles.Ta
            : null;
        if (staffRole is not null)
        {
            string userName = $"{login.ToLowerInvariant()}@github";
            var staff = await users.FindByNameAsync(userName).ConfigureAwait(false)
                ?? await CreateAsync(new AppUser { UserName = userName, DisplayName = string.IsNullOrWhiteSpace(displayName) ? login : displayName }).ConfigureAwait(false);
            await EnsureOnlyRoleAsync(staff, staffRole).ConfigureAwait(false);
            return new GitHubMatch(staff, login, null);
        }

        var roster = await db.Roster.Where(r => r.GitHubId == gitHubId).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (roster is null)
        {
            // GitHub logins are case-insensitive; the roster keeps them as the instructor typed them.
            var byLogin = await db.Roster.Where(r => r.GitHubUsername != "").ToListAsync(cancellationToken).ConfigureAwait(false);
            roster = byLogin.FirstOrDefault(r => string.Equals(r.GitHubUsername, login, StringComparison.OrdinalIgnoreCase)
                && (r.GitHubId.Length == 0 || r.GitHubId == gitHubId));
        }

        if (roster is null)
        {
            logger.LogInformation("GitHub sign-in refused: {Login} ({Id}) is not on the roster", login, gitHubId);
            return new GitHubMatch(null, login,
                $"Your GitHub account {login} is not on the roster of {course.Tree.Course.Title}; ask your instructor to add it.");
        }

        var student = (roster.UserId is { } userId ? await users.FindByIdAsync(userId).ConfigureAwait(false) : null)
            ?? await users.FindByNameAsync(roster.Identifier).ConfigureAwait(false);
        if (student is not null && student.StudentIdentifier != roster.Identifier)
        {
            return new GitHubMatch(null, login, $"The account '{student.UserName}' is not {roster.Identifier}'s student account; ask your instructor.");
        }

        if (student is null)
        {
            student = await CreateAsync(new AppUser { UserName = roster.Identifier, DisplayName = roster.Name, StudentIdentifier = roster.Identifier }).ConfigureAwait(false);
            logger.LogInformation("Created the student account {NetId} at its first GitHub sign-in ({Login})", roster.Identifier, login);
        }

        await EnsureOnlyRoleAsync(student, Roles.Student).ConfigureAwait(false);
        if (roster.UserId != student.Id)
        {
            roster.UserId = student.Id;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        return new GitHubMatch(student, login, null);
    }

    private async Task<AppUser> CreateAsync(AppUser user)
    {
        var created = await users.CreateAsync(user).ConfigureAwait(false);
        if (!created.Succeeded)
        {
            throw new InvalidOperationException($"Creating the account '{user.UserName}' failed: {string.Join("; ", created.Errors.Select(e => e.Description))}");
        }

        return user;
    }

    /// <summary>The role the configuration gives today; a login moved from TA to instructor (or off staff) changes with it.</summary>
    private async Task EnsureOnlyRoleAsync(AppUser user, string role)
    {
        if (!await roles.RoleExistsAsync(role).ConfigureAwait(false))
        {
            await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false);
        }

        var current = await users.GetRolesAsync(user).ConfigureAwait(false);
        var stale = current.Where(r => r != role).ToList();
        if (stale.Count > 0)
        {
            await users.RemoveFromRolesAsync(user, stale).ConfigureAwait(false);
        }

        if (!current.Contains(role))
        {
            await users.AddToRoleAsync(user, role).ConfigureAwait(false);
        }

        if (stale.Count > 0 || !current.Contains(role))
        {
            // Cookies issued under the old roles stop working (the cookie's stamp no longer matches).
            await users.UpdateSecurityStampAsync(user).ConfigureAwait(false);
        }
    }
}

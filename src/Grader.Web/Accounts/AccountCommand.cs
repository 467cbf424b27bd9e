using Grader.Data;
using Grader.Web.Extensions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Accounts;

/// <summary>
/// <c>dotnet Grader.Web.dll account add USER --role instructor|ta|student [--name "Display Name"]</c>: creates a
/// local account in the configured database and exits; the password is read from standard input (one line), so it
/// stays out of the shell history. How a course without the demo gets its first instructor; a student's user name
/// must be their roster identifier. With GitHub sign-in configured, staff can instead be listed by GitHub login.
/// </summary>
public static class AccountCommand
{
    public const string Verb = "account";

    public static bool Matches(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(WebApplication app, string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (args is not [Verb, "add", var userName, .. var options] || userName.StartsWith('-'))
        {
            await error.WriteLineAsync("usage: account add USER --role instructor|ta|student [--name \"Display Name\"] (password on standard input)").ConfigureAwait(false);
            return 2;
        }

        string? role = null;
        string displayName = userName;
        for (int i = 0; i < options.Length; i++)
        {
            string? value = i + 1 < options.Length ? options[i + 1] : null;
            switch (options[i])
            {
                case "--role" when value is not null: role = value; i++; break;
                case "--name" when value is not null: displayName = value; i++; break;
                default:
                    await error.WriteLineAsync($"account add: unknown or incomplete option '{options[i]}'").ConfigureAwait(false);
                    return 2;
            }
        }

        if (role is null || !Roles.All.Contains(role))
        {
            await error.WriteLineAsync($"account add: --role must be one of {string.Join(", ", Roles.All)}; got '{role}'").ConfigureAwait(false);
            return 2;
        }

        string? password = await input.ReadLineAsync().ConfigureAwait(false);
        if (string.IsNullOrEmpty(password))
        {
            await error.WriteLineAsync("account add: give the password on standard input (one line)").ConfigureAwait(false);
            return 2;
        }

        await app.PrepareDatabaseAsync(seedDemo: false).ConfigureAwait(false);
        using var scope = app.Services.CreateScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        if (role == Roles.Student && !await db.Roster.AnyAsync(r => r.Identifier == userName).ConfigureAwait(false))
        {
            await error.WriteLineAsync($"account add: '{userName}' is not on the course roster; a student's user name is their roster identifier").ConfigureAwait(false);
            return 1;
        }

        if (!await roles.RoleExistsAsync(role).ConfigureAwait(false))
        {
            await roles.CreateAsync(new IdentityRole(role)).ConfigureAwait(false);
        }

        var user = new AppUser { UserName = userName, DisplayName = displayName, StudentIdentifier = role == Roles.Student ? userName : null };
        var created = await users.CreateAsync(user, password).ConfigureAwait(false);
        if (created.Succeeded)
        {
            created = await users.AddToRoleAsync(user, role).ConfigureAwait(false);
        }

        if (!created.Succeeded)
        {
            await error.WriteLineAsync($"account add: {string.Join(" ", created.Errors.Select(e => e.Description))}").ConfigureAwait(false);
            return 1;
        }

        await output.WriteLineAsync($"created {role} account '{userName}' ({displayName})").ConfigureAwait(false);
        return 0;
    }
}

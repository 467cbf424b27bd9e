using System.Security.Cryptography;

namespace Grader.Web.GitHub;

/// <summary>Settings (section <c>GitHub</c>).</summary>
public sealed class GitHubOptions
{
    public const string Section = "GitHub";

    /// <summary>The organisation holding the student repositories.</summary>
    public string Organization { get; set; } = "";

    /// <summary>A token with repo and admin:org scope (environment variable GitHub__Token); empty: no API calls.</summary>
    public string Token { get; set; } = "";

    /// <summary>Empty: https://api.github.com. For GitHub Enterprise, the server's address.</summary>
    public string ApiBaseUrl { get; set; } = "";

    /// <summary>At an assignment's deadline, after the snapshot, lower each student's access to read-only.</summary>
    public bool RemoveWriteAccessAtDeadline { get; set; }

    /// <summary>The webhook secret; empty: a random one kept in <c>&lt;data&gt;/github/webhook-secret</c>, to paste into the organisation's webhook settings.</summary>
    public string WebhookSecret { get; set; } = "";

    /// <summary>The secret in use: the configured one, or the one generated once for this data folder.</summary>
    public static string ResolveWebhookSecret(GitHubOptions options, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.WebhookSecret))
        {
            return options.WebhookSecret;
        }

        string file = Path.Combine(dataFolder, "github", "webhook-secret");
        if (!File.Exists(file))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return File.ReadAllText(file).Trim();
    }
}

/// <summary>The webhook secret, resolved once at start-up.</summary>
public sealed record WebhookSecret(string Value);

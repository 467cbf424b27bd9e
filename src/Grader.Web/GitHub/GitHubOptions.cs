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

    /// <summary>The app's public address (<c>https://grader.example.edu/</c>): commit statuses link to the submission's page; empty: no link.</summary>
    public string AppBaseUrl { get; set; } = "";

    /// <summary>The wait before the first retry of feedback GitHub did not take; doubled for each next one, at most an hour.</summary>
    public int FeedbackRetrySeconds { get; set; } = 60;

    /// <summary>A token is set: the app calls the API (snapshots, intake, feedback, provisioning).</summary>
    public bool ApiEnabled => !string.IsNullOrWhiteSpace(Token);

    /// <summary>What the staff pages say when the API cannot be used; null when it can.</summary>
    public string? MissingForApi =>
        !ApiEnabled ? "GitHub:Token is not set (environment variable GitHub__Token): Grader makes no GitHub API calls."
        : string.IsNullOrWhiteSpace(Organization) ? "GitHub:Organization is not set: Grader does not know where the student repositories are."
        : null;

    /// <summary>Refuses settings that are present but wrong, naming the key.</summary>
    public void Validate()
    {
        if (!string.IsNullOrWhiteSpace(ApiBaseUrl) && (!Uri.TryCreate(ApiBaseUrl, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https")))
        {
            throw new InvalidOperationException($"Configuration key {Section}:{nameof(ApiBaseUrl)}: '{ApiBaseUrl}' is not an http(s) address such as https://github.example.edu/api/v3/.");
        }

        if (!string.IsNullOrWhiteSpace(AppBaseUrl) && !Uri.TryCreate(AppBaseUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"Configuration key {Section}:{nameof(AppBaseUrl)}: '{AppBaseUrl}' is not an absolute address such as https://grader.example.edu/.");
        }

        if (ApiEnabled && string.IsNullOrWhiteSpace(Organization))
        {
            throw new InvalidOperationException($"Configuration key {Section}:{nameof(Organization)} is empty, but {Section}:{nameof(Token)} is set: name the organisation that holds the student repositories.");
        }

        if (FeedbackRetrySeconds < 1)
        {
            throw new InvalidOperationException($"Configuration key {Section}:{nameof(FeedbackRetrySeconds)}: {FeedbackRetrySeconds} is not a positive number of seconds.");
        }
    }

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

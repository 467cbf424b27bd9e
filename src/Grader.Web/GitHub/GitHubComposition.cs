using Grader.Data.Grading;
using Grader.GitHub;
using NodaTime;
using Octokit;

namespace Grader.Web.GitHub;

/// <summary>
/// The GitHub pieces of the app: the webhook secret always (the receiver needs no token); the API client, the deadline
/// snapshots, the intake and the feedback when a token is configured. The staff pages say what is missing when not.
/// </summary>
public static class GitHubComposition
{
    public static IServiceCollection AddGraderGitHub(this IServiceCollection services, IConfiguration configuration, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(GitHubOptions.Section).Get<GitHubOptions>() ?? new GitHubOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton(new WebhookSecret(GitHubOptions.ResolveWebhookSecret(options, dataFolder)));
        services.AddScoped<GitHubRoster>();
        services.AddScoped<GitHubCommitChooser>();
        if (!options.ApiEnabled)
        {
            return services;
        }

        services.AddSingleton<IGitHubClient>(_ =>
        {
            var header = new ProductHeaderValue("grader");
            var client = string.IsNullOrWhiteSpace(options.ApiBaseUrl) ? new GitHubClient(header) : new GitHubClient(header, new Uri(options.ApiBaseUrl));
            client.Credentials = new Credentials(options.Token);
            return client;
        });
        // Rate-limit resets are GitHub's real time: the gate keeps the machine's clock.
        services.AddSingleton(sp => new RateLimitGate(sp.GetRequiredService<IGitHubClient>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<GitHubCourseClient>();
        services.AddScoped<GitHubSubmissions>();
        // A snapshot's time is evidence compared with deadlines: the course clock.
        services.AddSingleton(sp => new DeadlineSnapshots(sp.GetRequiredService<GitHubCourseClient>(), new CourseClockTimeProvider(sp.GetRequiredService<IClock>())));
        services.AddHostedService<DeadlineSnapshotScheduler>();
        services.AddScoped<GitHubFeedbackPublisher>();
        services.AddScoped<IGradingFeedbackSink, GitHubFeedbackSink>();
        return services;
    }
}

/// <summary>The course clock (<c>Course:Now</c>) as a <see cref="TimeProvider"/>, for library code that takes one.</summary>
public sealed class CourseClockTimeProvider(IClock clock) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => clock.GetCurrentInstant().ToDateTimeOffset();
}

using Grader.GitHub;
using Octokit;

namespace Grader.Web.GitHub;

/// <summary>The GitHub pieces of the app: the webhook secret always (the receiver needs no token), the API client and the intake when a token is configured.</summary>
public static class GitHubComposition
{
    public static IServiceCollection AddGraderGitHub(this IServiceCollection services, IConfiguration configuration, string dataFolder)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(GitHubOptions.Section).Get<GitHubOptions>() ?? new GitHubOptions();
        services.AddSingleton(options);
        services.AddSingleton(new WebhookSecret(GitHubOptions.ResolveWebhookSecret(options, dataFolder)));
        if (string.IsNullOrWhiteSpace(options.Token))
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
        services.AddSingleton(sp => new RateLimitGate(sp.GetRequiredService<IGitHubClient>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<GitHubCourseClient>();
        services.AddScoped<GitHubSubmissions>();
        services.AddSingleton(sp => new DeadlineSnapshots(sp.GetRequiredService<GitHubCourseClient>(), TimeProvider.System));
        services.AddHostedService<DeadlineSnapshotScheduler>();
        return services;
    }
}

using System.Globalization;
using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Hardening;

/// <summary>
/// One demo app for the hardening tests, with a 1 MB upload limit (so that an over-limit upload is small), a public
/// address for the OpenAPI document, and the grading queue sampled every second.
/// </summary>
[SetUpFixture]
public sealed class HardeningFixture
{
    public const string PublicBaseUrl = "https://grader.example.edu";

    public static RunningApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await RunningApp.StartAsync(settings: new Dictionary<string, string>
    {
        ["Web__MaxUploadMegabytes"] = "1",
        ["Web__PublicBaseUrl"] = PublicBaseUrl,
        ["Metrics__SampleSeconds"] = "1",
    });

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }

    /// <summary>The Prometheus text at /metrics, as any scraper reads it (anonymous).</summary>
    public static async Task<string> MetricsAsync()
    {
        using var client = await App.ClientAsync(null);
        return await client.GetStringAsync("/metrics");
    }

    /// <summary>The sum of a metric's samples (0 when it has none yet): the value follows the labels, a timestamp may follow it.</summary>
    public static double Sum(string metrics, string name) =>
        metrics.Split('\n').Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
            .Select(line => line[(line.LastIndexOf('}') is var labels and >= 0 ? labels + 1 : name.Length)..].Trim().Split(' ')[0])
            .Sum(value => double.Parse(value, CultureInfo.InvariantCulture));
}

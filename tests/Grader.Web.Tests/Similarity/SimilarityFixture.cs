using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Similarity;

/// <summary>One running demo app for the similarity tests, apart from the other tests' app: comparisons see every submission.</summary>
[SetUpFixture]
public sealed class SimilarityFixture
{
    public static RunningApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await RunningApp.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

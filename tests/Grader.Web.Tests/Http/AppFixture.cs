using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Http;

/// <summary>One running app with the seeded demo course for every test in this namespace.</summary>
[SetUpFixture]
public sealed class AppFixture
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

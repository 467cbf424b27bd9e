namespace Grader.Web.Tests.Support;

/// <summary>
/// One running app with the seeded demo course, shared by every test of a namespace: derive from it in that namespace
/// with <c>[SetUpFixture]</c> (the type argument is the derived fixture, so each namespace gets an app of its own).
/// </summary>
public abstract class DemoAppFixture<TFixture>
    where TFixture : DemoAppFixture<TFixture>
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

using Microsoft.Playwright;

namespace Grader.Web.Tests.Support;

/// <summary>
/// A browser test class: one demo app and one Chromium (Debian's, never a downloaded one) for all its tests, and the
/// sign-in every walk starts with. <see cref="Settings"/> configures the app (e.g. the course clock).
/// </summary>
public abstract class BrowserTests
{
    protected RunningApp App { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    private IPlaywright? playwright;

    /// <summary>More configuration for the app, as environment variables; none by default (the demo clock).</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    /// <summary>Work the class needs done before the app starts (its <see cref="Settings"/> may name what it made).</summary>
    protected virtual void BeforeAppStarts()
    {
    }

    /// <summary>Clean-up of what <see cref="BeforeAppStarts"/> made, once the app has stopped.</summary>
    protected virtual void AfterAppStopped()
    {
    }

    [OneTimeSetUp]
    public async Task StartBrowserAsync()
    {
        BeforeAppStarts();
        App = await RunningApp.StartAsync(settings: Settings);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    [OneTimeTearDown]
    public async Task StopBrowserAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        AfterAppStopped();
    }

    /// <summary>A fresh browser context (own cookies) signed in through the sign-in form.</summary>
    /// <param name="javaScript">False: the pages must work without script (the sign-in form does).</param>
    protected async Task<IPage> SignInAsync(string userName, bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = App.BaseAddress.ToString(), AcceptDownloads = true, JavaScriptEnabled = javaScript,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await page.Locator("#UserName").FillAsync(userName);
        await page.Locator("#Password").FillAsync(RunningApp.PasswordOf(userName));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal));
        return page;
    }

    /// <summary>A full-page screenshot attached to the test (screenshots/ under the test's work folder).</summary>
    protected static async Task ScreenshotAsync(IPage page, string name, string description)
    {
        ArgumentNullException.ThrowIfNull(page);
        string folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, name);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, description);
    }
}

using Microsoft.Playwright;

namespace Grader.Web.Tests.Support;

/// <summary>The browser tests' Chromium (Debian's, never a downloaded one) and a signed-in page per user.</summary>
public static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser context (own cookies) signed in through the sign-in form.</summary>
    public static async Task<IPage> SignInAsync(IBrowser browser, RunningApp app, string userName)
    {
        ArgumentNullException.ThrowIfNull(browser);
        ArgumentNullException.ThrowIfNull(app);
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = app.BaseAddress.ToString(), AcceptDownloads = true });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/Account/Login");
        await page.Locator("#UserName").FillAsync(userName);
        await page.Locator("#Password").FillAsync(RunningApp.PasswordOf(userName));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/Account/Login", StringComparison.Ordinal));
        return page;
    }
}

/// <summary>
/// A browser test class's own app (settings from <see cref="AppSettings"/>) and Chromium, started once for its tests,
/// with sign-in and full-page screenshots attached to the test.
/// </summary>
public abstract class BrowserTestBase
{
    protected RunningApp App { get; private set; } = null!;

    protected IBrowser Browser { get; private set; } = null!;

    private IPlaywright playwright = null!;

    /// <summary>Configuration the app starts with (e.g. the course clock); none by default.</summary>
    protected virtual IReadOnlyDictionary<string, string>? AppSettings => null;

    [OneTimeSetUp]
    public async Task StartBrowserAndAppAsync()
    {
        App = await RunningApp.StartAsync(settings: AppSettings);
        playwright = await Playwright.CreateAsync();
        Browser = await Chromium.LaunchAsync(playwright);
    }

    [OneTimeTearDown]
    public async Task StopBrowserAndAppAsync()
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
    }

    protected Task<IPage> SignInAsync(string userName) => Chromium.SignInAsync(Browser, App, userName);

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

using Grader.Web.Tests.Support;
using Microsoft.Playwright;

namespace Grader.Web.Tests.Browser;

/// <summary>Debian's chromium driven by Playwright, and signing in through the sign-in form: what every browser test starts with.</summary>
internal static class Chromium
{
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            // Never a downloaded browser: the system's chromium.
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>Closes what a browser test's setup started, whichever parts it got to.</summary>
    public static async Task CloseAsync(IBrowser? browser, IPlaywright? playwright, RunningApp? app)
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }
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

using System.Net;
using Grader.Data;
using Grader.Web.Tests.Support;
using WebClient = Grader.Web.Tests.Support.WebClient;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.SignIn;

/// <summary>
/// Sign-in with GitHub against a fake GitHub on 127.0.0.1, driving the real app over HTTP and following every
/// redirect by hand: app → authorize → app's /signin-github (code for token, token for user) → /Account/GitHubCallback.
/// The app runs without the demo, so roster students have no accounts until their first GitHub sign-in.
/// </summary>
public sealed class GitHubSignInTests
{
    private const string InstructorLogin = "prof-octo";
    private const string TaLogin = "ta-octo";

    private FakeGitHubOAuth gitHub = null!;
    private RunningApp app = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        gitHub = new FakeGitHubOAuth();
        var settings = gitHub.Settings([InstructorLogin], [TaLogin]);
        settings["Course__SeedDemo"] = "false";
        app = await RunningApp.StartAsync(settings: settings);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        if (gitHub is not null)
        {
            await gitHub.DisposeAsync();
        }
    }

    /// <summary>The whole flow for <paramref name="user"/>; returns the client (with the app's cookie if it worked) and the last answer.</summary>
    private async Task<(WebClient Client, HttpResponseMessage Landing)> SignInAsync(FakeGitHubUser user)
    {
        gitHub.NextUser = user;
        var client = new WebClient(app.BaseAddress);
        using var challenge = await client.PostFormAsync("/Account/Login", "/Account/Login?handler=GitHub", new Dictionary<string, string> { ["ReturnUrl"] = "" });
        Assert.That(challenge.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var authorize = challenge.Headers.Location!;
        Assert.That(authorize.ToString(), Does.StartWith(new Uri(gitHub.BaseAddress, "login/oauth/authorize").ToString()));

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var approved = await browser.GetAsync(authorize);
        Assert.That(approved.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "the fake approves");
        var back = approved.Headers.Location!;
        Assert.That(back.GetLeftPart(UriPartial.Path), Is.EqualTo(new Uri(app.BaseAddress, "signin-github").ToString()));

        using var callback = await client.GetAsync(back.PathAndQuery);
        Assert.That(callback.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"/signin-github: {await callback.Content.ReadAsStringAsync()}\n{app.Log}");
        string next = callback.Headers.Location!.ToString();
        Assert.That(next, Does.StartWith("/Account/GitHubCallback"));
        return (client, await client.GetAsync(next));
    }

    [Test]
    public async Task TheSignInPageOffersGitHubWhenConfigured()
    {
        using var anonymous = new WebClient(app.BaseAddress);
        Assert.That(await anonymous.GetStringAsync("/Account/Login"), Does.Contain("Sign in with GitHub"));
    }

    [Test]
    public async Task ARosterStudentSignsInAsTheirOwnAccountCreatedOnFirstSignIn()
    {
        await using (var db = app.Database())
        {
            Assert.That(await db.Users.AnyAsync(u => u.UserName == "dm0005"), Is.False, "no account before the first sign-in");
        }

        // GitHub logins are case-insensitive; the roster has dlm-demo-student-05 / 90000005.
        var (client, landing) = await SignInAsync(new FakeGitHubUser("DLM-Demo-Student-05", 90000005, "Eve"));
        using (client)
        using (landing)
        {
            Assert.That(landing.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await landing.Content.ReadAsStringAsync());
            Assert.That(await client.GetStringAsync("/Student"), Does.Contain("My assignments"));
            using var staffPage = await client.GetAsync("/Ta/Queue");
            Assert.That(staffPage.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        // A second sign-in is the same account, not a new one.
        var (again, secondLanding) = await SignInAsync(new FakeGitHubUser("dlm-demo-student-05", 90000005, "Eve"));
        using (again)
        using (secondLanding)
        {
            Assert.That(secondLanding.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = app.Database())
        {
            var user = await db.Users.SingleAsync(u => u.UserName == "dm0005");
            string? linked = await db.Roster.Where(r => r.Identifier == "dm0005").Select(r => r.UserId).SingleAsync();
            int accounts = await db.Users.CountAsync(u => u.StudentIdentifier == "dm0005");
            Assert.Multiple(() =>
            {
                Assert.That(user.StudentIdentifier, Is.EqualTo("dm0005"));
                Assert.That(user.PasswordHash, Is.Null, "a GitHub account has no password");
                Assert.That(linked, Is.EqualTo(user.Id));
                Assert.That(accounts, Is.EqualTo(1));
            });
        }
    }

    [Test]
    public async Task TheGitHubIdFindsTheStudentAfterALoginRenameAndALoginAloneCannotTakeAnotherId()
    {
        var (renamed, landing) = await SignInAsync(new FakeGitHubUser("new-name-of-07", 90000007, "Renamed"));
        using (renamed)
        using (landing)
        {
            Assert.That(landing.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(await renamed.GetStringAsync("/Student"), Does.Contain("My assignments"));
        }

        var (impostor, refused) = await SignInAsync(new FakeGitHubUser("dlm-demo-student-08", 555, "Took the old name"));
        using (impostor)
        using (refused)
        {
            Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), Does.Contain("Your GitHub account dlm-demo-student-08 is not on the roster"));
        }
    }

    [Test]
    public async Task StaffAreSignedInByTheConfiguredLogins()
    {
        var (instructor, landing) = await SignInAsync(new FakeGitHubUser(InstructorLogin, 7001, "Prof. Octo"));
        using (instructor)
        using (landing)
        {
            Assert.That(landing.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(await instructor.GetStringAsync("/Instructor/Gradebook"), Does.Contain("Gradebook"));
        }

        var (ta, taLanding) = await SignInAsync(new FakeGitHubUser(TaLogin, 7002, "TA Octo"));
        using (ta)
        using (taLanding)
        {
            Assert.That(taLanding.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(await ta.GetStringAsync("/Ta/Queue"), Does.Contain("Review queue"));
            using var instructorPage = await ta.GetAsync("/Instructor");
            Assert.That(instructorPage.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        await using var db = app.Database();
        Assert.That(await db.Users.Where(u => u.UserName == "prof-octo@github").Select(u => u.DisplayName).SingleAsync(), Is.EqualTo("Prof. Octo"));
    }

    [Test]
    public async Task AnUnknownGitHubAccountGetsAClearPageAndNoAccount()
    {
        int usersBefore;
        await using (var db = app.Database())
        {
            usersBefore = await db.Users.CountAsync();
        }

        var (client, landing) = await SignInAsync(new FakeGitHubUser("stranger-octo", 4242, "Stranger"));
        using (client)
        using (landing)
        {
            Assert.That(landing.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
            Assert.That(WebUtility.HtmlDecode(await landing.Content.ReadAsStringAsync()),
                Does.Contain("Your GitHub account stranger-octo is not on the roster of Deep Learning in Medicine").And.Contain("ask your instructor"));
            using var student = await client.GetAsync("/Student");
            Assert.That(student.Headers.Location?.ToString(), Does.Contain("/Account/Login"), "not signed in");
        }

        await using (var db = app.Database())
        {
            Assert.That(await db.Users.CountAsync(), Is.EqualTo(usersBefore));
        }
    }

    [Test]
    public async Task TheCallbackWithoutAGitHubIdentitySignsNobodyIn()
    {
        using var client = new WebClient(app.BaseAddress);
        using var response = await client.GetAsync("/Account/GitHubCallback");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("GitHub sign-in did not complete"));
    }
}

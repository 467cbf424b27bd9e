using System.Net;
using Grader.Web.SignIn;
using Grader.Web.Tests.Support;
using WebClient = Grader.Web.Tests.Support.WebClient;

namespace Grader.Web.Tests.Hardening;

/// <summary>
/// The sign-in form under attack: strangers guessing a password cannot lock the real user out, an unknown name costs the
/// same password hash as a real one, and signing out ends every copy of the cookie. The app trusts
/// <c>X-Forwarded-For</c> from loopback (a proxy on the same machine), which is how these tests come from other addresses.
/// </summary>
public sealed class SignInAbuseTests
{
    private const string Metric = "grader_signin_password_verifications_total";

    private static async Task<(HttpStatusCode Status, string Text)> TrySignInAsync(WebClient client, string userName, string password)
    {
        using var response = await client.PostFormAsync("/Account/Login", "/Account/Login",
            new Dictionary<string, string> { ["UserName"] = userName, ["Password"] = password });
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<WebClient> FromAsync(string address)
    {
        var client = await HardeningFixture.App.ClientAsync(null);
        client.DefaultHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    [Test]
    public async Task StrangersGuessingPasswordsDoNotLockTheRealUserOut()
    {
        // One address guessing: slowed down after the free failures, even when it then has the right password.
        using (var attacker = await FromAsync("203.0.113.50"))
        {
            for (int attempt = 1; attempt <= 12; attempt++)
            {
                var (status, text) = await TrySignInAsync(attacker, "ta2", $"guess-{attempt}");
                Assert.That(status, Is.EqualTo(HttpStatusCode.OK), $"attempt {attempt} is refused with the form");
                Assert.That(text, Does.Contain(attempt <= PasswordSignIn.FreeFailures ? PasswordSignIn.WrongPassword : "Too many failed sign-ins for this account from your address"),
                    $"attempt {attempt}");
            }

            var (_, withTheRightPassword) = await TrySignInAsync(attacker, "ta2", RunningApp.PasswordOf("ta2"));
            Assert.That(withTheRightPassword, Does.Contain("Too many failed sign-ins"), "the guessing address waits, whatever it sends");
        }

        // Many addresses, one guess each: each is only told the password is wrong.
        for (int host = 1; host <= 12; host++)
        {
            using var attacker = await FromAsync($"198.51.100.{host}");
            var (_, text) = await TrySignInAsync(attacker, "ta2", "guess");
            Assert.That(text, Does.Contain(PasswordSignIn.WrongPassword), $"198.51.100.{host}");
        }

        // The real user, from their own address, signs in at once and works.
        using var real = await HardeningFixture.App.ClientAsync("ta2");
        using var queue = await real.GetAsync("/Ta/Queue");
        Assert.That(queue.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("nobody-by-this-name", "198.51.100.201", TestName = "an unknown user name")]
    [TestCase("ta1", "198.51.100.202", TestName = "a real user name")]
    public async Task AWrongPasswordCostsOnePasswordHashWhetherOrNotTheNameExists(string userName, string address)
    {
        double before = HardeningFixture.Sum(await HardeningFixture.MetricsAsync(), Metric);
        using var client = await FromAsync(address);
        var (status, text) = await TrySignInAsync(client, userName, "not-the-password");
        double after = HardeningFixture.Sum(await HardeningFixture.MetricsAsync(), Metric);
        Assert.That(status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(text, Does.Contain(PasswordSignIn.WrongPassword), "the same answer for both");
        Assert.That(after - before, Is.EqualTo(1), "exactly one password hash was checked");
    }

    [Test]
    public async Task SigningOutEndsEveryCopyOfTheCookie()
    {
        using var browser = await HardeningFixture.App.ClientAsync("dm0019");
        using var copy = new WebClient(HardeningFixture.App.BaseAddress);
        copy.Cookies.Add(browser.Cookies.GetAllCookies());
        using (var before = await copy.GetAsync("/api/submissions"))
        {
            Assert.That(before.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the copied cookie works while signed in");
        }

        using (var signedOut = await browser.PostFormAsync("/Student", "/Account/Logout", new Dictionary<string, string>()))
        {
            Assert.That(signedOut.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        using (var api = await copy.GetAsync("/api/submissions"))
        {
            Assert.That(api.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the copied cookie no longer signs in");
        }

        using (var page = await copy.GetAsync("/Student"))
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(page.Headers.Location?.ToString(), Does.Contain("/Account/Login"));
        }

        // Signing in again works and gives a new cookie.
        using var again = await HardeningFixture.App.ClientAsync("dm0019");
        using var fresh = await again.GetAsync("/api/submissions");
        Assert.That(fresh.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [TestCase("https", true)]
    [TestCase(null, false)]
    public async Task TheSignInCookieIsSecureWhenTheProxySaysHttps(string? forwardedProto, bool secure)
    {
        using var client = await HardeningFixture.App.ClientAsync(null);
        // The antiforgery cookie is taken over plain HTTP first: a Secure one would never be sent back to http://.
        _ = await client.GetStringAsync("/Account/Login");
        if (forwardedProto is not null)
        {
            client.DefaultHeaders.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await client.PostFormAsync("/Account/Login", "/Account/Login",
            new Dictionary<string, string> { ["UserName"] = "dm0018", ["Password"] = RunningApp.PasswordOf("dm0018") });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        string cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("grader.auth=", StringComparison.Ordinal));
        Assert.That(cookie.Contains("; secure", StringComparison.OrdinalIgnoreCase), Is.EqualTo(secure), cookie);
        Assert.That(cookie, Does.Contain("httponly").IgnoreCase);
    }
}

using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>Every page and endpoint against every role, a stranger, and a student reaching for another student's work.</summary>
public sealed class AuthorizationTests
{
    // The demo's first two students; dm0001's submission is "own", dm0002's is "another student's".
    private const string Owner = "dm0001";
    private const string OtherStudent = "dm0002";

    private static long ownSubmission;

    [OneTimeSetUp]
    public async Task FindSubmissionsAsync()
    {
        await using var db = AppFixture.App.Database();
        ownSubmission = await db.Submissions.Where(s => s.SubmitterId == Owner).Select(s => s.Id).FirstAsync();
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        // (user or null for a stranger, path, expected status). Pages answer a stranger with a redirect to sign-in and a
        // wrong role with a redirect to "not allowed"; the API answers 401/403.
        string own = "{own}";
        var cases = new (string? User, string Path, HttpStatusCode Status, string? RedirectTo)[]
        {
            (null, "/Student", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Student", HttpStatusCode.OK, null),
            ("ta1", "/Student", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Student", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            (null, "/Student/Grade", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Student/Grade", HttpStatusCode.OK, null),
            ("ta1", "/Student/Grade", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Student/Grade", HttpStatusCode.Redirect, "/Account/AccessDenied"),

            (null, "/Ta/Queue", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Ta/Queue", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Ta/Queue", HttpStatusCode.OK, null),
            ("instructor", "/Ta/Queue", HttpStatusCode.OK, null),

            (null, "/Instructor", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Instructor", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Instructor", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Instructor", HttpStatusCode.OK, null),

            (null, "/Instructor/Gradebook", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Instructor/Gradebook", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta2", "/Instructor/Gradebook", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Instructor/Gradebook", HttpStatusCode.OK, null),
            (null, "/Instructor/FinalGrade?student=dm0001", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Instructor/FinalGrade?student=dm0001", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta2", "/Instructor/FinalGrade?student=dm0001", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Instructor/FinalGrade?student=dm0001", HttpStatusCode.OK, null),
            ("instructor", "/Instructor/FinalGrade?student=nobody", HttpStatusCode.NotFound, null),

            (null, "/Instructor/Extensions", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Instructor/Extensions", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Instructor/Extensions", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Instructor/Extensions", HttpStatusCode.OK, null),

            (null, "/Instructor/Teams", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Instructor/Teams", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta2", "/Instructor/Teams", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Instructor/Teams", HttpStatusCode.OK, null),

            (null, "/Student/Team", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Student/Team", HttpStatusCode.OK, null),
            ("ta1", "/Student/Team", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Student/Team", HttpStatusCode.Redirect, "/Account/AccessDenied"),

            (null, "/Student/Documents", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Student/Documents", HttpStatusCode.OK, null),
            ("ta2", "/Student/Documents", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("instructor", "/Student/Documents", HttpStatusCode.Redirect, "/Account/AccessDenied"),

            (null, "/Ta/Documents", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Ta/Documents", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Ta/Documents", HttpStatusCode.OK, null),
            ("instructor", "/Ta/Documents", HttpStatusCode.OK, null),

            (null, "/Ta/Presentations", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Ta/Presentations", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta2", "/Ta/Presentations", HttpStatusCode.OK, null),
            ("instructor", "/Ta/Presentations", HttpStatusCode.OK, null),
            ("ta1", "/Ta/Presentations?assignment=hw1-mlp", HttpStatusCode.NotFound, null),

            (null, "/Ta/Similarity", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Ta/Similarity", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Ta/Similarity", HttpStatusCode.OK, null),
            ("instructor", "/Ta/Similarity", HttpStatusCode.OK, null),

            // A pair page needs a stored report; with none, staff get 404 and everyone else is turned away first.
            (null, "/Ta/SimilarityPair?assignment=hw1-mlp&key=none&first=dm0001&second=dm0002", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, "/Ta/SimilarityPair?assignment=hw1-mlp&key=none&first=dm0001&second=dm0002", HttpStatusCode.Redirect, "/Account/AccessDenied"),
            ("ta1", "/Ta/SimilarityPair?assignment=hw1-mlp&key=none&first=dm0001&second=dm0002", HttpStatusCode.NotFound, null),
            ("instructor", "/Ta/SimilarityPair?assignment=hw1-mlp&key=none&first=dm0001&second=dm0002", HttpStatusCode.NotFound, null),

            // GitHub sign-in is not configured in this app: its callback does not exist.
            (null, "/Account/GitHubCallback", HttpStatusCode.NotFound, null),

            (null, $"/Submissions/{own}", HttpStatusCode.Redirect, "/Account/Login"),
            (Owner, $"/Submissions/{own}", HttpStatusCode.OK, null),
            (OtherStudent, $"/Submissions/{own}", HttpStatusCode.NotFound, null),
            ("ta1", $"/Submissions/{own}", HttpStatusCode.OK, null),
            ("instructor", $"/Submissions/{own}", HttpStatusCode.OK, null),
            (Owner, "/Submissions/999999", HttpStatusCode.NotFound, null),

            (null, $"/api/submissions/{own}/report", HttpStatusCode.Unauthorized, null),
            (Owner, $"/api/submissions/{own}/report", HttpStatusCode.OK, null),
            (OtherStudent, $"/api/submissions/{own}/report", HttpStatusCode.NotFound, null),
            ("ta2", $"/api/submissions/{own}/report", HttpStatusCode.OK, null),
            ("instructor", $"/api/submissions/{own}/report", HttpStatusCode.OK, null),

            (null, "/api/gradebook.csv", HttpStatusCode.Unauthorized, null),
            (Owner, "/api/gradebook.csv", HttpStatusCode.Forbidden, null),
            ("ta1", "/api/gradebook.csv", HttpStatusCode.Forbidden, null),
            ("instructor", "/api/gradebook.csv", HttpStatusCode.OK, null),
            (null, "/api/gradebook", HttpStatusCode.Unauthorized, null),
            (Owner, "/api/gradebook", HttpStatusCode.Forbidden, null),
            ("ta1", "/api/gradebook", HttpStatusCode.Forbidden, null),
            ("instructor", "/api/gradebook", HttpStatusCode.OK, null),
        };
        return cases.Select(c => new TestCaseData(c.User, c.Path, c.Status, c.RedirectTo).SetName($"{c.User ?? "stranger"} GET {c.Path} -> {(int)c.Status}"));
    }

    [TestCaseSource(nameof(Cases))]
    public async Task EachRoleGetsWhatItMaySee(string? user, string path, HttpStatusCode expected, string? redirectTo)
    {
        using var client = await AppFixture.App.ClientAsync(user);
        using var response = await client.GetAsync(path.Replace("{own}", ownSubmission.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        Assert.That(response.StatusCode, Is.EqualTo(expected));
        if (redirectTo is not null)
        {
            Assert.That(response.Headers.Location?.ToString(), Does.Contain(redirectTo));
        }
    }

    [Test]
    public async Task WithoutGitHubConfiguredTheSignInPageOffersNoGitHubButton()
    {
        using var stranger = await AppFixture.App.ClientAsync(null);
        Assert.That(await stranger.GetStringAsync("/Account/Login"), Does.Not.Contain("Sign in with GitHub"));
        using var challenge = await stranger.PostFormAsync("/Account/Login", "/Account/Login?handler=GitHub", new Dictionary<string, string>());
        Assert.That(challenge.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task StudentsListOnlyTheirOwnSubmissions()
    {
        using var client = await AppFixture.App.ClientAsync(OtherStudent);
        string json = await client.GetStringAsync("/api/submissions");
        Assert.That(json, Does.Contain($"\"{OtherStudent}\""));
        Assert.That(json, Does.Not.Contain($"\"{Owner}\""));
    }

    [Test]
    public async Task AStudentCannotOverrideEvenTheirOwnSubmission()
    {
        using var client = await AppFixture.App.ClientAsync(Owner);
        string page = $"/Submissions/{ownSubmission}";
        using var response = await client.PostFormAsync(page, $"{page}?handler=Override",
            new Dictionary<string, string> { ["ItemId"] = "sgd-step", ["Points"] = "10", ["Comment"] = "I deserve it" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        await using var db = AppFixture.App.Database();
        Assert.That(await db.ItemOverrides.AnyAsync(o => o.SubmissionId == ownSubmission && o.Comment == "I deserve it"), Is.False);
    }

    [Test]
    public async Task APostWithoutAntiforgeryTokenIsRefused()
    {
        using var http = new HttpClient { BaseAddress = AppFixture.App.BaseAddress };
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = Owner, ["Password"] = Demo.DemoSeeder.StudentPassword });
        using var response = await http.PostAsync(new Uri("Account/Login", UriKind.Relative), form);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Grader.Data;
using Grader.Data.GitHub;
using Grader.GitHub;
using Grader.GitHub.Tests.Support;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using WebClient = Grader.Web.Tests.Support.WebClient;

namespace Grader.Web.Tests.GitHub;

/// <summary>
/// The whole GitHub path through the real app (its own process, its own data folder) with Octokit pointed at
/// <see cref="FakeGitHub"/>: roster import, discovery, provisioning, signed push webhooks before the deadline (one a
/// force-push), the course clock moved past the deadline by restarting the app with a later <c>Course:Now</c>, late
/// pushes (one with a forged commit date), the deadline snapshot while GitHub throttles and drops connections, grading
/// by the real runner, and the commit status and rubric comment posted, then updated after a TA override.
/// </summary>
[Category("Slow")]
public sealed class GitHubEndToEndTests
{
    private const string Org = "dlm-course";
    private const string Secret = "end-to-end-webhook-secret";

    // HW1 is due 2023-02-16 23:59 in New York: 2023-02-17 04:59 UTC.
    private const string BeforeDeadline = "2023-02-17T03:00:00Z";
    private const string AfterDeadline = "2023-02-17T06:00:00Z";

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    private static string Sha(char c, int n) => new string(c, 39) + n.ToString(CultureInfo.InvariantCulture);

    [Test]
    public async Task TheRightCommitIsGradedForEveryStudentAndTheFeedbackReachesGitHub()
    {
        using var github = new FakeGitHub { SecondaryRetryAfterSeconds = 1, TooManyRequestsRetryAfterSeconds = 1 };
        var solution = Files("solution");
        var starter = Files("starter");
        string a1 = Sha('a', 1), a2 = Sha('a', 2), b1 = Sha('b', 1), b2 = Sha('b', 2), c1 = Sha('c', 1), d1 = Sha('d', 1), d2 = Sha('d', 2);
        var ada = github.AddRepository(Org, "hw1-mlp-ada-gh", Sha('0', 1), starter);
        var ben = github.AddRepository(Org, "hw1-mlp-ben-gh", Sha('0', 2), starter);
        var cara = github.AddRepository(Org, "hw1-mlp-cara-gh", Sha('0', 3), starter);
        var dev = github.AddRepository(Org, "hw1-mlp-dev-gh", Sha('0', 4), starter);
        github.AddRepository(Org, "hw1-mlp-stranger", Sha('0', 5), starter);
        github.AddRepository(Org, "hw2-cnn-template", Sha('0', 6), new() { ["README.md"] = "# HW2\n" });
        var settings = new Dictionary<string, string>
        {
            ["GitHub__Token"] = "test-token",
            ["GitHub__Organization"] = Org,
            ["GitHub__ApiBaseUrl"] = github.BaseAddress.ToString(),
            ["GitHub__WebhookSecret"] = Secret,
            ["GitHub__FeedbackRetrySeconds"] = "1",
            ["Course__Now"] = BeforeDeadline,
        };

        var app = await RunningApp.StartAsync(settings: settings);
        try
        {
            // 1. Roster: a broken file is refused with its lines; the Classroom export gives the GitHub usernames and a team.
            using (var instructor = await app.ClientAsync("instructor"))
            {
                string refused = await ImportRosterAsync(instructor, "identifier,github_username,github_id,name\ndm0001,ada-gh,1,Ada\ndm0001,ben-gh,x,Ben\n");
                Assert.That(refused, Does.Contain("classroom.csv, line 3, identifier: &quot;dm0001&quot; is already used on line 2"));
                string imported = await ImportRosterAsync(instructor,
                    "identifier,github_username,github_id,name,group_name\n" +
                    "dm0001,ada-gh,1,\"Ada Sample (demo)\",Team Retina\ndm0002,ben-gh,2,\"Ben Fixture (demo)\",Team Retina\n" +
                    "dm0003,cara-gh,3,\"Cara Mockwell (demo)\",\ndm0004,dev-gh,4,\"Dev Testova (demo)\",\n");
                Assert.That(imported, Does.Contain("Imported: 0 added, 4 updated, 0 unchanged."));
                Assert.That(imported, Does.Contain("team-retina: dm0001, dm0002"));

                // 2. Discovery: four matched, a stranger's repository, everybody else without one.
                string discovered = await PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw1-mlp", "Discover", []);
                Assert.That(discovered, Does.Contain("4 repositories matched to the roster"));
                Assert.That(Section(discovered, "unmatched"), Does.Contain("hw1-mlp-stranger"));
                Assert.That(Section(discovered, "without-repository"), Does.Contain("dm0005 (dlm-demo-student-05)").And.Not.Contain("dm0001"));

                // 3. Provisioning HW2 from its template, twice: the second run only finds what the first made.
                var fields = new Dictionary<string, string> { ["TemplateRepository"] = "hw2-cnn-template" };
                string first = await PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw2-cnn", "Provision", fields);
                string second = await PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw2-cnn", "Provision", fields);
                // The demo roster's dm0029 and dm0030 have no GitHub username: reported, not provisioned.
                Assert.That(first, Does.Contain("28 created, 0 already there, 2 failed").And.Contain("dm0030 has no GitHub username on the roster"));
                Assert.That(second, Does.Contain("0 created, 28 already there, 2 failed"));
                Assert.That(github.Locked(() => github.Repositories[$"{Org}/hw2-cnn-ada-gh"].Collaborators.Keys.ToList()), Is.EqualTo(new[] { "ada-gh" }));
            }

            await using (var db = app.Database())
            {
                Assert.That(await db.Roster.Where(r => r.Identifier == "dm0001").Select(r => r.GitHubUsername).SingleAsync(), Is.EqualTo("ada-gh"));
                var team = await db.Teams.Include(t => t.Members).SingleAsync(t => t.Id == "team-retina");
                Assert.That(team.Members.Select(m => m.StudentIdentifier).Order(), Is.EqualTo(new[] { "dm0001", "dm0002" }));
            }

            // 4. Pushes before the deadline: Ada's solution; Ben's starter then a force-push of the solution; Dev's
            // solution; Cara pushes the solution but her webhook is lost (only the deadline snapshot sees it).
            string adaDelivery = await PushAsync(app, github, ada, a1, solution, forced: false, claimed: "2023-02-16T20:00:00Z");
            await PushAsync(app, github, ben, b1, starter, forced: false, claimed: "2023-02-16T20:00:00Z");
            await PushAsync(app, github, ben, b2, solution, forced: true, claimed: "2023-02-16T19:00:00Z");
            await PushAsync(app, github, dev, d1, solution, forced: false, claimed: "2023-02-16T21:00:00Z");
            github.Locked(() => Commit(cara, c1, solution));
            using (var redelivered = await DeliverAsync(app, PushPayload(ada, Sha('0', 1), a1, false, "2023-02-16T20:00:00Z"), adaDelivery))
            {
                Assert.That(await redelivered.Content.ReadAsStringAsync(), Does.Contain("duplicate"), "GitHub's redelivery is recognised");
            }

            // 5. The course clock passes the deadline: the app restarts on the same data with a later Course:Now, while
            // GitHub throttles (primary, secondary, 429) and drops connections in the middle of answers.
            github.RateLimitReset = DateTimeOffset.UtcNow.AddSeconds(1);
            foreach (var fault in new (string, Fault)[]
            {
                ("/orgs/dlm-course/repos", Fault.PrimaryRateLimit),
                ("/branches/", Fault.SecondaryRateLimit),
                ("/branches/", Fault.DropConnection),
                ("/tarball/", Fault.TooManyRequests),
                ("/_codeload/", Fault.DropConnection),
                // Four in a row outlast the gate's retries: the feedback job fails, and posts on its own retry.
                ("/statuses/", Fault.DropConnection),
                ("/statuses/", Fault.DropConnection),
                ("/statuses/", Fault.DropConnection),
                ("/statuses/", Fault.DropConnection),
                ("/comments", Fault.SecondaryRateLimit),
            })
            {
                github.Locked(() => github.Faults.Enqueue(fault));
            }

            await app.KillAsync();
            settings["Course__Now"] = AfterDeadline;
            app = await RunningApp.StartAsync(app.DataFolder, settings);

            // 6. The snapshot job: fired at start for the deadline that passed while the app was down, and by hand.
            using (var instructor = await app.ClientAsync("instructor"))
            {
                Assert.That(await PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw1-mlp", "Snapshot", []), Does.Contain("The deadline snapshot is queued"));
            }

            (string Student, FakeRepository Repository, string Sha)[] expected = [("dm0001", ada, a1), ("dm0002", ben, b2), ("dm0003", cara, c1), ("dm0004", dev, d1)];
            await WaitUntilAsync(async () =>
            {
                await using var db = app.Database();
                return await db.Set<RepositoryEvidence>().CountAsync(e => e.Kind == EvidenceKind.DeadlineSnapshot && e.AssignmentId == "hw1-mlp") == 4;
            }, "the deadline snapshot of the four repositories", app);

            // 7. Late pushes, after the snapshot: Ada's starter with a commit date forged to look on time, Dev's starter.
            await PushAsync(app, github, ada, a2, starter, forced: false, claimed: "2023-02-16T23:30:00-05:00");
            await PushAsync(app, github, dev, d2, starter, forced: false, claimed: "2023-02-17T06:00:00Z");

            // 8. Graded, and the status and comment posted, for the commit that counts in every repository.
            await WaitUntilAsync(() => Task.FromResult(expected.All(e => github.Locked(() => e.Repository.Statuses.Count > 0 && e.Repository.Comments.Count > 0))),
                "a commit status and a comment on each of the four repositories", app);

            // The snapshot once more by hand: nothing new is read into evidence, collected or graded.
            using (var instructor = await app.ClientAsync("instructor"))
            {
                // Counted before asking: the job may read the branches before the answer to the request arrives.
                int reads = github.Count("GET", "/branches/main");
                await PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw1-mlp", "Snapshot", []);
                await WaitUntilAsync(() => Task.FromResult(github.Count("GET", "/branches/main") >= reads + 4), "the second snapshot's reads", app);
                string page = await instructor.GetStringAsync("/Instructor/GitHub/Assignment?id=hw1-mlp");
                Assert.That(Row(page, "hw1-mlp-ada-gh"), Does.Contain(a1).And.Contain("deadline snapshot"), "the forged date of the late push changes nothing");
                Assert.That(Row(page, "hw1-mlp-ben-gh"), Does.Contain($"{b2[..12]} at "), "the force-push is shown to TAs");
            }

            await using (var db = app.Database())
            {
                var submissions = await db.Submissions.AsNoTracking().Include(s => s.Runs)
                    .Where(s => s.AssignmentId == "hw1-mlp" && s.GitCommit != null).ToListAsync();
                foreach (var (student, repository, sha) in expected)
                {
                    var graded = submissions.Where(s => s.SubmitterId == student).ToList();
                    Assert.That(graded.Select(s => s.GitCommit), Is.EqualTo(new[] { sha }), $"{student}: exactly one submission, from the commit that counts");
                    var run = graded[0].Runs.Single();
                    Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Succeeded), $"{student}: {run.Error}");
                    var statuses = github.Locked(() => repository.Statuses.Select(j => (Sha: j["sha"]!.ToString(), Context: j["context"]!.ToString(), Description: j["description"]!.ToString())).ToList());
                    Assert.That(statuses.Select(st => (st.Sha, st.Context)).Distinct(), Is.EqualTo(new[] { (sha, "grader/hw1-mlp") }), $"{student}: the status is on the graded commit only");
                    Assert.That(statuses[^1].Description, Does.StartWith($"{run.Total!.Value.ToString("0.##", CultureInfo.InvariantCulture)}/{run.Max!.Value.ToString("0.##", CultureInfo.InvariantCulture)}"), $"{student}: the score of the graded run");
                    Assert.That(github.Locked(() => repository.Comments.Count), Is.EqualTo(1), $"{student}: one feedback comment");
                }

                Assert.That(await db.Set<GitHubDelivery>().CountAsync(), Is.EqualTo(6), "every delivery stored once, the redelivery not again");
            }

            Assert.That(github.PendingFaults, Is.Zero, "every throttle and dropped connection was met and survived");

            // 9. A TA scores a manual item of Ada's: the comment is edited in place and a new status carries the new score.
            long adaSubmission;
            await using (var db = app.Database())
            {
                adaSubmission = await db.Submissions.Where(s => s.SubmitterId == "dm0001" && s.GitCommit == a1).Select(s => s.Id).SingleAsync();
            }

            using (var ta = await app.ClientAsync("ta1"))
            {
                string page = $"/Submissions/{adaSubmission}";
                using var response = await ta.PostFormAsync(page, $"{page}?handler=Override",
                    new Dictionary<string, string> { ["ItemId"] = "training-curves", ["Points"] = "10", ["Comment"] = "Curves labelled, loss falls" });
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
            }

            await WaitUntilAsync(() => Task.FromResult(github.Locked(() => ada.Comments.Single().Body.Contains("reviewed (TA)", StringComparison.Ordinal))), "the comment's update after the override", app);
            Assert.Multiple(() =>
            {
                Assert.That(github.Locked(() => ada.Comments.Count), Is.EqualTo(1), "updated, not posted again");
                Assert.That(github.Locked(() => ada.Comments[0].Body), Does.Contain("| 10 | 10 | reviewed (TA) | Curves labelled, loss falls |"));
                Assert.That(github.Locked(() => ada.Statuses[^1]["sha"]!.ToString()), Is.EqualTo(a1));
            });

            // 10. Staff post the feedback again (say the student deleted the comment's notification): a new status, the same comment.
            int statusesBefore = github.Locked(() => ada.Statuses.Count);
            using (var ta = await app.ClientAsync("ta1"))
            {
                string page = $"/Submissions/{adaSubmission}";
                Assert.That(await ta.GetStringAsync(page), Does.Contain("Post the GitHub feedback again"));
                using var response = await ta.PostFormAsync(page, $"{page}?handler=RepostFeedback", new Dictionary<string, string>());
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
            }

            await WaitUntilAsync(() => Task.FromResult(github.Locked(() => ada.Statuses.Count) > statusesBefore), "the status posted again", app);
            Assert.That(github.Locked(() => ada.Comments.Count), Is.EqualTo(1), "the comment edited in place, not posted twice");
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    internal static Dictionary<string, string> Files(string folder) =>
        Directory.EnumerateFiles(Path.Combine(RunningApp.RepositoryRoot, "assignments", "hw1-mlp", folder))
            .ToDictionary(file => Path.GetFileName(file), File.ReadAllText);

    private static void Commit(FakeRepository repository, string sha, Dictionary<string, string> files)
    {
        repository.FilesAtCommit[sha] = new Dictionary<string, string>(files);
        repository.Branches["main"] = sha;
    }

    private static async Task<string> ImportRosterAsync(WebClient instructor, string csv)
    {
        using var response = await instructor.PostMultipartAsync("/Instructor/GitHub", "/Instructor/GitHub?handler=Import", new Dictionary<string, string>(), "RosterFile", "classroom.csv", Encoding.UTF8.GetBytes(csv));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await response.Content.ReadAsStringAsync();
    }

    internal static async Task<string> PostAsync(WebClient client, string page, string handler, Dictionary<string, string> fields)
    {
        using var response = await client.PostFormAsync(page, $"{page}&handler={handler}", fields);
        string body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{handler} on {page}: {body}");
        return body;
    }

    /// <summary>The HTML of the list or table with this id.</summary>
    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"id=\"{id}\"", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"the page has no #{id}");
        int end = html.IndexOf(html.LastIndexOf("<ul", start, StringComparison.Ordinal) > html.LastIndexOf("<table", start, StringComparison.Ordinal) ? "</ul>" : "</table>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    /// <summary>The HTML of one repository's row in the table of commits that count.</summary>
    private static string Row(string html, string repository)
    {
        int start = html.IndexOf($"id=\"repository-{repository}\"", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"the page has no row for {repository}");
        return html[start..html.IndexOf("</tr>", start, StringComparison.Ordinal)];
    }

    private static string PushPayload(FakeRepository repository, string before, string after, bool forced, string claimed) =>
        new JsonObject
        {
            ["ref"] = "refs/heads/main",
            ["before"] = before,
            ["after"] = after,
            ["forced"] = forced,
            ["deleted"] = false,
            ["head_commit"] = new JsonObject { ["id"] = after, ["timestamp"] = claimed },
            ["repository"] = new JsonObject { ["name"] = repository.Name, ["full_name"] = repository.FullName, ["default_branch"] = "main" },
            ["pusher"] = new JsonObject { ["name"] = repository.Name["hw1-mlp-".Length..] },
        }.ToJsonString();

    /// <summary>The student pushes <paramref name="sha"/> to main and GitHub delivers the webhook; returns the delivery id.</summary>
    private static async Task<string> PushAsync(RunningApp app, FakeGitHub github, FakeRepository repository, string sha, Dictionary<string, string> files, bool forced, string claimed)
    {
        string before = github.Locked(() => repository.Branches["main"]);
        github.Locked(() => Commit(repository, sha, files));
        string delivery = Guid.NewGuid().ToString();
        using var response = await DeliverAsync(app, PushPayload(repository, before, sha, forced, claimed), delivery);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return delivery;
    }

    /// <summary>A webhook delivery as GitHub sends it: the raw body signed with the shared secret.</summary>
    private static async Task<HttpResponseMessage> DeliverAsync(RunningApp app, string body, string delivery)
    {
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "github/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Delivery", delivery);
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(body)));
        return await http.SendAsync(request);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, RunningApp app)
    {
        var until = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                await using var db = app.Database();
                var triggers = await db.Database.SqlQueryRaw<string>("SELECT SCHED_NAME || ' ' || TRIGGER_NAME || ' ' || TRIGGER_STATE || ' ' || NEXT_FIRE_TIME AS Value FROM QRTZ_TRIGGERS").ToListAsync();
                Assert.Fail($"{what} did not happen within {Patience}:\nQuartz triggers: {string.Join("\n", triggers)}\n{app.Log}");
            }

            await Task.Delay(500);
        }
    }
}

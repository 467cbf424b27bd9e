using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Grader.Core.Reports;
using Grader.GitHub.Tests.Support;

namespace Grader.GitHub.Tests;

/// <summary>
/// GitHub throttles (403 primary and secondary limits, 429) and connections drop; the sync (discovery, deadline
/// snapshot, archive download), provisioning and feedback must still finish, doing nothing twice. The gate's waits go
/// to a recording delay: nothing here sleeps.
/// </summary>
public sealed class ResilienceTests
{
    private const string Org = "dlm-course";

    // The fake server's X-RateLimit-Reset is 2_000_000_000: the tests' clock stands 30 s before it.
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(2_000_000_000 - 30);

    private FakeGitHub server = null!;
    private GitHubCourseClient github = null!;
    private readonly List<TimeSpan> slept = [];

    [SetUp]
    public void StartServer()
    {
        server = new FakeGitHub();
        var client = server.Client();
        slept.Clear();
        github = new GitHubCourseClient(client, new RateLimitGate(client, new FixedTime(Now), (span, _) =>
        {
            slept.Add(span);
            return Task.CompletedTask;
        }));
    }

    [TearDown]
    public void StopServer() => server.Dispose();

    [Test]
    public async Task SyncFinishesAfterThrottlingAndDroppedConnectionsWithEveryHeadAndArchiveRight()
    {
        server.PageSize = 2;
        var heads = new Dictionary<string, string>
        {
            ["alice-gh"] = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1",
            ["bob-gh"] = "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2",
            ["carol-gh"] = "c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3",
        };
        foreach (var (login, sha) in heads)
        {
            server.AddRepository(Org, $"hw1-mlp-{login}", sha, new() { ["hw1.csx"] = $"// {login}'s MLP\nvar x = 1;\n" });
        }

        // In the order the sync meets them: two pages of repositories, three branches, three archives (a redirect to
        // codeload, whose download is cut off halfway once and refused once).
        (string, Fault)[] faults =
        [
            ("/orgs/dlm-course/repos", Fault.PrimaryRateLimit),
            ("/orgs/dlm-course/repos", Fault.DropConnection),
            ("/branches/", Fault.SecondaryRateLimit),
            ("/branches/", Fault.DropConnection),
            ("/branches/", Fault.TooManyRequests),
            ("/_codeload/", Fault.DropConnection),
            ("/_codeload/", Fault.TooManyRequests),
        ];
        foreach (var fault in faults)
        {
            server.Faults.Enqueue(fault);
        }

        var round = await new DeadlineSnapshots(github, new FixedTime(Now)).TakeAsync(Org, "hw1-mlp",
            [new("ab1", "alice-gh", false), new("bc2", "bob-gh", false), new("cd3", "carol-gh", false)], removeWriteAccess: false, CancellationToken.None);
        var archives = new Dictionary<string, string>();
        foreach (var snapshot in round.Snapshots)
        {
            var archive = await github.DownloadArchiveAsync(Org, snapshot.Match.Repository.Name, snapshot.Sha, ArchiveKind.Tarball, CancellationToken.None);
            archives[snapshot.Match.Owner.Login] = ReadCsx(archive.Content);
        }

        Assert.Multiple(() =>
        {
            Assert.That(server.PendingFaults, Is.Zero, "every fault was served");
            Assert.That(round.Problems, Is.Empty);
            Assert.That(round.Snapshots.Select(s => (s.Match.Owner.Login, s.Sha)), Is.EquivalentTo(heads.Select(h => (h.Key, h.Value))));
            Assert.That(archives, Is.EquivalentTo(heads.Keys.ToDictionary(login => login, login => $"// {login}'s MLP\nvar x = 1;\n")));
            Assert.That(github.Gate.RetriedFailures, Has.Count.EqualTo(faults.Length), "one retry per fault");
            // The waits GitHub asked for: until X-RateLimit-Reset (30 s), Retry-After 7 and 3; backoff after dropped connections.
            Assert.That(slept, Is.EqualTo(new[]
            {
                TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2),
                TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3),
                TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3),
            }));
        });
    }

    [Test]
    public async Task RepositoryThatStaysUnreachableIsReportedAndTheOthersAreStillSnapshotted()
    {
        server.AddRepository(Org, "hw1-mlp-alice-gh", "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1");
        server.AddRepository(Org, "hw1-mlp-bob-gh", "b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2");
        for (var attempt = 0; attempt < 4; attempt++)
        {
            server.Faults.Enqueue(("hw1-mlp-alice-gh/branches/", Fault.DropConnection));
        }

        var round = await new DeadlineSnapshots(github, new FixedTime(Now)).TakeAsync(Org, "hw1-mlp",
            [new("ab1", "alice-gh", false), new("bc2", "bob-gh", false)], removeWriteAccess: false, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(round.Snapshots.Select(s => s.Match.Owner.SubmitterId), Is.EqualTo(new[] { "bc2" }));
            Assert.That(round.Problems.Single(), Does.StartWith("dlm-course/hw1-mlp-alice-gh: could not read main: the connection to GitHub failed after retries"));
            Assert.That(slept, Is.EqualTo(new[] { TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4) }), "exponential backoff, then give up");
        });
    }

    [Test]
    public async Task FeedbackIsPostedOnceWhenConnectionsDropAfterGitHubStoredIt()
    {
        const string sha = "0123456789abcdef0123456789abcdef01234567";
        var repository = server.AddRepository(Org, "hw1-mlp-alice-gh", sha);
        (string, Fault)[] faults =
        [
            ("/statuses/", Fault.DropConnection),
            ("/issues", Fault.DropConnection), // the list of issues
            ("/issues", Fault.DropConnection), // opening the feedback issue: it is opened, the answer is lost
            ("/comments", Fault.TooManyRequests), // the list of comments
            ("/comments", Fault.DropConnection), // posting the comment: it is stored, the answer is lost
        ];
        foreach (var fault in faults)
        {
            server.Faults.Enqueue(fault);
        }

        var feedback = FeedbackContent.FromReport(Report(sha), "HW1: MLP", sha);
        var posted = await github.PublishFeedbackAsync(Org, "hw1-mlp-alice-gh", feedback, null, CancellationToken.None);
        var again = await github.PublishFeedbackAsync(Org, "hw1-mlp-alice-gh", feedback.WithOverride("report", 4, "Plots fixed"), null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(server.PendingFaults, Is.Zero);
            Assert.That(repository.Issues.Select(i => i.Title), Is.EqualTo(new[] { GitHubCourseClient.FeedbackIssueTitle }), "one feedback issue");
            Assert.That(repository.Comments, Has.Count.EqualTo(1), "one comment, edited after the override");
            Assert.That(repository.Comments[0].Body, Does.Contain("## HW1: MLP: 9 / 10"));
            Assert.That(posted, Is.EqualTo(new FeedbackPublication(1, repository.Comments[0].Id, CommentCreated: true)));
            Assert.That(again, Is.EqualTo(new FeedbackPublication(1, repository.Comments[0].Id, CommentCreated: false)));
            Assert.That(server.Count("POST", "/issues/1/comments"), Is.EqualTo(1));
            Assert.That(server.Requests.Count(r => r == "POST /repos/dlm-course/hw1-mlp-alice-gh/issues"), Is.EqualTo(1), "the issue was looked for again, not opened again");
            // A status is safe to send twice: GitHub keeps the latest per context.
            Assert.That(repository.Statuses.Select(s => s["description"]?.ToString()).Distinct(), Is.EqualTo(new[] { "5/10 (provisional: waiting for TA review)", "9/10 (provisional: waiting for TA review)" }));
        });
    }

    [Test]
    public async Task ACreatingCallIsNotRepeatedAfterADroppedConnectionButIsAfterARefusal()
    {
        var repository = server.AddRepository(Org, "hw1-mlp-alice-gh", "0123456789abcdef0123456789abcdef01234567");
        repository.Issues.Add((1, "Grader feedback", false, null, null));
        server.Faults.Enqueue(("/comments", Fault.DropConnection));
        Assert.That(
            () => github.Gate.RunAsync(() => github.Client.Issue.Comment.Create(Org, "hw1-mlp-alice-gh", 1, "first"), CancellationToken.None, CallKind.Creating),
            Throws.InstanceOf<Exception>().With.Matches<Exception>(RateLimitGate.IsTransient));
        Assert.That(repository.Comments.Select(c => c.Body), Is.EqualTo(new[] { "first" }), "GitHub stored it although the answer was lost");

        server.Faults.Enqueue(("/comments", Fault.SecondaryRateLimit));
        await github.Gate.RunAsync(() => github.Client.Issue.Comment.Create(Org, "hw1-mlp-alice-gh", 1, "second"), CancellationToken.None, CallKind.Creating);
        Assert.That(repository.Comments.Select(c => c.Body), Is.EqualTo(new[] { "first", "second" }));
        Assert.That(slept, Is.EqualTo(new[] { TimeSpan.FromSeconds(7) }));
    }

    [Test]
    public async Task ProvisioningAfterADroppedGenerateFindsTheRepositoryInsteadOfMakingItAgain()
    {
        server.AddRepository(Org, "hw1-mlp-template", "7777777777777777777777777777777777777777", new() { ["hw1.csx"] = "// starter\n" });
        server.Faults.Enqueue(("/generate", Fault.DropConnection));
        server.Faults.Enqueue(("/collaborators/", Fault.DropConnection));
        var results = await new Provisioner(github).ProvisionAsync(new ProvisioningPlan(Org, "hw1-mlp", Org, "hw1-mlp-template", OpenFeedbackPullRequest: false),
            [new ProvisioningTarget(new RepositoryOwner("ab1", "alice-gh", false), ["alice-gh"])], CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(results.Single().Error, Is.Null);
            Assert.That(results.Single().Created, Is.True);
            Assert.That(server.Count("POST", "/generate"), Is.EqualTo(1));
            Assert.That(server.Repositories[$"{Org}/hw1-mlp-alice-gh"].Collaborators, Is.EqualTo(new Dictionary<string, string> { ["alice-gh"] = "push" }));
        });
    }

    [Test]
    public void CancellingDuringAWaitStopsTheRetries()
    {
        server.AddRepository(Org, "hw1-mlp-alice-gh", "0123456789abcdef0123456789abcdef01234567");
        server.Faults.Enqueue(("/branches/", Fault.SecondaryRateLimit));
        using var cancellation = new CancellationTokenSource();
        var client = server.Client();
        var gate = new RateLimitGate(client, new FixedTime(Now), (_, token) =>
        {
            cancellation.Cancel();
            token.ThrowIfCancellationRequested();
            return Task.CompletedTask;
        });
        Assert.That(() => new GitHubCourseClient(client, gate).GetBranchHeadAsync(Org, "hw1-mlp-alice-gh", "main", cancellation.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(server.Count("GET", "/branches/main"), Is.EqualTo(1));
    }

    private static string ReadCsx(byte[] tarGz)
    {
        using var gzip = new GZipStream(new MemoryStream(tarGz), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name.EndsWith("/hw1.csx", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
                return reader.ReadToEnd();
            }
        }

        throw new AssertionException("the archive has no hw1.csx");
    }

    private static GradingReport Report(string sha) => new()
    {
        Assignment = "hw1-mlp",
        Submission = new SubmissionInfo("abc", "hw1-mlp-alice-gh.tar.gz", "archive", null, sha),
        GraderVersion = "test",
        GradedAt = DateTimeOffset.UnixEpoch,
        Outcome = GradingOutcome.Graded,
        Summary = "Forward pass correct; backward pass partly.",
        Total = 5,
        Max = 10,
        Provisional = true,
        Items =
        [
            new ReportItem("backward", "Backward pass", "auto", "check", "mlp.backward", 5, 6, "partially-passed", "bias gradient off by the batch size", 12),
            new ReportItem("report", "Report and plots", "manual", "manual", null, 0, 4, "pending", "waiting for a TA", null),
        ],
        Timings = new ReportTimings(0, 0, 0, 0, 0),
    };
}

using Grader.Core.Reports;
using Grader.GitHub.Tests.Support;
using Grader.Submissions.Intake;
using Octokit;

namespace Grader.GitHub.Tests;

public sealed class GitHubApiTests
{
    private const string Org = "dlm-course";
    private FakeGitHub server = null!;
    private GitHubCourseClient github = null!;
    private readonly List<TimeSpan> slept = [];

    [SetUp]
    public void StartServer()
    {
        server = new FakeGitHub();
        var client = server.Client();
        slept.Clear();
        var gate = new RateLimitGate(client, new FixedTime(DateTimeOffset.FromUnixTimeSeconds(2_000_000_000 - 30)), (span, _) =>
        {
            slept.Add(span);
            return Task.CompletedTask;
        });
        github = new GitHubCourseClient(client, gate);
    }

    [TearDown]
    public void StopServer() => server.Dispose();

    [Test]
    public async Task DiscoveryReadsEveryPageOfTheOrganisation()
    {
        server.PageSize = 2;
        foreach (var login in new[] { "alice-gh", "bob-gh", "carol-gh" })
        {
            server.AddRepository(Org, $"hw1-mlp-{login}", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2");
        }

        server.AddRepository(Org, "hw1-mlp-nobody", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2");
        server.AddRepository("someone-else", "hw1-mlp-dave-gh", "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2");
        var repositories = await github.ListRepositoriesAsync(Org, CancellationToken.None);
        Assert.That(repositories, Has.Count.EqualTo(4));
        Assert.That(server.Count("GET", "/orgs/dlm-course/repos"), Is.EqualTo(2), "two pages of two, following Link: rel=next");

        var found = RepositoryDiscovery.Match("hw1-mlp", repositories, [new("ab1", "alice-gh", false), new("bc2", "bob-gh", false), new("cd3", "carol-gh", false), new("de4", "dave-gh", false)]);
        Assert.That(found.Matches.Select(m => m.Owner.SubmitterId), Is.EqualTo(new[] { "ab1", "bc2", "cd3" }));
        Assert.That(found.UnmatchedRepositories.Single().Name, Is.EqualTo("hw1-mlp-nobody"));
        Assert.That(found.OwnersWithoutRepository.Single().SubmitterId, Is.EqualTo("de4"));
    }

    [TestCase(ArchiveKind.Tarball)]
    [TestCase(ArchiveKind.Zipball)]
    public async Task ArchiveAtTheHeadShaIsOneTheIntakeExtracts(ArchiveKind kind)
    {
        const string sha = "0123456789abcdef0123456789abcdef01234567";
        server.AddRepository(Org, "hw1-mlp-alice-gh", sha, new()
        {
            ["hw1.csx"] = "// alice's MLP\nvar x = 1;\n",
            ["src/Layers.cs"] = "public static class Layers { }\n",
        });
        string head = await github.GetBranchHeadAsync(Org, "hw1-mlp-alice-gh", "main", CancellationToken.None);
        Assert.That(head, Is.EqualTo(sha));

        var archive = await github.DownloadArchiveAsync(Org, "hw1-mlp-alice-gh", head, kind, CancellationToken.None);
        Assert.That(archive.FileName, Is.EqualTo(kind == ArchiveKind.Tarball ? "hw1-mlp-alice-gh-0123456789ab.tar.gz" : "hw1-mlp-alice-gh-0123456789ab.zip"));
        string folder = Path.Combine(Path.GetTempPath(), "grader-github-tests", Guid.NewGuid().ToString("N"));
        try
        {
            using var stream = new MemoryStream(archive.Content);
            var extracted = new SubmissionIntake().Extract(stream, archive.FileName, folder, new IntakeOptions { CheckSyllabusNaming = false });
            var files = Directory.EnumerateFiles(extracted.Folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order().ToList();
            Assert.That(files, Is.SupersetOf(new[] { "Layers.cs", "hw1.csx" }));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Assert.That(() => github.DownloadArchiveAsync(Org, "hw1-mlp-alice-gh", "main", kind, CancellationToken.None), Throws.ArgumentException);
    }

    [Test]
    public async Task FeedbackSetsAStatusAndEditsOneCommentAfterAnOverride()
    {
        const string sha = "0123456789abcdef0123456789abcdef01234567";
        var repository = server.AddRepository(Org, "hw1-mlp-alice-gh", sha);
        var feedback = FeedbackContent.FromReport(Report(), "HW1: MLP", sha);

        int thread = await github.FindOrCreateFeedbackThreadAsync(Org, "hw1-mlp-alice-gh", CancellationToken.None);
        await github.SetStatusAsync(Org, "hw1-mlp-alice-gh", feedback, new Uri("https://grader.example.edu/submissions/7"), CancellationToken.None);
        var first = await github.UpsertFeedbackCommentAsync(Org, "hw1-mlp-alice-gh", thread, feedback, CancellationToken.None);

        var overridden = feedback.WithOverride("report", 4, "Plots are labelled | axes fixed");
        await github.SetStatusAsync(Org, "hw1-mlp-alice-gh", overridden, null, CancellationToken.None);
        var second = await github.UpsertFeedbackCommentAsync(Org, "hw1-mlp-alice-gh", thread, overridden, CancellationToken.None);
        Assert.That(await github.FindOrCreateFeedbackThreadAsync(Org, "hw1-mlp-alice-gh", CancellationToken.None), Is.EqualTo(thread), "the feedback issue is made once");

        Assert.Multiple(() =>
        {
            Assert.That(first.Created, Is.True);
            Assert.That(second, Is.EqualTo((first.CommentId, false)));
            Assert.That(repository.Comments, Has.Count.EqualTo(1));
            Assert.That(repository.Comments[0].Body, Does.StartWith("<!-- grader-feedback:hw1-mlp -->"));
            Assert.That(repository.Comments[0].Body, Does.Contain("## HW1: MLP: 9 / 10"));
            Assert.That(repository.Comments[0].Body, Does.Contain(@"| Report and plots | 4 | 4 | reviewed (TA) | Plots are labelled \| axes fixed |"));
            Assert.That(repository.Comments[0].Body, Does.Contain("| Backward pass | 5 | 6 | partially-passed | bias gradient off by the batch size<br>see cell 4 |"));
            Assert.That(repository.Statuses.Select(s => (string?)s["description"]?.ToString()), Is.EqualTo(new[] { "5/10 (provisional: waiting for TA review)", "9/10 (provisional: waiting for TA review)" }));
            Assert.That(repository.Statuses.Select(s => s["state"]?.ToString()), Is.All.EqualTo("success"));
            Assert.That(repository.Statuses.Select(s => s["context"]?.ToString()), Is.All.EqualTo("grader/hw1-mlp"));
            Assert.That(repository.Statuses.Select(s => s["sha"]?.ToString()), Is.All.EqualTo(sha));
        });

        var unchanged = await github.UpsertFeedbackCommentAsync(Org, "hw1-mlp-alice-gh", thread, overridden, CancellationToken.None);
        Assert.That(unchanged.Created, Is.False);
        Assert.That(server.Count("PATCH", "/issues/comments/"), Is.EqualTo(1), "an unchanged comment is not edited again");
    }

    [Test]
    public async Task PrimaryAndSecondaryRateLimitsAreWaitedOutAndRetried()
    {
        server.AddRepository(Org, "hw1-mlp-alice-gh", "0123456789abcdef0123456789abcdef01234567");
        server.Faults.Enqueue(("/branches/", Fault.SecondaryRateLimit));
        server.Faults.Enqueue(("/branches/", Fault.PrimaryRateLimit));
        string head = await github.GetBranchHeadAsync(Org, "hw1-mlp-alice-gh", "main", CancellationToken.None);
        Assert.That(head, Is.EqualTo("0123456789abcdef0123456789abcdef01234567"));
        Assert.That(slept, Is.EqualTo(new[] { TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(30) }), "Retry-After, then until X-RateLimit-Reset");
        Assert.That(server.Count("GET", "/branches/main"), Is.EqualTo(3));
    }

    [Test]
    public void RateLimitThatNeverLiftsFailsAfterTheLastAttempt()
    {
        server.AddRepository(Org, "hw1-mlp-alice-gh", "0123456789abcdef0123456789abcdef01234567");
        for (var i = 0; i < 4; i++)
        {
            server.Faults.Enqueue(("/branches/", Fault.SecondaryRateLimit));
        }

        Assert.That(() => github.GetBranchHeadAsync(Org, "hw1-mlp-alice-gh", "main", CancellationToken.None), Throws.TypeOf<SecondaryRateLimitExceededException>());
        Assert.That(slept, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task ProvisioningCreatesPrivateReposGrantsAccessAndIsIdempotent()
    {
        server.AddRepository(Org, "hw1-mlp-template", "7777777777777777777777777777777777777777", new() { ["hw1.csx"] = "// starter\n" });
        var plan = new ProvisioningPlan(Org, "hw1-mlp", Org, "hw1-mlp-template", OpenFeedbackPullRequest: true);
        ProvisioningTarget[] targets =
        [
            new(new RepositoryOwner("ab1", "alice-gh", false), ["alice-gh"]),
            new(new RepositoryOwner("team-1", "team-retina", true), ["bob-gh", "carol-gh"]),
            new(new RepositoryOwner("ef3", "", false), []),
        ];
        server.Faults.Enqueue(("/generate", Fault.SecondaryRateLimit));

        var first = await new Provisioner(github).ProvisionAsync(plan, targets, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(first.Select(r => (r.Repository, r.Created, r.Succeeded)), Is.EqualTo(new[] { ("hw1-mlp-alice-gh", true, true), ("hw1-mlp-team-retina", true, true), ("", false, false) }));
            Assert.That(first[2].Error, Does.Contain("ef3 has no GitHub username"));
            Assert.That(server.Repositories[$"{Org}/hw1-mlp-alice-gh"].Private, Is.True);
            Assert.That(server.Repositories[$"{Org}/hw1-mlp-alice-gh"].Collaborators, Is.EqualTo(new Dictionary<string, string> { ["alice-gh"] = "push" }));
            Assert.That(server.Repositories[$"{Org}/hw1-mlp-team-retina"].Collaborators.Keys, Is.EquivalentTo(new[] { "bob-gh", "carol-gh" }));
            Assert.That(server.Repositories[$"{Org}/hw1-mlp-alice-gh"].Branches.Keys, Is.EquivalentTo(new[] { "main", "feedback" }));
            Assert.That(first[0].FeedbackPullRequest, Is.Null, "no commits between feedback and main yet");
        });

        // The student pushes; the next run only opens the pull request that was missing.
        var alice = server.Repositories[$"{Org}/hw1-mlp-alice-gh"];
        alice.Branches["main"] = "8888888888888888888888888888888888888888";
        var second = await new Provisioner(github).ProvisionAsync(plan, targets.Take(1), CancellationToken.None);
        var third = await new Provisioner(github).ProvisionAsync(plan, targets.Take(1), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(second[0].Created, Is.False);
            Assert.That(second[0].FeedbackPullRequest, Is.EqualTo(1));
            Assert.That(third[0].FeedbackPullRequest, Is.EqualTo(1));
            Assert.That(server.Count("POST", "/generate"), Is.EqualTo(3), "one refused by the secondary limit, then one per new repository");
            Assert.That(server.Count("POST", "/pulls"), Is.EqualTo(3), "tried once per run until it could be opened, then found");
        });
    }

    [Test]
    public async Task FeedbackGoesToTheFeedbackPullRequestWhenThereIsOne()
    {
        var repository = server.AddRepository(Org, "hw1-mlp-alice-gh", "8888888888888888888888888888888888888888");
        repository.Branches["feedback"] = "7777777777777777777777777777777777777777";
        repository.Issues.Add((1, "Feedback", true, "main", "feedback"));
        Assert.That(await github.FindOrCreateFeedbackThreadAsync(Org, "hw1-mlp-alice-gh", CancellationToken.None), Is.EqualTo(1));
        Assert.That(repository.Issues, Has.Count.EqualTo(1));
    }

    private static GradingReport Report() => new()
    {
        Assignment = "hw1-mlp",
        Submission = new SubmissionInfo("abc", "hw1-mlp-alice-gh.tar.gz", "archive", null, "0123456789abcdef0123456789abcdef01234567"),
        GraderVersion = "test",
        GradedAt = DateTimeOffset.UnixEpoch,
        Outcome = GradingOutcome.Graded,
        Summary = "Forward pass correct; backward pass partly.",
        Total = 5,
        Max = 10,
        Provisional = true,
        Items =
        [
            new ReportItem("backward", "Backward pass", "auto", "check", "mlp.backward", 5, 6, "partially-passed", "bias gradient off by the batch size\nsee cell 4", 12),
            new ReportItem("report", "Report and plots", "manual", "manual", null, 0, 4, "pending", "waiting for a TA", null),
        ],
        Timings = new ReportTimings(0, 0, 0, 0, 0),
    };
}

using System.Globalization;
using Grader.Data;
using Grader.Data.Grading;
using Grader.GitHub.Tests.Support;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Grader.Web.Tests.GitHub;

/// <summary>
/// The production setup's feedback path: the web app only queues (<c>Grading:RunInWeb=false</c>) and a grader
/// worker, composed as <c>grader worker</c> composes itself (<see cref="GraderDataComposition.AddGraderWorkerData"/>,
/// no feedback sinks), grades the run with the real runner outside the web process. The web app's catch-up job still
/// posts the commit status and the comment to GitHub (<see cref="FakeGitHub"/>), once.
/// </summary>
[Category("Slow")]
public sealed class WorkerFeedbackEndToEndTests
{
    private const string Org = "dlm-course";

    // After HW1's deadline (2023-02-17 04:59 UTC), so the instructor's snapshot collects the commit.
    private const string AfterDeadline = "2023-02-17T06:00:00Z";

    [Test]
    public async Task FeedbackOfARunAWorkerGradedReachesGitHubOnce()
    {
        using var github = new FakeGitHub();
        string sha = new string('e', 39) + "1";
        // dm0001's GitHub username on the demo roster.
        var repository = github.AddRepository(Org, "hw1-mlp-dlm-demo-student-01", sha, GitHubEndToEndTests.Files("solution"));
        var settings = new Dictionary<string, string>
        {
            ["GitHub__Token"] = "test-token",
            ["GitHub__Organization"] = Org,
            ["GitHub__ApiBaseUrl"] = github.BaseAddress.ToString(),
            ["GitHub__WebhookSecret"] = "worker-feedback-secret",
            ["Course__Now"] = AfterDeadline,
            ["Grading__RunInWeb"] = "false",
            ["Grading__FeedbackCatchUpSeconds"] = "1",
        };

        await using var app = await RunningApp.StartAsync(settings: settings);
        using (var instructor = await app.ClientAsync("instructor"))
        {
            Assert.That(await GitHubEndToEndTests.PostAsync(instructor, "/Instructor/GitHub/Assignment?id=hw1-mlp", "Snapshot", []), Does.Contain("The deadline snapshot is queued"));
        }

        long runId = 0;
        await GitHubEndToEndTests.WaitUntilAsync(async () =>
        {
            await using var db = app.Database();
            runId = await db.GradingRuns.Where(r => r.Submission!.SubmitterId == "dm0001" && r.Submission.GitCommit == sha).Select(r => r.Id).FirstOrDefaultAsync();
            return runId != 0;
        }, "the snapshot's submission and its queued run", app);

        // The worker, in this process: its composition has no feedback sink, and it grades with the real runner.
        var worker = new ServiceCollection().AddLogging();
        worker.AddGraderWorkerData(WorkerConfiguration(app), RunningApp.RepositoryRoot,
            new WorkerCapacity(Path.Combine(AppContext.BaseDirectory, "runner", "grader.dll"), 1, GpuGrants.None));
        await using (var services = worker.BuildServiceProvider())
        {
            using var scope = services.CreateScope();
            Assert.That(scope.ServiceProvider.GetServices<IGradingFeedbackSink>(), Is.Empty, "a worker cannot tell GitHub itself");
            Assert.That(await scope.ServiceProvider.GetRequiredService<GradingService>().ProcessAsync(runId, recovering: false, CancellationToken.None), Is.True,
                $"the worker grades the run the web app left queued\n{app.Log}");
        }

        GradingRun run;
        await using (var db = app.Database())
        {
            run = await db.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        }

        Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Succeeded), run.Error);

        await GitHubEndToEndTests.WaitUntilAsync(() => Task.FromResult(github.Locked(() => repository.Statuses.Count > 0 && repository.Comments.Count > 0)),
            "the status and comment of the worker's run", app);
        // A few more catch-up rounds: none posts it again.
        await Task.Delay(TimeSpan.FromSeconds(4));

        await using (var db = app.Database())
        {
            run = await db.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
        }

        var statuses = github.Locked(() => repository.Statuses.Select(j => (Sha: j["sha"]!.ToString(), Description: j["description"]!.ToString())).ToList());
        Assert.Multiple(() =>
        {
            Assert.That(run.FeedbackNotifiedAtUtc, Is.Not.Null, "the web app recorded that it told its sinks");
            Assert.That(statuses.Select(s => s.Sha), Is.EqualTo(new[] { sha }), "one status, on the graded commit");
            Assert.That(statuses[0].Description, Does.StartWith(
                $"{run.Total!.Value.ToString("0.##", CultureInfo.InvariantCulture)}/{run.Max!.Value.ToString("0.##", CultureInfo.InvariantCulture)}"), "the worker's score");
            Assert.That(github.Locked(() => repository.Comments.Count), Is.EqualTo(1), "one feedback comment");
            Assert.That(app.Log, Does.Contain("Caught up on the feedback of 1 finished grading runs"), "the web app's catch-up job told them");
        });
    }

    /// <summary>What the worker reads from its environment in production: the web app's database, data folder and course.</summary>
    private static IConfiguration WorkerConfiguration(RunningApp app) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Course:Root"] = RunningApp.RepositoryRoot,
        ["Course:DataFolder"] = app.DataFolder,
        ["Course:ReportCacheFolder"] = RunningApp.SharedReportCacheFolder,
        ["Course:Now"] = AfterDeadline,
    }).Build();
}

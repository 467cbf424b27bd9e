using System.Collections.Concurrent;
using Grader.Core.Reports;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Grader.Web.Tests.Data;

/// <summary>
/// A finished run's feedback is told to the web app's sinks once, whichever node graded it (<see cref="RunFeedback"/>):
/// the real <see cref="GradingService"/> with a stand-in grader, on a SQLite file as the app keeps it.
/// </summary>
public sealed class RunFeedbackTests
{
    private const string Assignment = "hw1-mlp";

    // The migration before the feedback columns: the state of a database being upgraded.
    private const string BeforeFeedbackColumns = "20261123152342_AddDataVersion";

    private string folder = null!;
    private string connectionString = null!;
    private CourseCatalog course = null!;
    private SubmissionStore store = null!;

    [SetUp]
    public void SetUp()
    {
        folder = Path.Combine(Path.GetTempPath(), $"grader-run-feedback-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        connectionString = $"Data Source={Path.Combine(folder, "grader.db")}";
        course = new CourseCatalog(Support.RunningApp.RepositoryRoot, folder, Path.Combine(folder, "report-cache"));
        store = new SubmissionStore(Path.Combine(folder, "store"));
    }

    [TearDown]
    public void TearDown()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    private SqliteGraderDbContext Context() =>
        new(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(connectionString).Options);

    private async Task MigrateAsync(string? toMigration = null)
    {
        await using var db = Context();
        await db.GetService<IMigrator>().MigrateAsync(toMigration);
    }

    private async Task SeedCourseAsync()
    {
        await using var db = Context();
        db.Courses.Add(new CourseRecord { Id = "course", Title = "Course", TimeZone = "UTC" });
        db.Assignments.Add(new AssignmentRecord { Id = Assignment, CourseId = "course", Title = "HW1", Kind = "Homework", DueLocal = "" });
        await db.SaveChangesAsync();
    }

    private static GradingNode Node(string name) =>
        new($"{name}-{Guid.NewGuid():N}", 1, GpuGrants.None, gradesHere: true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeProvider.System);

    private GradingService Service(GraderDbContext db, StandInGrader grader, IEnumerable<IGradingFeedbackSink> sinks) =>
        new(db, grader, store, course, SystemClock.Instance, Node("node"), NullLogger<GradingService>.Instance, sinks);

    /// <summary>A new submission with distinct bytes and its queued run.</summary>
    private async Task<(long SubmissionId, long RunId)> QueueAsync(StandInGrader grader)
    {
        await using var db = Context();
        using var content = new MemoryStream(Guid.NewGuid().ToByteArray());
        var (submission, run) = await Service(db, grader, []).RecordAsync(
            Assignment, "dm0001", content, "dm0001_hw1.zip", SubmissionSource.Upload, DateTime.UtcNow, null, null, CancellationToken.None);
        return (submission.Id, run.Id);
    }

    /// <summary>Grades a run as a <c>grader worker</c> does: a grading service with no feedback sinks.</summary>
    private async Task FinishAsWorkerAsync(StandInGrader grader, long runId)
    {
        await using var db = Context();
        Assert.That(await Service(db, grader, []).ProcessAsync(runId, recovering: false, CancellationToken.None), Is.True);
    }

    /// <summary>One round of the web app's catch-up job, with its own connection as each Quartz firing has.</summary>
    private async Task<int> CatchUpAsync(IGradingFeedbackSink sink, TimeProvider? time = null)
    {
        await using var db = Context();
        return await new FinishedRunFeedback(db, [sink], time ?? TimeProvider.System, NullLogger<FinishedRunFeedback>.Instance).CatchUpAsync(CancellationToken.None);
    }

    private async Task<GradingRun> RunAsync(long runId)
    {
        await using var db = Context();
        return await db.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    private async Task<long> DataVersionAsync()
    {
        await using var db = Context();
        return await db.DataVersionAsync(CancellationToken.None);
    }

    [Test]
    public async Task RunsAWorkerFinishedAreToldToTheWebAppsSinksOnce()
    {
        await MigrateAsync();
        await SeedCourseAsync();
        var grader = new StandInGrader();
        var succeeded = await QueueAsync(grader);
        var failed = await QueueAsync(grader);
        var stillQueued = await QueueAsync(grader);
        await FinishAsWorkerAsync(grader, succeeded.RunId);
        grader.FailNext = true;
        await FinishAsWorkerAsync(grader, failed.RunId);

        var afterWorker = await RunAsync(succeeded.RunId);
        Assert.Multiple(() =>
        {
            Assert.That(afterWorker.Status, Is.EqualTo(GradingRunStatus.Succeeded));
            Assert.That(afterWorker.FeedbackClaimedAtUtc, Is.Null, "a worker has no sinks and claims nothing");
            Assert.That(afterWorker.FeedbackNotifiedAtUtc, Is.Null);
        });
        Assert.That((await RunAsync(failed.RunId)).Status, Is.EqualTo(GradingRunStatus.Failed));

        var sink = new RecordingSink();
        long versionBefore = await DataVersionAsync();
        int told = await CatchUpAsync(sink);
        int toldAgain = await CatchUpAsync(sink);

        Assert.Multiple(async () =>
        {
            Assert.That(told, Is.EqualTo(2));
            Assert.That(toldAgain, Is.Zero, "a second round finds nothing left");
            Assert.That(sink.Calls, Is.EquivalentTo(new[] { (succeeded.SubmissionId, GradeChange.RunFinished), (failed.SubmissionId, GradeChange.RunFinished) }),
                "a succeeded and a failed run once each; the queued one not at all");
            Assert.That((await RunAsync(succeeded.RunId)).FeedbackNotifiedAtUtc, Is.Not.Null);
            Assert.That((await RunAsync(failed.RunId)).FeedbackNotifiedAtUtc, Is.Not.Null);
            Assert.That((await RunAsync(stillQueued.RunId)).FeedbackNotifiedAtUtc, Is.Null);
            Assert.That(await DataVersionAsync(), Is.EqualTo(versionBefore), "feedback bookkeeping leaves the gradebook's cache valid");
        });
    }

    [Test]
    public async Task ARunTheWebAppGradedItselfIsToldOnce()
    {
        await MigrateAsync();
        await SeedCourseAsync();
        var grader = new StandInGrader();
        var queued = await QueueAsync(grader);
        var sink = new RecordingSink();
        await using (var db = Context())
        {
            Assert.That(await Service(db, grader, [sink]).ProcessAsync(queued.RunId, recovering: false, CancellationToken.None), Is.True);
        }

        Assert.That(sink.Calls, Is.EqualTo(new[] { (queued.SubmissionId, GradeChange.RunFinished) }), "told at once by the node that graded it");
        var run = await RunAsync(queued.RunId);
        Assert.Multiple(() =>
        {
            Assert.That(run.FeedbackClaimedAtUtc, Is.Not.Null);
            Assert.That(run.FeedbackNotifiedAtUtc, Is.Not.Null);
        });

        Assert.That(await CatchUpAsync(sink), Is.Zero);
        Assert.That(sink.Calls, Has.Count.EqualTo(1), "the catch-up round does not tell it again");
    }

    [Test]
    public async Task TwoCatchUpRoundsAtOnceTellEachRunOnce()
    {
        await MigrateAsync();
        await SeedCourseAsync();
        var grader = new StandInGrader();
        var submissions = new List<long>();
        // More than one batch, so that the rounds also overlap on their second query.
        for (int i = 0; i < FinishedRunFeedback.BatchSize + 10; i++)
        {
            var queued = await QueueAsync(grader);
            await FinishAsWorkerAsync(grader, queued.RunId);
            submissions.Add(queued.SubmissionId);
        }

        // Each telling takes a moment, so both rounds read the same runs before either has claimed them all.
        var sink = new RecordingSink(TimeSpan.FromMilliseconds(5));
        int[] told = await Task.WhenAll(Task.Run(() => CatchUpAsync(sink)), Task.Run(() => CatchUpAsync(sink)));

        Assert.Multiple(() =>
        {
            Assert.That(told.Sum(), Is.EqualTo(submissions.Count));
            Assert.That(sink.Calls.Select(c => c.SubmissionId), Is.EquivalentTo(submissions), "every run told exactly once");
        });
    }

    [Test]
    public async Task AClaimAbandonedByACrashOrAFailingSinkIsToldAgainAfterTheClaimTimesOut()
    {
        await MigrateAsync();
        await SeedCourseAsync();
        var grader = new StandInGrader();
        var crashed = await QueueAsync(grader);
        var refused = await QueueAsync(grader);
        await FinishAsWorkerAsync(grader, crashed.RunId);
        await FinishAsWorkerAsync(grader, refused.RunId);
        var time = new SettableTime(DateTimeOffset.UtcNow);

        // A web node claimed the first run and died before telling anyone.
        await using (var db = Context())
        {
            Assert.That(await RunFeedback.TryClaimAsync(db, crashed.RunId, time.GetUtcNow().UtcDateTime, CancellationToken.None), Is.True);
        }

        // The second run's sink fails once: logged, and the run is not marked as told.
        var sink = new RecordingSink { FailFor = refused.SubmissionId };
        Assert.That(await CatchUpAsync(sink, time), Is.Zero);
        Assert.That((await RunAsync(refused.RunId)).FeedbackNotifiedAtUtc, Is.Null);
        Assert.That(await CatchUpAsync(sink, time), Is.Zero, "both are claimed: not yet");

        time.Now += RunFeedback.ClaimTimeout + TimeSpan.FromSeconds(1);
        Assert.That(await CatchUpAsync(sink, time), Is.EqualTo(2));
        Assert.Multiple(async () =>
        {
            Assert.That(sink.Calls, Is.EquivalentTo(new[] { (crashed.SubmissionId, GradeChange.RunFinished), (refused.SubmissionId, GradeChange.RunFinished) }));
            Assert.That((await RunAsync(crashed.RunId)).FeedbackNotifiedAtUtc, Is.Not.Null);
            Assert.That((await RunAsync(refused.RunId)).FeedbackNotifiedAtUtc, Is.Not.Null);
        });
    }

    [Test]
    public async Task RunsFinishedBeforeTheUpgradeAreNotToldButRunsInFlightAre()
    {
        await MigrateAsync(BeforeFeedbackColumns);
        await SeedCourseAsync();
        long submissionId;
        await using (var db = Context())
        {
            // The old schema has no feedback columns, so these rows are written as the previous version wrote them.
            using var content = new MemoryStream(Guid.NewGuid().ToByteArray());
            var hash = await store.StoreAsync(content, "dm0001_hw1.zip");
            var submission = new SubmissionRecord { AssignmentId = Assignment, SubmitterId = "dm0001", ContentHash = hash.Hex, OriginalFileName = "dm0001_hw1.zip", ReceivedAtUtc = DateTime.UtcNow };
            db.Submissions.Add(submission);
            await db.SaveChangesAsync();
            submissionId = submission.Id;
            var finishedAt = new DateTime(2023, 2, 1, 12, 0, 0, DateTimeKind.Utc);
            foreach (string status in new[] { "Succeeded", "Failed", "Queued" })
            {
                DateTime? finished = status == "Queued" ? null : finishedAt;
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO GradingRuns (SubmissionId, AssignmentId, ContentHash, GraderVersion, Status, QueuedAtUtc, FinishedAtUtc)
                    VALUES ({submissionId}, {Assignment}, {hash.Hex}, {"test"}, {status}, {finishedAt}, {finished})
                    """);
            }
        }

        await MigrateAsync();

        List<GradingRun> runs;
        await using (var db = Context())
        {
            runs = await db.GradingRuns.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(runs.Select(r => r.Status), Is.EqualTo(new[] { GradingRunStatus.Succeeded, GradingRunStatus.Failed, GradingRunStatus.Queued }));
            Assert.That(runs[0].FeedbackNotifiedAtUtc, Is.EqualTo(runs[0].FinishedAtUtc), "counted as told when it finished");
            Assert.That(runs[1].FeedbackNotifiedAtUtc, Is.EqualTo(runs[1].FinishedAtUtc));
            Assert.That(runs[2].FeedbackNotifiedAtUtc, Is.Null, "still to finish");
        });

        var sink = new RecordingSink();
        Assert.That(await CatchUpAsync(sink), Is.Zero);
        Assert.That(sink.Calls, Is.Empty, "nothing finished before the upgrade is posted");

        // The run that was queued during the upgrade finishes on a worker: its feedback is told.
        await FinishAsWorkerAsync(new StandInGrader(), runs[2].Id);
        Assert.That(await CatchUpAsync(sink), Is.EqualTo(1));
        Assert.That(sink.Calls, Is.EqualTo(new[] { (submissionId, GradeChange.RunFinished) }));
    }

    /// <summary>Records what it is told; can take a moment, and can fail for one submission once.</summary>
    private sealed class RecordingSink(TimeSpan delay = default) : IGradingFeedbackSink
    {
        private readonly ConcurrentQueue<(long SubmissionId, GradeChange Change)> calls = new();

        public long? FailFor { get; set; }

        public IReadOnlyList<(long SubmissionId, GradeChange Change)> Calls => [.. calls];

        public async Task GradeChangedAsync(long submissionId, GradeChange change, CancellationToken cancellationToken)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, cancellationToken);
            }

            if (FailFor == submissionId)
            {
                FailFor = null;
                throw new InvalidOperationException("the sink could not queue its work");
            }

            calls.Enqueue((submissionId, change));
        }
    }

    /// <summary>Answers a one-item report at once, or fails when told to.</summary>
    private sealed class StandInGrader : ISubmissionGradingClient
    {
        public bool FailNext { get; set; }

        public string GraderVersion => "test";

        public Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                return Task.FromResult(new GradingClientResult(null, "the runner crashed", ""));
            }

            var report = new GradingReport
            {
                Assignment = assignmentId,
                Submission = new SubmissionInfo("hash", Path.GetFileName(submissionFile), "zip", null, null),
                GraderVersion = GraderVersion,
                GradedAt = DateTimeOffset.UtcNow,
                Outcome = GradingOutcome.Graded,
                Summary = "graded",
                Total = 1,
                Max = 1,
                Provisional = false,
                Items = [new ReportItem("item", "an item", "auto", "check", null, 1, 1, "passed", "right", null)],
                Timings = new ReportTimings(0, 0, 0, 0, 0),
            };
            return Task.FromResult(new GradingClientResult(report, null, ""));
        }
    }

    private sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

using Grader.Core.Reports;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;

namespace Grader.Cluster.Tests.PostgreSql;

/// <summary>
/// <see cref="GradingService.ProcessAsync(long, bool, CancellationToken)"/> on a real PostgreSQL server, with several
/// nodes in one process and a stand-in grader: who may claim a run, and that a run gets one outcome.
/// </summary>
public sealed class ExactlyOnceTests
{
    private const string Assignment = "hw1-mlp";
    private TestDatabase database = null!;
    private string folder = null!;
    private CourseCatalog course = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        database = await TestDatabase.CreateAsync();
        await using var db = database.Context();
        await db.Database.MigrateAsync();
        db.Courses.Add(new CourseRecord { Id = "course", Title = "Course", TimeZone = "UTC" });
        db.Assignments.Add(new AssignmentRecord { Id = Assignment, CourseId = "course", Title = "HW1", Kind = "Homework", DueLocal = "" });
        await db.SaveChangesAsync();
        folder = Path.Combine(Path.GetTempPath(), $"grader-exactly-once-{Guid.NewGuid():N}");
        course = new CourseCatalog(NodeProcess.RepositoryRoot, folder, Path.Combine(folder, "report-cache"));
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync()
    {
        await database.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }

    [Test]
    public async Task TwoNodesProcessingOneRunAtOnceGradeItOnce()
    {
        var grader = new CountingGrader(TimeSpan.FromMilliseconds(300));
        long runId = await QueueRunAsync(grader);

        var first = Node("first");
        var second = Node("second");
        await HeartbeatAsync(first, second);
        bool[] processed = await Task.WhenAll(ProcessAsync(first, grader, runId), ProcessAsync(second, grader, runId));

        var run = await RunAsync(runId);
        Assert.Multiple(() =>
        {
            Assert.That(processed.Count(p => p), Is.EqualTo(1), "exactly one node claims the run");
            Assert.That(grader.Calls, Is.EqualTo(1), "the grader ran once");
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Succeeded));
            Assert.That(run.WorkerId, Is.EqualTo(processed[0] ? first.Id : second.Id));
            Assert.That(run.Items, Has.Count.EqualTo(1), "one outcome's items");
        });
    }

    [Test]
    public async Task ARunningRunIsClaimedOnlyFromADeadNodeOrOnRecovery()
    {
        var grader = new CountingGrader(TimeSpan.Zero);
        var alive = Node("alive");
        var dead = Node("dead");
        var other = Node("other");
        await HeartbeatAsync(alive, other);
        await HeartbeatAsync(dead);
        await using (var db = database.Context())
        {
            // The dead node last checked in long before its threshold.
            var row = await db.WorkerNodes.SingleAsync(n => n.Id == dead.Id);
            row.LastSeenUtc = DateTime.UtcNow - dead.DeadAfter - TimeSpan.FromMinutes(1);
            await db.SaveChangesAsync();
        }

        long onLiveNode = await QueueRunAsync(grader, runningOn: alive.Id);
        long onDeadNode = await QueueRunAsync(grader, runningOn: dead.Id);
        long recovered = await QueueRunAsync(grader, runningOn: alive.Id);

        bool tookFromLive = await ProcessAsync(other, grader, onLiveNode);
        bool tookFromDead = await ProcessAsync(other, grader, onDeadNode);
        bool tookOnRecovery = await ProcessAsync(other, grader, recovered, recovering: true);

        var (liveRun, deadRun, recoveredRun) = (await RunAsync(onLiveNode), await RunAsync(onDeadNode), await RunAsync(recovered));
        Assert.Multiple(() =>
        {
            Assert.That(tookFromLive, Is.False, "a live node's run stays with it");
            Assert.That((liveRun.Status, liveRun.WorkerId), Is.EqualTo((GradingRunStatus.Running, alive.Id)));
            Assert.That(tookFromDead, Is.True, "a dead node's run is graded by another");
            Assert.That((deadRun.Status, deadRun.WorkerId), Is.EqualTo((GradingRunStatus.Succeeded, other.Id)));
            Assert.That(tookOnRecovery, Is.True, "Quartz's recovery says the node is gone");
            Assert.That((recoveredRun.Status, recoveredRun.WorkerId), Is.EqualTo((GradingRunStatus.Succeeded, other.Id)));
        });
    }

    [Test]
    public async Task ANodeThatLostItsRunWritesNoOutcome()
    {
        var slow = Node("slow");
        var other = Node("other");
        await HeartbeatAsync(slow, other);
        long runId = 0;
        // While the slow node grades, the run is taken over (as when the others took it for dead).
        var grader = new CountingGrader(TimeSpan.Zero, onGrade: async () =>
        {
            await using var db = database.Context();
            await db.GradingRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(s => s.SetProperty(r => r.WorkerId, other.Id));
        });
        runId = await QueueRunAsync(grader);

        await ProcessAsync(slow, grader, runId);

        var run = await RunAsync(runId);
        Assert.Multiple(() =>
        {
            Assert.That(grader.Calls, Is.EqualTo(1));
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Running), "left for the node that holds it");
            Assert.That(run.WorkerId, Is.EqualTo(other.Id));
            Assert.That(run.Items, Is.Empty, "no items from the node that lost it");
        });
    }

    [Test]
    public async Task AStoppingNodeHandsItsRunBack()
    {
        using var stopping = new CancellationTokenSource();
        var grader = new CountingGrader(TimeSpan.Zero, onGrade: () =>
        {
            stopping.Cancel();
            return Task.CompletedTask;
        });
        long runId = await QueueRunAsync(grader);
        var node = Node("stopping");
        await HeartbeatAsync(node);

        Assert.That(async () => await ProcessAsync(node, grader, runId, cancellationToken: stopping.Token), Throws.InstanceOf<OperationCanceledException>());

        var run = await RunAsync(runId);
        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Queued), "back in the queue for another node");
            Assert.That(run.WorkerId, Is.Null);
        });
    }

    private GradingNode Node(string name) =>
        new($"{name}-{Guid.NewGuid():N}", 1, GpuGrants.None, gradesHere: true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeProvider.System);

    private async Task HeartbeatAsync(params GradingNode[] nodes)
    {
        await using var db = database.Context();
        foreach (var node in nodes)
        {
            db.WorkerNodes.Add(new WorkerNode { Id = node.Id, HostName = "test", Slots = 1, StartedAtUtc = node.UtcNow, LastSeenUtc = node.UtcNow });
        }

        await db.SaveChangesAsync();
    }

    private GradingService Service(PostgreSqlGraderDbContext db, GradingNode node, ISubmissionGradingClient grader) =>
        new(db, grader, new SubmissionStore(Path.Combine(folder, "store")), course, SystemClock.Instance, node, NullLogger<GradingService>.Instance, []);

    /// <summary>A new submission with distinct bytes and its run: queued, or already running on <paramref name="runningOn"/>.</summary>
    private async Task<long> QueueRunAsync(ISubmissionGradingClient grader, string? runningOn = null)
    {
        await using var db = database.Context();
        using var content = new MemoryStream(Guid.NewGuid().ToByteArray());
        var (_, run) = await Service(db, Node("recorder"), grader)
            .RecordAsync(Assignment, "dm0001", content, "dm0001_hw1.zip", SubmissionSource.Upload, DateTime.UtcNow, null, null, CancellationToken.None);
        if (runningOn is not null)
        {
            await db.GradingRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, GradingRunStatus.Running).SetProperty(r => r.WorkerId, runningOn));
        }

        return run.Id;
    }

    private async Task<bool> ProcessAsync(GradingNode node, ISubmissionGradingClient grader, long runId, bool recovering = false, CancellationToken cancellationToken = default)
    {
        await using var db = database.Context();
        return await Service(db, node, grader).ProcessAsync(runId, recovering, cancellationToken);
    }

    private async Task<GradingRun> RunAsync(long runId)
    {
        await using var db = database.Context();
        return await db.GradingRuns.AsNoTracking().Include(r => r.Items).SingleAsync(r => r.Id == runId);
    }

    /// <summary>Counts gradings and answers each with a one-item report after <paramref name="delay"/>.</summary>
    private sealed class CountingGrader(TimeSpan delay, Func<Task>? onGrade = null) : ISubmissionGradingClient
    {
        private int calls;

        public int Calls => calls;

        public string GraderVersion => "test";

        public async Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(delay, cancellationToken);
            if (onGrade is not null)
            {
                await onGrade();
            }

            cancellationToken.ThrowIfCancellationRequested();
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
            return new GradingClientResult(report, null, "");
        }
    }
}

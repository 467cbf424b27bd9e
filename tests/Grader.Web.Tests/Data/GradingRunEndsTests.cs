using Grader.Core.Reports;
using Grader.Data;
using Grader.Data.Grading;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Data;

/// <summary>
/// A grading run always ends: whatever throws on the trusted side (a path too long, the report cache, a stored report
/// that does not parse, the grading client itself) ends the run as a grader error with a message, never "running" for
/// ever; grading it again then works. The real <see cref="GradingService"/> on a SQLite file, with a stand-in grader.
/// </summary>
public sealed class GradingRunEndsTests
{
    private const string Assignment = GradingServiceDatabase.Assignment;
    private GradingServiceDatabase database = null!;

    [SetUp]
    public async Task SetUpAsync()
        => database = await GradingServiceDatabase.CreateAsync(Path.Combine(Path.GetTempPath(), $"grader-run-ends-{Guid.NewGuid():N}"));

    [TearDown]
    public async Task TearDownAsync() => await database.DisposeAsync();

    private SqliteGraderDbContext Context() => database.Context();

    private GradingService Service(GraderDbContext db, ISubmissionGradingClient grader) => database.Service(db, grader);

    private async Task<(long SubmissionId, long RunId, string Hash)> QueueAsync(string fileName)
    {
        await using var db = Context();
        using var content = new MemoryStream(Guid.NewGuid().ToByteArray());
        var (submission, run) = await Service(db, new StandInGrader()).RecordAsync(
            Assignment, "dm0001", content, fileName, SubmissionSource.Upload, DateTime.UtcNow, null, null, CancellationToken.None);
        return (submission.Id, run.Id, submission.ContentHash);
    }

    private async Task<GradingRun> ProcessAsync(long runId, ISubmissionGradingClient grader)
    {
        await using (var db = Context())
        {
            Assert.That(await Service(db, grader).ProcessAsync(runId, recovering: false, CancellationToken.None), Is.True, "the run was this node's");
        }

        await using var check = Context();
        return await check.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    private async Task<GradingRun> GradeAgainAsync(long submissionId)
    {
        await using var db = Context();
        var run = await Service(db, new StandInGrader()).RequeueAsync(submissionId, CancellationToken.None);
        return await ProcessAsync(run.Id, new StandInGrader());
    }

    [Test]
    public async Task A_300_character_upload_name_ends_the_run_as_a_grader_error()
    {
        var queued = await QueueAsync(new string('a', 296) + ".zip");

        var run = await ProcessAsync(queued.RunId, new StandInGrader());

        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Failed));
            Assert.That(run.Error, Does.StartWith("Grader error (not the student's work): a file name or path is too long to grade (PathTooLongException"));
            Assert.That(run.FinishedAtUtc, Is.Not.Null);
        });
    }

    [Test]
    public async Task A_grading_client_that_throws_ends_the_run_and_grading_again_succeeds()
    {
        var queued = await QueueAsync("dm0001_hw1.zip");

        var failed = await ProcessAsync(queued.RunId, new StandInGrader { Throw = new InvalidOperationException("the grader server's pipe broke") });
        var again = await GradeAgainAsync(queued.SubmissionId);

        Assert.Multiple(() =>
        {
            Assert.That((failed.Status, failed.Error), Is.EqualTo((GradingRunStatus.Failed, "Grader error (not the student's work): InvalidOperationException: the grader server's pipe broke")));
            Assert.That(again.Status, Is.EqualTo(GradingRunStatus.Succeeded));
        });
    }

    [Test]
    public async Task A_cached_report_that_does_not_parse_ends_the_run_as_a_grader_error()
    {
        var queued = await QueueAsync("dm0001_hw1.zip");
        string inputs = database.Course.CourseInputsOf(Assignment);
        Assert.That(inputs, Has.Length.EqualTo(64), "the run is keyed on the assignment's course inputs");
        string cacheFile = Path.Combine(database.Course.ReportCacheFolder, Assignment, $"{queued.Hash}.test.{inputs[..16]}.json");
        Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
        await File.WriteAllTextAsync(cacheFile, "{ \"assignment\": ");

        var run = await ProcessAsync(queued.RunId, new StandInGrader());

        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Failed));
            Assert.That(run.Error, Does.StartWith("Grader error (not the student's work): the report could not be read or written"));
        });
    }

    [Test]
    public async Task A_report_cache_that_cannot_be_written_ends_the_run_as_a_grader_error()
    {
        var queued = await QueueAsync("dm0001_hw1.zip");
        // A file where the assignment's cache folder should be: the report cannot be stored.
        Directory.CreateDirectory(database.Course.ReportCacheFolder);
        await File.WriteAllTextAsync(Path.Combine(database.Course.ReportCacheFolder, Assignment), "not a folder");

        var run = await ProcessAsync(queued.RunId, new StandInGrader());

        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Failed));
            Assert.That(run.Error, Does.StartWith("Grader error (not the student's work): reading or writing the submission's files failed (IOException"));
        });
    }

    [Test]
    public async Task Bytes_missing_from_the_store_end_the_run_with_a_message()
    {
        var queued = await QueueAsync("dm0001_hw1.zip");
        foreach (string file in Directory.EnumerateFiles(Path.Combine(database.Folder, "store"), "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        var run = await ProcessAsync(queued.RunId, new StandInGrader());

        Assert.Multiple(() =>
        {
            Assert.That(run.Status, Is.EqualTo(GradingRunStatus.Failed));
            Assert.That(run.Error, Does.Contain("are missing from the store"));
        });
    }

    private sealed class StandInGrader : ISubmissionGradingClient
    {
        public Exception? Throw { get; init; }

        public string GraderVersion => "test";

        public Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            if (Throw is not null)
            {
                throw Throw;
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
}

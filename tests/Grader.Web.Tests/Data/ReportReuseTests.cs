using Grader.Core.Reports;
using Grader.Data;
using Grader.Data.Grading;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Data;

/// <summary>
/// A report is reused for the same assignment, bytes and grader version only while the course inputs that change a
/// score (the assignment's assignment.yaml and rubric) are the same: an edited rubric, once reloaded, is graded again.
/// A copy of the course's YAML in a temp folder, the real <see cref="GradingService"/> and a counting stand-in grader.
/// </summary>
public sealed class ReportReuseTests
{
    private const string Assignment = GradingServiceDatabase.Assignment;
    private string root = null!;
    private GradingServiceDatabase database = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"grader-report-reuse-{Guid.NewGuid():N}");
        root = Path.Combine(folder, "course");
        foreach (string file in new[] { "assignments", "rubrics" }
            .SelectMany(f => Directory.EnumerateFiles(Path.Combine(Support.RunningApp.RepositoryRoot, f), "*", SearchOption.AllDirectories))
            .Where(f => Path.GetExtension(f) is ".yaml" or ".csv"))
        {
            string target = Path.Combine(root, Path.GetRelativePath(Support.RunningApp.RepositoryRoot, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        database = await GradingServiceDatabase.CreateAsync(folder, root);
    }

    [TearDown]
    public async Task TearDownAsync() => await database.DisposeAsync();

    private SqliteGraderDbContext Context() => database.Context();

    private GradingService Service(GraderDbContext db, ISubmissionGradingClient grader) => database.Service(db, grader);

    private async Task<GradingRun> RecordAndGradeAsync(CountingGrader grader, byte[] bytes)
    {
        long runId;
        await using (var db = Context())
        {
            using var content = new MemoryStream(bytes);
            var (_, run) = await Service(db, grader).RecordAsync(Assignment, "dm0001", content, "dm0001_hw1.zip", SubmissionSource.Upload, DateTime.UtcNow, null, null, CancellationToken.None);
            runId = run.Id;
        }

        await using (var db = Context())
        {
            await Service(db, grader).ProcessAsync(runId, recovering: false, CancellationToken.None);
        }

        await using var check = Context();
        return await check.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    [Test]
    public async Task The_same_bytes_reuse_the_report_until_the_rubric_changes_and_the_course_is_reloaded()
    {
        var grader = new CountingGrader();
        byte[] bytes = Guid.NewGuid().ToByteArray();

        var first = await RecordAndGradeAsync(grader, bytes);
        var sameInputs = await RecordAndGradeAsync(grader, bytes);

        string rubric = Path.Combine(root, "rubrics", "hw1-mlp.yaml");
        string text = await File.ReadAllTextAsync(rubric);
        int at = text.IndexOf("points: 15", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "the shipped rubric has a 15-point item");
        await File.WriteAllTextAsync(rubric, string.Concat(text.AsSpan(0, at), "points: 16", text.AsSpan(at + "points: 15".Length)));
        var editedNotReloaded = await RecordAndGradeAsync(grader, bytes);
        var preview = database.Course.PreviewReload();
        Assert.That(preview.IsValid, Is.True, string.Join("\n", preview.Errors));
        database.Course.Apply(preview.Tree!);
        var reloaded = await RecordAndGradeAsync(grader, bytes);

        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(GradingRunStatus.Succeeded));
            Assert.That(sameInputs.ReusedFromRunId, Is.EqualTo(first.Id), "same bytes, grader and course inputs: reused");
            Assert.That(editedNotReloaded.ReusedFromRunId, Is.EqualTo(first.Id), "the loaded course is what counts until it is reloaded");
            Assert.That(reloaded.CourseInputs, Is.Not.EqualTo(first.CourseInputs));
            Assert.That((reloaded.Status, reloaded.ReusedFromRunId), Is.EqualTo((GradingRunStatus.Succeeded, (long?)null)), "graded again under the new rubric");
            Assert.That(grader.Calls, Is.EqualTo(2));
        });
    }

    private sealed class CountingGrader : ISubmissionGradingClient
    {
        public int Calls { get; private set; }

        public string GraderVersion => "test";

        public Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            Calls++;
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

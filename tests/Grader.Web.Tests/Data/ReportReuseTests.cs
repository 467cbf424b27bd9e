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

    [Test]
    public async Task Editing_a_rubrics_points_and_reloading_regrades_graded_submissions_and_keeps_the_old_reports()
    {
        // On time (HW1 is due 2023-02-16), so the score is the rubric's and nothing else.
        var onTime = new DateTime(2023, 2, 15, 12, 0, 0, DateTimeKind.Utc);
        var grader = new RubricPassingGrader(database.Course);
        long submissionId, firstRunId;
        await using (var db = Context())
        {
            using var content = new MemoryStream(Guid.NewGuid().ToByteArray());
            var (submission, run) = await Service(db, grader).RecordAsync(Assignment, "dm0001", content, "dm0001_hw1.zip", SubmissionSource.Upload, onTime, null, null, CancellationToken.None);
            (submissionId, firstRunId) = (submission.Id, run.Id);
        }

        await using (var db = Context())
        {
            await Service(db, grader).ProcessAsync(firstRunId, recovering: false, CancellationToken.None);
        }

        var (scoreBefore, fullBefore) = await GradeAsync(submissionId);
        string firstReport;
        await using (var db = Context())
        {
            firstReport = (await db.GradingRuns.AsNoTracking().SingleAsync(r => r.Id == firstRunId)).ReportJson!;
        }

        // The instructor edits one auto item's points (15 -> 20) and reloads; the reload regrades what it changed.
        var inputsBefore = database.Course.Tree.Assignments.ToDictionary(a => a.Id, a => database.Course.CourseInputsOf(a.Id));
        string rubric = Path.Combine(root, "rubrics", "hw1-mlp.yaml");
        string text = await File.ReadAllTextAsync(rubric);
        int at = text.IndexOf("points: 15", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "the shipped rubric has a 15-point item");
        await File.WriteAllTextAsync(rubric, string.Concat(text.AsSpan(0, at), "points: 20", text.AsSpan(at + "points: 15".Length)));
        var preview = database.Course.PreviewReload();
        Assert.That(preview.IsValid, Is.True, string.Join("\n", preview.Errors));
        database.Course.Apply(preview.Tree!);
        IReadOnlyList<GradingRun> regraded;
        await using (var db = Context())
        {
            regraded = await Service(db, grader).RequeueChangedByReloadAsync(inputsBefore, CancellationToken.None);
        }

        foreach (var run in regraded)
        {
            await using var db = Context();
            await Service(db, grader).ProcessAsync(run.Id, recovering: false, CancellationToken.None);
        }

        var (scoreAfter, fullAfter) = await GradeAsync(submissionId);
        await using var check = Context();
        var runs = await check.GradingRuns.AsNoTracking().Where(r => r.SubmissionId == submissionId).OrderBy(r => r.Id).ToListAsync();
        Assert.Multiple(() =>
        {
            Assert.That(regraded.Select(r => r.SubmissionId), Is.EqualTo(new[] { submissionId }), "the graded submission of the changed assignment, once");
            Assert.That(runs.Select(r => (r.Status, r.ReusedFromRunId)), Is.EqualTo(new[] { (GradingRunStatus.Succeeded, (long?)null), (GradingRunStatus.Succeeded, (long?)null) }),
                "a new run, graded again rather than reused");
            Assert.That(runs[0].ReportJson, Is.EqualTo(firstReport), "the old report stays as history, unchanged");
            Assert.That(runs[1].CourseInputs, Is.Not.EqualTo(runs[0].CourseInputs));
            Assert.That(GradingReport.FromJson(runs[1].ReportJson!).Max, Is.EqualTo(GradingReport.FromJson(firstReport).Max + 5));
            Assert.That((scoreAfter, fullAfter), Is.EqualTo((scoreBefore + 5, fullBefore + 5)), "the policy engine's grade follows the new points");
            Assert.That(grader.Calls, Is.EqualTo(2));
        });
    }

    /// <summary>The policy engine's score of a submission (it counts: it is its submitter's only one), and the full marks.</summary>
    private async Task<(decimal Score, decimal FullMarks)> GradeAsync(long submissionId)
    {
        await using var db = Context();
        var view = await new Grader.Web.Grading.Gradebook(db, database.Course, NodaTime.SystemClock.Instance).ViewAsync(submissionId, CancellationToken.None);
        Assert.That(view!.Counts, Is.True);
        return (view.Score, view.Rubric.FullMarks);
    }

    /// <summary>A grader whose report passes every auto item of the rubric as loaded now, with that item's points.</summary>
    private sealed class RubricPassingGrader(Grader.Data.Course.CourseCatalog course) : ISubmissionGradingClient
    {
        public int Calls { get; private set; }

        public string GraderVersion => "test";

        public Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            Calls++;
            var items = course.Tree.RubricFor(assignmentId).Items.Where(i => i.Kind == Grader.Core.Configuration.RubricItemKind.Auto)
                .Select(i => new ReportItem(i.Id, i.Description, "auto", "regular", i.CheckId, i.Points, i.Points, "passed", "right", null)).ToList();
            var report = PassedReport(assignmentId, submissionFile, GraderVersion, items);
            return Task.FromResult(new GradingClientResult(report, null, ""));
        }
    }

    /// <summary>A graded report of the given items, as a stand-in grader returns it.</summary>
    private static GradingReport PassedReport(string assignmentId, string submissionFile, string graderVersion, IReadOnlyList<ReportItem> items) => new()
    {
        Assignment = assignmentId,
        Submission = new SubmissionInfo("hash", Path.GetFileName(submissionFile), "zip", null, null),
        GraderVersion = graderVersion,
        GradedAt = DateTimeOffset.UtcNow,
        Outcome = GradingOutcome.Graded,
        Summary = "graded",
        Total = items.Sum(i => i.Points),
        Max = items.Sum(i => i.Max),
        Provisional = false,
        Items = [.. items],
        Timings = new ReportTimings(0, 0, 0, 0, 0),
    };

    private sealed class CountingGrader : ISubmissionGradingClient
    {
        public int Calls { get; private set; }

        public string GraderVersion => "test";

        public Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
        {
            Calls++;
            var report = PassedReport(assignmentId, submissionFile, GraderVersion, [new ReportItem("item", "an item", "auto", "check", null, 1, 1, "passed", "right", null)]);
            return Task.FromResult(new GradingClientResult(report, null, ""));
        }
    }
}

using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Testing;

namespace Grader.Web.Tests.Data;

/// <summary>The gradebook on a small case checked by hand, against the shipped course (HW1 20%, late work no credit).</summary>
public sealed class GradebookTests
{
    private SqliteConnection connection = null!;
    private SqliteGraderDbContext db = null!;
    private CourseCatalog course = null!;

    // After every 2023 deadline, so nothing is provisional for lack of a submission.
    private static readonly FakeClock AfterTheTerm = new(Instant.FromUtc(2023, 6, 1, 0, 0));

    [SetUp]
    public async Task SetUpAsync()
    {
        connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        db = new SqliteGraderDbContext(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(connection).Options);
        await db.Database.MigrateAsync();
        course = new CourseCatalog(Support.RunningApp.RepositoryRoot, Path.GetTempPath(), Path.GetTempPath());
        db.Courses.Add(new CourseRecord { Id = course.Tree.Course.Id, Title = "t", TimeZone = "America/New_York" });
        db.Assignments.Add(new AssignmentRecord { Id = "hw1-mlp", CourseId = course.Tree.Course.Id, Title = "HW1", Kind = "AutogradedCode", DueLocal = "2023-02-16 23:59" });
        await db.SaveChangesAsync();
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await db.DisposeAsync();
        await connection.DisposeAsync();
    }

    private async Task<SubmissionRecord> SubmitAsync(string student, DateTime receivedUtc)
    {
        var submission = new SubmissionRecord { AssignmentId = "hw1-mlp", SubmitterId = student, ContentHash = new string('a', 64), OriginalFileName = $"{student}_hw1.zip", ReceivedAtUtc = receivedUtc };
        submission.Runs.Add(new GradingRun
        {
            AssignmentId = "hw1-mlp", ContentHash = submission.ContentHash, GraderVersion = "1.0.0", Status = GradingRunStatus.Succeeded,
            ReportJson = "{}",
            Items =
            [
                Item("forward-pass", 15, 15, "passed"),
                Item("cross-entropy-loss", 10, 10, "passed"),
                Item("weight-gradients", 12.5m, 25, "partially-passed"),
                Item("bias-gradients", 15, 15, "passed"),
                Item("sgd-step", 0, 10, "failed"),
                Item("training-accuracy", 15, 15, "passed"),
                Item("training-curves", 0, 10, "pending"),
                Item("submission-protocol", 0, 10, "pending"),
            ],
        });
        db.Submissions.Add(submission);
        await db.SaveChangesAsync();
        return submission;
    }

    private static RubricItemResult Item(string id, decimal points, decimal max, string status) =>
        new() { ItemId = id, Kind = id is "training-curves" or "submission-protocol" ? "manual" : "auto", Points = points, Max = max, Status = status };

    private void Override(long submissionId, string item, decimal points, int minute) => db.ItemOverrides.Add(new ItemOverride
    {
        SubmissionId = submissionId, ItemId = item, NewPoints = points, Comment = "c", ByUserId = "u", ByName = "TA",
        AtUtc = new DateTime(2023, 3, 1, 12, minute, 0, DateTimeKind.Utc),
    });

    [Test]
    public async Task WeightedFinalFollowsTheRubricTheTaAndTheLateRule()
    {
        var onTime = await SubmitAsync("dm0001", new DateTime(2023, 2, 15, 12, 0, 0, DateTimeKind.Utc));
        var late = await SubmitAsync("dm0002", new DateTime(2023, 2, 17, 12, 0, 0, DateTimeKind.Utc));
        // The TA first gave the curves 0, then 10: the newest decision counts. The protocol deduction applies in full.
        Override(onTime.Id, "training-curves", 0, 1);
        Override(onTime.Id, "training-curves", 10, 2);
        Override(onTime.Id, "submission-protocol", 10, 3);
        Override(late.Id, "training-curves", 10, 1);
        Override(late.Id, "submission-protocol", 0, 1);
        await db.SaveChangesAsync();

        var grades = await new Gradebook(db, course, AfterTheTerm).GradeAllAsync(CancellationToken.None);
        var first = grades.Single(g => g.StudentId == "dm0001");
        var hw1 = first.Components.Single(c => c.Assignment.AssignmentId == "hw1-mlp");

        // By hand: 15 + 10 + 12.5 + 15 + 0 + 15 = 67.5 auto, + 10 curves − 10 protocol = 67.5 of 100;
        // × weight 20 = 13.5 points; every other component is 0, so the final is 13.50%.
        Assert.Multiple(() =>
        {
            Assert.That(hw1.Assignment.Score, Is.EqualTo(67.5m));
            Assert.That(hw1.WeightedPoints, Is.EqualTo(13.5m));
            Assert.That(first.FinalPercent, Is.EqualTo(13.5m));
            Assert.That(first.IsProvisional, Is.False);
            Assert.That(first.Explanation, Has.Some.Contains("overridden").Or.Some.Contains("scored by TA"));
        });

        // dm0002 earned 87.5 but handed in 12 hours late: no credit under the syllabus.
        var second = grades.Single(g => g.StudentId == "dm0002");
        Assert.That(second.Components.Single(c => c.Assignment.AssignmentId == "hw1-mlp").Assignment.Score, Is.Zero);
        Assert.That(second.Explanation, Has.Some.Contains("late").IgnoreCase);
    }

    [Test]
    public async Task AnExtensionMakesLateWorkCount()
    {
        await SubmitAsync("dm0003", new DateTime(2023, 2, 17, 12, 0, 0, DateTimeKind.Utc));
        db.Extensions.Add(new ExtensionRecord { SubmitterId = "dm0003", AssignmentId = "hw1-mlp", Days = 2, Reason = "ill", GrantedByName = "I" });
        await db.SaveChangesAsync();

        var grade = (await new Gradebook(db, course, AfterTheTerm).GradeAllAsync(CancellationToken.None)).Single(g => g.StudentId == "dm0003");
        var hw1 = grade.Components.Single(c => c.Assignment.AssignmentId == "hw1-mlp").Assignment;
        // 67.5 auto points; the manual items are still pending, so the grade is provisional.
        Assert.That(hw1.Score, Is.EqualTo(67.5m));
        Assert.That(hw1.IsProvisional, Is.True);
    }

    [Test]
    public async Task ALateReuploadKeepsTheOnTimeGradeAndAStaffChoiceWinsUntilTakenBack()
    {
        var onTime = await SubmitAsync("dm0004", new DateTime(2023, 2, 15, 12, 0, 0, DateTimeKind.Utc));
        var late = await SubmitAsync("dm0004", new DateTime(2023, 2, 18, 12, 0, 0, DateTimeKind.Utc));
        var staff = new AppUser { Id = "i", UserName = "instructor", DisplayName = "Instructor" };
        var decisions = new StaffDecisions(db, course, AfterTheTerm, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        async Task<Core.Grading.AssignmentGrade> Hw1Async() =>
            (await new Gradebook(db, course, AfterTheTerm).GradeAllAsync(CancellationToken.None)).Single(g => g.StudentId == "dm0004")
                .Components.Single(c => c.Assignment.AssignmentId == "hw1-mlp").Assignment;

        var byRule = await Hw1Async();
        await decisions.ChooseCountingSubmissionAsync(late.Id, "asked to be graded on the late work", staff, CancellationToken.None);
        var chosen = await Hw1Async();
        var counted = await new Gradebook(db, course, AfterTheTerm).CountedSubmissionsAsync(CancellationToken.None);
        await decisions.RevokeCountingChoiceAsync("dm0004", "hw1-mlp", "the student withdrew the request", staff, CancellationToken.None);
        var revoked = await Hw1Async();

        Assert.Multiple(async () =>
        {
            Assert.That((byRule.Counting!.Counted.Submission.Id, byRule.Score), Is.EqualTo((onTime.Id.ToString(), 67.5m)), "the on-time work keeps its credit");
            Assert.That((chosen.Counting!.Counted.Submission.Id, chosen.Score), Is.EqualTo((late.Id.ToString(), 0m)), "the chosen late work earns what the late policy gives");
            Assert.That(chosen.Counting.Reason, Does.StartWith("chosen by Instructor on 2023-05-31 20:00:00 EDT (America/New_York) (asked to be graded on the late work)"));
            Assert.That(counted[("dm0004", "hw1-mlp")], Is.EqualTo(late.Id));
            Assert.That(revoked.Counting!.Counted.Submission.Id, Is.EqualTo(onTime.Id.ToString()));
            var history = await db.CountingChoices.AsNoTracking().SingleAsync();
            Assert.That((history.ByName, history.RevokedByName, history.RevokeReason), Is.EqualTo(("Instructor", "Instructor", "the student withdrew the request")),
                "the choice stays on record with who took it back and why");
        });
    }
}

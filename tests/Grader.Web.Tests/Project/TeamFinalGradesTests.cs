using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Testing;

namespace Grader.Web.Tests.Project;

/// <summary>
/// A team's final grades through the real gradebook and policy engine, against the shipped course (HW 20% each; proposal
/// 5, proposal presentation 5, paper 25, paper presentation 5; no credit for late work; 5% of the paper for missing
/// contribution statements). Every number is worked out by hand in the comments.
/// </summary>
public sealed class TeamFinalGradesTests
{
    private const string Pair = "team-pair";

    // After every 2023 deadline: nothing missing can still arrive, so nothing is provisional for lack of a submission.
    private static readonly FakeClock AfterTheTerm = new(Instant.FromUtc(2023, 6, 1, 0, 0));

    private SqliteConnection connection = null!;
    private SqliteGraderDbContext db = null!;
    private CourseCatalog course = null!;

    [SetUp]
    public async Task SetUpAsync()
    {
        connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        db = new SqliteGraderDbContext(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite(connection).Options);
        await db.Database.MigrateAsync();
        course = new CourseCatalog(Support.RunningApp.RepositoryRoot, Path.GetTempPath(), Path.GetTempPath());
        string courseId = course.Tree.Course.Id;
        db.Courses.Add(new CourseRecord { Id = courseId, Title = "t", TimeZone = "America/New_York" });
        foreach (var assignment in course.Tree.Assignments)
        {
            db.Assignments.Add(new AssignmentRecord { Id = assignment.Id, CourseId = courseId, Title = assignment.Title, Kind = assignment.Kind.ToString(), DueLocal = "" });
        }

        foreach (var student in course.Tree.Roster.Take(3))
        {
            db.Roster.Add(new RosterEntry { Identifier = student.Identifier, CourseId = courseId, Name = student.Name });
        }

        var team = new TeamRecord { Id = Pair, CourseId = courseId, Name = "pair" };
        team.Members.Add(new TeamMember { TeamId = Pair, StudentIdentifier = "dm0001" });
        team.Members.Add(new TeamMember { TeamId = Pair, StudentIdentifier = "dm0002" });
        db.Teams.Add(team);
        await db.SaveChangesAsync();
        await SeedWorkAsync();
    }

    [TearDown]
    public async Task TearDownAsync()
    {
        await db.DisposeAsync();
        await connection.DisposeAsync();
    }

    /// <summary>dm0001's own HW1, the team's proposal and paper scored by a TA, and both presentations scored by a panel.</summary>
    private async Task SeedWorkAsync()
    {
        // HW1, dm0001 alone, on time: auto 15 + 10 + 12.5 + 15 + 0 + 15 = 67.5; the TA gives the curves 10 and no
        // protocol deduction: 77.5 of 100.
        var hw1 = Submission("hw1-mlp", "dm0001", new DateTime(2023, 2, 15, 12, 0, 0, DateTimeKind.Utc));
        hw1.Runs.Add(new GradingRun
        {
            AssignmentId = "hw1-mlp", ContentHash = hw1.ContentHash, GraderVersion = "1.0.0", Status = GradingRunStatus.Succeeded, ReportJson = "{}",
            Items =
            [
                Item("forward-pass", 15, 15, "passed"), Item("cross-entropy-loss", 10, 10, "passed"),
                Item("weight-gradients", 12.5m, 25, "partially-passed"), Item("bias-gradients", 15, 15, "passed"),
                Item("sgd-step", 0, 10, "failed"), Item("training-accuracy", 15, 15, "passed"),
            ],
        });

        // The proposal (due 2023-03-07 10:00 EST = 15:00 UTC), handed in the day before.
        var proposal = Submission("project-proposal", Pair, new DateTime(2023, 3, 6, 12, 0, 0, DateTimeKind.Utc));

        // The paper (due 2023-05-06 17:00 EDT = 21:00 UTC), handed in the day before.
        var paper = Submission("project-paper", Pair, new DateTime(2023, 5, 5, 12, 0, 0, DateTimeKind.Utc));
        db.Submissions.AddRange(hw1, proposal, paper);
        await db.SaveChangesAsync();

        Scores(hw1.Id, ("training-curves", 10), ("submission-protocol", 0));
        // 3 + 2 + 3 + 1 = 9 of 10, no deduction.
        Scores(proposal.Id, ("problem-and-motivation", 3), ("dataset", 2), ("approach-and-evaluation", 3), ("team-and-feasibility", 1), ("over-one-page", 0));
        // 15 + 12 + 20 + 20 + 8 + 9 = 84 of 100, no deductions.
        Scores(paper.Id, ("task-description", 15), ("data-and-preprocessing", 12), ("models", 20), ("experiments-and-results", 20),
            ("conclusion", 8), ("writing", 9), ("over-page-limit", 0), ("not-jmlr-format", 0));

        // Proposal presentation: ta1 4, 3, 2 and ta2 3, 3, 1: means 3.5 + 3 + 1.5 = 8 of 10.
        Panel("project-proposal-presentation", "ta1", 0, ("problem-and-data", 4), ("planned-approach", 3), ("time-and-questions", 2));
        Panel("project-proposal-presentation", "ta2", 0, ("problem-and-data", 3), ("planned-approach", 3), ("time-and-questions", 1));

        // Paper presentation: ta1 first gave 2 for the methods, then 3 (the newest counts): ta1 3, 4, 2 and ta2 4, 4, 2:
        // means 3.5 + 4 + 2 = 9.5 of 10.
        Panel("project-paper-presentation", "ta1", 0, ("problem-and-methods", 2), ("results-and-discussion", 4), ("time-and-questions", 2));
        Panel("project-paper-presentation", "ta1", 5, ("problem-and-methods", 3));
        Panel("project-paper-presentation", "ta2", 0, ("problem-and-methods", 4), ("results-and-discussion", 4), ("time-and-questions", 2));
        await db.SaveChangesAsync();
    }

    private static SubmissionRecord Submission(string assignment, string submitter, DateTime receivedUtc) => new()
    {
        AssignmentId = assignment, SubmitterId = submitter, ContentHash = new string('b', 64), OriginalFileName = $"{submitter}-{assignment}", ReceivedAtUtc = receivedUtc,
    };

    private static RubricItemResult Item(string id, decimal points, decimal max, string status) =>
        new() { ItemId = id, Kind = "auto", Points = points, Max = max, Status = status };

    private void Scores(long submissionId, params (string Item, decimal Points)[] scores)
    {
        foreach (var (item, points) in scores)
        {
            db.ItemOverrides.Add(new ItemOverride
            {
                SubmissionId = submissionId, ItemId = item, NewPoints = points, Comment = "c", ByUserId = "ta", ByName = "TA",
                AtUtc = new DateTime(2023, 5, 20, 12, 0, 0, DateTimeKind.Utc),
            });
        }
    }

    private void Panel(string assignment, string ta, int minute, params (string Item, decimal Points)[] scores)
    {
        foreach (var (item, points) in scores)
        {
            db.PanelScores.Add(new PanelScore
            {
                AssignmentId = assignment, SubmitterId = Pair, ItemId = item, Points = points, ByUserId = ta, ByName = ta,
                AtUtc = new DateTime(2023, 5, 2, 15, minute, 0, DateTimeKind.Utc),
            });
        }
    }

    private async Task<IReadOnlyList<Core.Grading.FinalGrade>> GradeAsync() => await new Gradebook(db, course, AfterTheTerm).GradeAllAsync(CancellationToken.None);

    private static Core.Grading.AssignmentGrade Component(Core.Grading.FinalGrade grade, string assignment) =>
        grade.Components.Single(c => c.Assignment.AssignmentId == assignment).Assignment;

    [Test]
    public async Task BothMembersGetTheTeamsProjectScoresWithTheConfirmedDeductionAndKeepTheirOwnHomework()
    {
        var team = await db.Teams.SingleAsync(t => t.Id == Pair);
        team.ContributionStatementsPresent = false;
        team.ContributionNote = "no contributions section";
        await db.SaveChangesAsync();

        var grades = await GradeAsync();
        var first = grades.Single(g => g.StudentId == "dm0001");
        var second = grades.Single(g => g.StudentId == "dm0002");

        foreach (var member in new[] { first, second })
        {
            Assert.Multiple(() =>
            {
                Assert.That(Component(member, "project-proposal").Score, Is.EqualTo(9m));
                Assert.That(Component(member, "project-proposal-presentation").Score, Is.EqualTo(8m));
                // 84 − 5% of 100 = 79.
                Assert.That(Component(member, "project-paper").Score, Is.EqualTo(79m));
                Assert.That(Component(member, "project-paper-presentation").Score, Is.EqualTo(9.5m));
                Assert.That(Component(member, "project-paper").SubmitterId, Is.EqualTo(Pair));
                Assert.That(member.Explanation, Has.Some.Contains("contribution statements missing (no contributions section): -5% of 100 = -5, leaving 79 of 100"));
                Assert.That(member.IsProvisional, Is.False);
            });
        }

        // dm0001: HW1 77.5% × 20 = 15.5; proposal 90% × 5 = 4.5; proposal talk 80% × 5 = 4; paper 79% × 25 = 19.75;
        // paper talk 95% × 5 = 4.75; HW2 and HW3 never handed in: 0. 15.5 + 4.5 + 4 + 19.75 + 4.75 = 48.5.
        Assert.That(Component(first, "hw1-mlp").SubmitterId, Is.EqualTo("dm0001"));
        Assert.That(Component(first, "hw1-mlp").Score, Is.EqualTo(77.5m));
        Assert.That(first.FinalPercent, Is.EqualTo(48.5m));
        // dm0002 handed in no homework of their own: only the team's 4.5 + 4 + 19.75 + 4.75 = 33.
        Assert.That(Component(second, "hw1-mlp").Score, Is.Zero);
        Assert.That(second.FinalPercent, Is.EqualTo(33m));
        // dm0003 is in no team: the pair's work is not theirs.
        Assert.That(grades.Single(g => g.StudentId == "dm0003").FinalPercent, Is.Zero);
    }

    [Test]
    public async Task WithContributionStatementsPresentThePaperKeepsItsFullScore()
    {
        var team = await db.Teams.SingleAsync(t => t.Id == Pair);
        team.ContributionStatementsPresent = true;
        await db.SaveChangesAsync();

        var grades = await GradeAsync();
        // Paper 84% × 25 = 21: dm0001 15.5 + 4.5 + 4 + 21 + 4.75 = 49.75; dm0002 4.5 + 4 + 21 + 4.75 = 34.25.
        Assert.That(grades.Single(g => g.StudentId == "dm0001").FinalPercent, Is.EqualTo(49.75m));
        Assert.That(grades.Single(g => g.StudentId == "dm0002").FinalPercent, Is.EqualTo(34.25m));
    }

    [Test]
    public async Task UntilATaChecksTheStatementsThePaperIsProvisional()
    {
        var grades = await GradeAsync();
        var paper = Component(grades.Single(g => g.StudentId == "dm0002"), "project-paper");
        Assert.That(paper.Score, Is.EqualTo(84m));
        Assert.That(paper.IsProvisional, Is.True);
        Assert.That(paper.Explanation, Has.Some.Contains("contribution statements not checked yet; the 5% deduction may still apply"));
    }
}

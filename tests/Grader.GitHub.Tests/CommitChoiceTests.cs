using Grader.Core.Configuration;
using NodaTime;

namespace Grader.GitHub.Tests;

public sealed class CommitChoiceTests
{
    private static readonly DateTimeOffset Deadline = new(2023, 2, 2, 4, 59, 0, TimeSpan.Zero);

    private static PushEvidence Push(double minutesFromDeadline, string sha, bool forced = false, string branch = "main") =>
        new(Deadline.AddMinutes(minutesFromDeadline), $"refs/heads/{branch}", "0", sha, forced, "alice-gh", $"d-{sha}");

    private static readonly SubmissionWindow NoLateWork = new(Deadline, null);

    [Test]
    public void SnapshotAtTheDeadlineCountsEvenWhenWebhooksWereLost()
    {
        var choice = CommitChoice.Choose("main", [Push(-60, "aaa")], new DeadlineSnapshot("bbb", Deadline, Deadline.AddSeconds(20)), NoLateWork);
        Assert.That((choice.Sha, choice.Basis, choice.Late), Is.EqualTo(("bbb", CommitChoiceBasis.DeadlineSnapshot, false)));
    }

    [Test]
    public void SnapshotReadAfterALatePushIsNotTrusted()
    {
        var choice = CommitChoice.Choose("main", [Push(-60, "aaa"), Push(0.5, "late")], new DeadlineSnapshot("late", Deadline, Deadline.AddMinutes(1)), NoLateWork);
        Assert.That((choice.Sha, choice.Basis), Is.EqualTo(("aaa", CommitChoiceBasis.PushBeforeDeadline)));
    }

    [Test]
    public void ExtensionTakesTheLastPushBeforeTheStudentsOwnDeadline()
    {
        var window = new SubmissionWindow(Deadline.AddDays(2), null);
        var choice = CommitChoice.Choose("main", [Push(-60, "aaa"), Push(60 * 24, "bbb"), Push(60 * 24 * 3, "ccc")], new DeadlineSnapshot("aaa", Deadline, Deadline.AddSeconds(5)), window);
        Assert.That((choice.Sha, choice.Basis, choice.EvidenceAt), Is.EqualTo(("bbb", CommitChoiceBasis.PushBeforeDeadline, (DateTimeOffset?)Deadline.AddDays(1))));
    }

    [Test]
    public void PushesToOtherBranchesAndBranchDeletionsAreIgnored()
    {
        var choice = CommitChoice.Choose("main", [Push(-30, "good"), Push(-20, "other", branch: "experiment"), Push(-10, PushEvent.ZeroSha)], null, NoLateWork);
        Assert.That(choice.Sha, Is.EqualTo("good"));
    }

    [Test]
    public void LatePushIsChosenOnlyWhenTheLatePolicyAcceptsIt()
    {
        PushEvidence[] pushes = [Push(90, "late1"), Push(60 * 30, "late2"), Push(60 * 24 * 8, "tooLate")];
        var rejected = CommitChoice.Choose("main", pushes, null, NoLateWork);
        Assert.That((rejected.Sha, rejected.Basis), Is.EqualTo(((string?)null, CommitChoiceBasis.None)));
        var accepted = CommitChoice.Choose("main", pushes, null, new SubmissionWindow(Deadline, Deadline.AddDays(7)));
        Assert.That((accepted.Sha, accepted.Basis, accepted.Late), Is.EqualTo(("late2", CommitChoiceBasis.LatePush, true)));
    }

    [Test]
    public void ForcePushesAreListedForTheTas()
    {
        var choice = CommitChoice.Choose("main", [Push(-60, "aaa"), Push(-30, "bbb", forced: true), Push(30, "ccc", forced: true)], null, NoLateWork);
        Assert.That(choice.Sha, Is.EqualTo("bbb"));
        Assert.That(choice.ForcedPushes.Select(p => p.After), Is.EqualTo(new[] { "bbb", "ccc" }));
        Assert.That(choice.Explanation, Does.Contain("force-push"));
    }

    [Test]
    public void WindowComesFromTheCourseZoneGraceLatePolicyAndExtension()
    {
        var zone = DateTimeZoneProviders.Tzdb["America/New_York"];
        var rules = new SubmissionRules([SubmissionForm.GitHubClassroom], "hw1-mlp", null, null, false, null);
        var assignment = new Assignment("hw1-mlp", "HW1", AssignmentKind.AutogradedCode, new LocalDateTime(2023, 2, 1, 23, 59), Participation.Individual, rules, "r.yaml", null);
        var course = new Course("c", "C", "", "", zone, "roster.csv", [], new LatePolicy(LatePolicyKind.PerDayPenalty, Duration.FromMinutes(10), 10, 50, 3),
            new BonusPolicy(BonusCarryOver.Never, 60), new PlagiarismPolicy(PlagiarismAction.ZeroAssignment, PlagiarismAction.FailCourse), new TeamPolicy(3, null, null), []);
        var window = SubmissionWindow.For(course, assignment, Duration.FromDays(2));
        Assert.That(window.StudentDeadline, Is.EqualTo(new DateTimeOffset(2023, 2, 4, 5, 9, 0, TimeSpan.Zero)));
        Assert.That(window.LateUntil, Is.EqualTo(new DateTimeOffset(2023, 2, 7, 5, 9, 0, TimeSpan.Zero)));
        var noCredit = course with { LatePolicy = LatePolicy.NoCredit(Duration.Zero) };
        Assert.That(SubmissionWindow.For(noCredit, assignment, Duration.Zero), Is.EqualTo(new SubmissionWindow(new DateTimeOffset(2023, 2, 2, 4, 59, 0, TimeSpan.Zero), null)));
    }
}

using Grader.Core.Configuration;
using Grader.Core.Grading;
using NodaTime;
using NodaTime.Testing;
using static Grader.Core.Tests.Grading.TestCourse;

namespace Grader.Core.Tests.Grading;

/// <summary>One rule at a time; the whole class together is in <see cref="WholeClassTests"/>.</summary>
public sealed class CourseGraderTests
{
    private static readonly FakeClock EndOfTerm = new(At("2023-05-20 12:00"));

    private static List<Submission> AllHomework(string student, double forward = 1, double training = 1, double bonus = 0) =>
    [
        Homework(student, "hw1-mlp", "2023-02-16 20:00", forward, training, bonus),
        Homework(student, "hw2-cnn", "2023-03-23 20:00", forward, training, bonus),
        Homework(student, "hw3-rnn", "2023-04-17 20:00", forward, training, bonus),
    ];

    [Test]
    public void The_final_grade_is_the_weighted_sum_with_its_arithmetic_explained()
    {
        var grader = new CourseGrader(Syllabus(["ann"]), EndOfTerm);
        var facts = GradingFacts.Empty with { Submissions = [.. AllHomework("ann", forward: 0.8), .. ProjectWork("ann", 90, 80, 70, 60)] };

        var grade = grader.Grade("ann", facts);

        // Homework 90 each -> 3 x 18; project 4.5 + 4 + 17.5 + 3.
        Assert.Multiple(() =>
        {
            Assert.That(grade.Components.Select(c => c.WeightedPoints), Is.EqualTo(new[] { 18m, 18m, 18m, 4.5m, 4m, 17.5m, 3m }));
            Assert.That(grade.FinalPercent, Is.EqualTo(83m));
            Assert.That(grade.Letter, Is.EqualTo("B"));
            Assert.That(grade.Passed, Is.True);
            Assert.That(grade.IsProvisional, Is.False);
            Assert.That(grade.Explanation, Has.Member("hw1-mlp: 90/100 = 90.00% × weight 20% = 18.00 points."));
            Assert.That(grade.Explanation, Has.Member("Weighted total: 18.00 + 18.00 + 18.00 + 4.50 + 4.00 + 17.50 + 3.00 = 83.00%."));
            Assert.That(grade.Explanation[^1], Is.EqualTo("Final 83.00%: pass (pass mark 70%), letter B."));
            Assert.That(grade.Explanation, Has.Member("project-paper: written alone, so no contribution statements are needed."));
        });
    }

    [Test]
    public void A_missing_submission_is_zero_after_the_deadline_and_provisional_before()
    {
        var facts = GradingFacts.Empty with { Submissions = [Homework("ann", "hw1-mlp", "2023-02-10 10:00", 1, 1)] };

        var midTerm = new CourseGrader(Syllabus(["ann"]), new FakeClock(At("2023-03-23 23:59"))).Grade("ann", facts);
        var hw2MidTerm = midTerm.Components[1].Assignment;
        var afterHw2 = new CourseGrader(Syllabus(["ann"]), new FakeClock(At("2023-03-24 00:00"))).Grade("ann", facts).Components[1].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That((hw2MidTerm.Score, hw2MidTerm.IsProvisional), Is.EqualTo((0m, true)));
            Assert.That(hw2MidTerm.Explanation[0], Is.EqualTo(
                "hw2-cnn: nothing submitted yet; it can still be handed in (deadline 2023-03-23 23:59:00 EDT (America/New_York)). Counts as 0 for now."));
            Assert.That(midTerm.IsProvisional, Is.True);
            Assert.That((afterHw2.Score, afterHw2.IsProvisional), Is.EqualTo((0m, false)));
            Assert.That(afterHw2.Explanation[0], Is.EqualTo("hw2-cnn: nothing submitted by the deadline 2023-03-23 23:59:00 EDT (America/New_York): 0."));
        });
    }

    [Test]
    public void Late_work_gets_no_credit_and_loses_its_bonus_too()
    {
        var facts = GradingFacts.Empty with { Submissions = [Homework("ann", "hw1-mlp", "2023-02-17 00:01", 1, 1, 1)] };

        var hw1 = new CourseGrader(Syllabus(["ann"]), EndOfTerm).Grade("ann", facts).Components[0].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That((hw1.Rubric!.Score, hw1.Score, hw1.UnusedBonus), Is.EqualTo((100m, 0m, 0m)));
            Assert.That(hw1.Explanation, Has.Member(
                "hw1-mlp: Submitted 2023-02-17 00:01:00 EST (America/New_York), 2 minutes late (deadline 2023-02-16 23:59:00 EST (America/New_York)): late work gets no credit."));
        });
    }

    [Test]
    public void A_per_day_penalty_scales_the_score()
    {
        var policy = new LatePolicy(LatePolicyKind.PerDayPenalty, Duration.Zero, 10, 50, null);
        var facts = GradingFacts.Empty with { Submissions = [Homework("ann", "hw1-mlp", "2023-02-18 09:00", 0.9, 1)] };

        var hw1 = new CourseGrader(Syllabus(["ann"], latePolicy: policy), EndOfTerm).Grade("ann", facts).Components[0].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That(hw1.Score, Is.EqualTo(76m), "95 less 20% for two started days");
            Assert.That(hw1.Explanation, Has.Member("hw1-mlp: after the late rule, 76 of 100."));
        });
    }

    [Test]
    public void An_extension_is_looked_up_by_student_and_assignment()
    {
        var facts = GradingFacts.Empty with
        {
            Submissions = [Homework("ann", "hw1-mlp", "2023-02-18 20:00", 1, 1), Homework("ben", "hw1-mlp", "2023-02-18 20:00", 1, 1)],
            Extensions = [new Extension("ann", "hw1-mlp", Period.FromDays(2), "dean's note")],
        };
        var grader = new CourseGrader(Syllabus(["ann", "ben"]), EndOfTerm);

        Assert.Multiple(() =>
        {
            Assert.That(grader.Grade("ann", facts).Components[0].Assignment.Score, Is.EqualTo(100m));
            Assert.That(grader.Grade("ben", facts).Components[0].Assignment.Score, Is.EqualTo(0m));
        });
    }

    [Test]
    public void Leftover_bonus_carries_over_only_when_it_turns_a_fail_into_a_pass()
    {
        // Homework 100 with 10 bonus left over each: 3 x 2.00 = 6.00 available.
        static GradingFacts Facts(decimal project) => GradingFacts.Empty with
        {
            Submissions = [.. AllHomework("ann", bonus: 1), .. ProjectWork("ann", project, project, project, project)],
        };
        var grader = new CourseGrader(Syllabus(["ann"]), EndOfTerm);

        var alreadyPassing = grader.Grade("ann", Facts(25));   // 60 + 10.00 = 70.00: passes without help
        var helped = grader.Grade("ann", Facts(20));    // 60 + 8.00 = 68.00 -> +6.00 = 74.00
        var hopeless = grader.Grade("ann", Facts(0));   // 60.00 + 6.00 = 66.00 still fails

        Assert.Multiple(() =>
        {
            Assert.That((alreadyPassing.BasePercent, alreadyPassing.CarriedBonus, alreadyPassing.FinalPercent, alreadyPassing.Passed), Is.EqualTo((70m, 0m, 70m, true)));
            Assert.That(alreadyPassing.Explanation, Has.Member(
                "Leftover bonus worth 6.00 (hw1-mlp 10 pts, hw2-cnn 10 pts, hw3-rnn 10 pts) does not carry over: 70.00% already passes (pass mark 70%)."));
            Assert.That((helped.BasePercent, helped.CarriedBonus, helped.FinalPercent, helped.Passed, helped.Letter), Is.EqualTo((68m, 6m, 74m, true, "C")));
            Assert.That(helped.Explanation, Has.Member(
                "Bonus carried over: +6.00 from leftover bonus (hw1-mlp 10 pts, hw2-cnn 10 pts, hw3-rnn 10 pts), because it turns 68.00% (fail) into 74.00% (pass mark 70%)."));
            Assert.That((hopeless.FinalPercent, hopeless.Passed, hopeless.Letter), Is.EqualTo((60m, false, "F")));
            Assert.That(hopeless.Explanation, Has.Member(
                "Leftover bonus worth 6.00 (hw1-mlp 10 pts, hw2-cnn 10 pts, hw3-rnn 10 pts) does not carry over: 60.00% + 6.00 = 66.00% would still fail (pass mark 70%)."));
        });
    }

    [Test]
    public void A_course_that_never_carries_bonus_over_does_not()
    {
        var tree = Syllabus(["ann"], bonusPolicy: new BonusPolicy(BonusCarryOver.Never, 70));
        var facts = GradingFacts.Empty with { Submissions = [.. AllHomework("ann", bonus: 1), .. ProjectWork("ann", 20, 20, 20, 20)] };

        var grade = new CourseGrader(tree, EndOfTerm).Grade("ann", facts);

        Assert.That((grade.FinalPercent, grade.Passed), Is.EqualTo((68m, false)));
    }

    [Test]
    public void A_confirmed_first_offence_zeroes_that_assignment_only()
    {
        var facts = GradingFacts.Empty with
        {
            Submissions = [.. AllHomework("ann"), .. ProjectWork("ann", 100, 100, 100, 100)],
            PlagiarismCases = [new PlagiarismCase("ann", "hw2-cnn", At("2023-04-01 12:00"), "identical to a public repository")],
        };

        var grade = new CourseGrader(Syllabus(["ann"]), EndOfTerm).Grade("ann", facts);

        Assert.Multiple(() =>
        {
            Assert.That(grade.Components.Select(c => c.Assignment.Score), Is.EqualTo(new[] { 100m, 0m, 100m, 100m, 100m, 100m, 100m }));
            Assert.That((grade.FinalPercent, grade.Passed, grade.FailedForPlagiarism), Is.EqualTo((80m, true, false)));
            Assert.That(grade.Explanation, Has.Member(
                "hw2-cnn: confirmed plagiarism, offence 1 (identical to a public repository): the assignment scores 0."));
        });
    }

    [Test]
    public void A_second_confirmed_offence_fails_the_course_whatever_the_score()
    {
        var facts = GradingFacts.Empty with
        {
            Submissions = [.. AllHomework("ann", bonus: 1), .. ProjectWork("ann", 100, 100, 100, 100)],
            PlagiarismCases =
            [
                new PlagiarismCase("ann", "hw3-rnn", At("2023-04-25 12:00"), "copied from a classmate"),
                new PlagiarismCase("ann", "hw1-mlp", At("2023-02-20 12:00"), "copied from a blog"),
            ],
        };

        var grade = new CourseGrader(Syllabus(["ann"]), EndOfTerm).Grade("ann", facts);

        Assert.Multiple(() =>
        {
            Assert.That(grade.FinalPercent, Is.EqualTo(60m), "80 would pass; the second offence fails the course anyway");
            Assert.That((grade.Passed, grade.FailedForPlagiarism, grade.Letter), Is.EqualTo((false, true, "F")));
            Assert.That(grade.Explanation, Has.Member("hw1-mlp: confirmed plagiarism, offence 1 (copied from a blog): the assignment scores 0."));
            Assert.That(grade.Explanation, Has.Member(
                "hw3-rnn: confirmed plagiarism, offence 2 (copied from a classmate): the assignment scores 0 and the course is failed."));
            Assert.That(grade.Explanation, Has.Member(
                "Leftover bonus worth 2.00 (hw2-cnn 10 pts) does not carry over: the course is failed for plagiarism."));
            Assert.That(grade.Explanation[^1], Is.EqualTo("Course failed: 2 confirmed plagiarism cases; the policy fails the course (letter F)."));
        });
    }

    [Test]
    public void An_unconfirmed_case_changes_nothing_and_is_not_mentioned()
    {
        var facts = GradingFacts.Empty with
        {
            Submissions = [.. AllHomework("ann")],
            PlagiarismCases = [new PlagiarismCase("ann", "hw1-mlp", null, "similarity 0.93, under review")],
        };

        var grade = new CourseGrader(Syllabus(["ann"]), EndOfTerm).Grade("ann", facts);

        Assert.Multiple(() =>
        {
            Assert.That(grade.Components[0].Assignment.Score, Is.EqualTo(100m));
            Assert.That(grade.Explanation, Has.None.Contains("plagiarism"));
        });
    }

    [Test]
    public void A_team_shares_its_project_score_and_loses_five_percent_of_the_paper_without_contribution_statements()
    {
        var facts = GradingFacts.Empty with
        {
            Teams = [new Team("team-7", ["ann", "ben"])],
            Submissions = [.. ProjectWork("team-7", 80, 80, 80, 80)],
            ContributionStatements = [new ContributionStatementFinding("team-7", false, "no contributions section")],
        };
        var grader = new CourseGrader(Syllabus(["ann", "ben"]), EndOfTerm);

        var ann = grader.Grade("ann", facts);
        var ben = grader.Grade("ben", facts);
        var annPaper = ann.Components[5].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That((annPaper.SubmitterId, annPaper.Score), Is.EqualTo(("team-7", 75m)));
            Assert.That(ben.Components[5].Assignment.Score, Is.EqualTo(75m));
            Assert.That(ann.Components[3].Assignment.Score, Is.EqualTo(80m), "only the paper loses points");
            Assert.That(annPaper.Explanation[0], Is.EqualTo(
                "project-paper: team work, graded as team team-7 (ann, ben); the team's score is each member's score."));
            Assert.That(annPaper.Explanation, Has.Member(
                "project-paper: contribution statements missing (no contributions section): -5% of 100 = -5, leaving 75 of 100."));
        });
    }

    [Test]
    public void Unchecked_contribution_statements_keep_the_paper_provisional()
    {
        var facts = GradingFacts.Empty with
        {
            Teams = [new Team("team-7", ["ann", "ben"])],
            Submissions = [.. ProjectWork("team-7", 80, 80, 80, 80)],
        };

        var paper = new CourseGrader(Syllabus(["ann", "ben"]), EndOfTerm).Grade("ann", facts).Components[5].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That((paper.Score, paper.IsProvisional), Is.EqualTo((80m, true)));
            Assert.That(paper.Explanation, Has.Member("project-paper: contribution statements not checked yet; the 5% deduction may still apply."));
        });
    }

    [Test]
    public void A_pending_manual_item_makes_the_final_grade_provisional_and_says_which()
    {
        var facts = GradingFacts.Empty with
        {
            Submissions = [.. AllHomework("ann"), .. ProjectWork("ann", 90, 90, 90, 90).Where(s => s.AssignmentId != "project-paper-presentation"),
                new Submission("ann", "project-paper-presentation", At("2023-05-02 09:00"), [])],
        };

        var grade = new CourseGrader(Syllabus(["ann"]), EndOfTerm).Grade("ann", facts);

        Assert.Multiple(() =>
        {
            Assert.That(grade.IsProvisional, Is.True);
            Assert.That(grade.Explanation, Has.Member("project-paper-presentation: provisional, waiting for overall."));
            Assert.That(grade.Explanation[^1], Is.EqualTo("Provisional: project-paper-presentation can still change."));
        });
    }

    [Test]
    public void Facts_that_contradict_the_course_are_rejected_with_a_reason()
    {
        var grader = new CourseGrader(Syllabus(["ann", "ben", "cal"]), EndOfTerm);

        Assert.Multiple(() =>
        {
            Assert.That(() => grader.Grade("zed", GradingFacts.Empty),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("'zed' is not on the roster."));
            Assert.That(() => grader.GradeAll(GradingFacts.Empty with { Teams = [new Team("t1", ["ann", "ben", "cal"])] }),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("Team 't1' has 3 members; the course allows at most 2."));
            Assert.That(() => grader.GradeAll(GradingFacts.Empty with { Teams = [new Team("t1", ["ann", "ben"]), new Team("t2", ["ben", "cal"])] }),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("'ben' is in two teams: 't1' and 't2'."));
            Assert.That(() => grader.GradeAll(GradingFacts.Empty with { Submissions = [Homework("ann", "hw9", "2023-02-10 10:00", 1, 1)] }),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("A submission names assignment 'hw9', which the course does not have."));
            Assert.That(() => grader.GradeAll(GradingFacts.Empty with
                {
                    Teams = [new Team("t1", ["ann", "ben"])],
                    Submissions = [Project("ann", "project-paper", "2023-05-01 10:00", 90)],
                }),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo(
                    "A submission for team work 'project-paper' names 'ann', which is neither a team nor a student without a team."));
            Assert.That(() => grader.GradeAll(GradingFacts.Empty with
                {
                    Submissions = [Homework("ann", "hw1-mlp", "2023-02-10 10:00", 1, 1), Homework("ann", "hw1-mlp", "2023-02-11 10:00", 1, 1)],
                }),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("'ann' has 2 submissions for 'hw1-mlp' without distinct ids."));
        });
    }
}

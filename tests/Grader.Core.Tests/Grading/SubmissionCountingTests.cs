using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Core.Tests.Configuration;
using NodaTime;
using NodaTime.Testing;
using static Grader.Core.Tests.Grading.TestCourse;

namespace Grader.Core.Tests.Grading;

/// <summary>
/// Which submission counts: latest-on-time, latest, best and the staff choice, at the boundary times (exactly at the
/// deadline, one tick after, inside grace, inside an extension), for individual and team work, under both late policies.
/// HW1 is due 2023-02-16 23:59 New York time.
/// </summary>
public sealed class SubmissionCountingTests
{
    private static readonly FakeClock EndOfTerm = new(At("2023-05-20 12:00"));
    private static readonly Instant Hw1Deadline = At("2023-02-16 23:59");

    private static Submission Hw1(string id, Instant at, double forward, double training = 1, string student = "ann") =>
        Homework(student, "hw1-mlp", "2023-02-10 10:00", forward, training) with { Id = id, SubmittedAt = at };

    private static AssignmentGrade GradeHw1(IReadOnlyList<Submission> submissions, CourseTree? tree = null, IReadOnlyList<Extension>? extensions = null,
        IReadOnlyList<CountingChoice>? choices = null) =>
        new CourseGrader(tree ?? Syllabus(["ann", "ben"]), EndOfTerm)
            .Grade("ann", GradingFacts.Empty with { Submissions = submissions, Extensions = extensions ?? [], CountingChoices = choices ?? [] })
            .Components[0].Assignment;

    private static CourseTree WithRule(CourseTree tree, CountingRule? courseRule, CountingRule? hw1Rule = null) => tree with
    {
        Course = tree.Course with { SubmissionThatCounts = courseRule },
        Assignments = tree.Assignments.Select(a => a.Id == "hw1-mlp" ? a with { SubmissionThatCounts = hw1Rule } : a).ToList(),
    };

    [Test]
    public void Under_no_credit_the_default_keeps_the_on_time_grade_when_a_late_upload_follows()
    {
        var hw1 = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 1), Hw1("2", At("2023-02-17 09:00"), 1)]);

        Assert.Multiple(() =>
        {
            Assert.That(CountingRules.For(Syllabus([]).Course, Syllabus([]).Assignment("hw1-mlp")), Is.EqualTo(CountingRule.LatestOnTime));
            Assert.That(hw1.Counting!.Counted.Submission.Id, Is.EqualTo("1"));
            Assert.That((hw1.Score, hw1.Late!.IsLate), Is.EqualTo((100m, false)));
            Assert.That(hw1.Attempts.Select(a => a.Score), Is.EqualTo(new[] { 100m, 0m }), "the late one is graded, and would earn nothing");
            Assert.That(hw1.Explanation, Has.Member("hw1-mlp: 2 submissions; the one received 2023-02-16 20:00:00 EST (America/New_York) counts: "
                + "the latest submission received by the deadline (rule: latest-on-time); 1 later submission arrived after the deadline: it is recorded but does not count."));
        });
    }

    [Test]
    public void A_submission_exactly_at_the_deadline_is_on_time_and_one_a_tick_later_is_not()
    {
        var atDeadline = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", Hw1Deadline, 1)]);
        var tickAfter = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", Hw1Deadline + Duration.Epsilon, 1)]);

        Assert.Multiple(() =>
        {
            Assert.That((atDeadline.Counting!.Counted.Submission.Id, atDeadline.Score), Is.EqualTo(("2", 100m)));
            Assert.That((tickAfter.Counting!.Counted.Submission.Id, tickAfter.Score), Is.EqualTo(("1", 75m)));
        });
    }

    [Test]
    public void Grace_and_an_extension_move_the_deadline_the_rule_reads()
    {
        var withGrace = Syllabus(["ann", "ben"], LatePolicy.NoCredit(Duration.FromMinutes(10)));
        var insideGrace = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", Hw1Deadline + Duration.FromMinutes(10), 1)], withGrace);
        var pastGrace = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", Hw1Deadline + Duration.FromMinutes(10) + Duration.Epsilon, 1)], withGrace);

        Extension[] twoDays = [new Extension("ann", "hw1-mlp", Period.FromDays(2), "illness")];
        var insideExtension = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", At("2023-02-18 23:59"), 1)], extensions: twoDays);
        var pastExtension = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", At("2023-02-18 23:59") + Duration.Epsilon, 1)], extensions: twoDays);

        Assert.Multiple(() =>
        {
            Assert.That((insideGrace.Counting!.Counted.Submission.Id, insideGrace.Score), Is.EqualTo(("2", 100m)));
            Assert.That((pastGrace.Counting!.Counted.Submission.Id, pastGrace.Score), Is.EqualTo(("1", 75m)));
            Assert.That((insideExtension.Counting!.Counted.Submission.Id, insideExtension.Score), Is.EqualTo(("2", 100m)));
            Assert.That((pastExtension.Counting!.Counted.Submission.Id, pastExtension.Score), Is.EqualTo(("1", 75m)));
        });
    }

    [Test]
    public void With_nothing_on_time_the_latest_late_submission_counts_and_earns_what_the_late_policy_gives()
    {
        var perDay = Syllabus(["ann", "ben"], new LatePolicy(LatePolicyKind.PerDayPenalty, Duration.Zero, 10, 50, 7));
        List<Submission> lateOnly = [Hw1("1", Hw1Deadline + Duration.Epsilon, 0.5), Hw1("2", At("2023-02-17 12:00"), 1)];

        var noCredit = GradeHw1(lateOnly);
        var penalised = GradeHw1(lateOnly, WithRule(perDay, CountingRule.LatestOnTime));

        Assert.Multiple(() =>
        {
            Assert.That((noCredit.Counting!.Counted.Submission.Id, noCredit.Score, noCredit.Late!.NoCredit), Is.EqualTo(("2", 0m, true)));
            Assert.That(noCredit.Counting.Reason, Is.EqualTo("nothing arrived by the deadline, so the latest late submission counts under the late policy (rule: latest-on-time)"));
            Assert.That((penalised.Counting!.Counted.Submission.Id, penalised.Score), Is.EqualTo(("2", 90m)), "1 day late: 10% off 100");
        });
    }

    [Test]
    public void Latest_counts_the_newest_even_when_late_and_is_the_default_under_a_per_day_penalty()
    {
        var perDay = Syllabus(["ann", "ben"], new LatePolicy(LatePolicyKind.PerDayPenalty, Duration.Zero, 10, 50, 7));
        List<Submission> both = [Hw1("1", At("2023-02-16 20:00"), 1), Hw1("2", At("2023-02-18 12:00"), 1)];

        var perDayDefault = GradeHw1(both, perDay);
        var latestUnderNoCredit = GradeHw1(both, WithRule(Syllabus(["ann", "ben"]), CountingRule.Latest));

        Assert.Multiple(() =>
        {
            Assert.That(CountingRules.Default(perDay.Course.LatePolicy), Is.EqualTo(CountingRule.Latest));
            Assert.That((perDayDefault.Counting!.Counted.Submission.Id, perDayDefault.Score), Is.EqualTo(("2", 80m)), "2 days late: 20% off");
            Assert.That((latestUnderNoCredit.Counting!.Counted.Submission.Id, latestUnderNoCredit.Score), Is.EqualTo(("2", 0m)));
        });
    }

    [Test]
    public void Best_compares_scores_after_the_late_rule_and_takes_the_later_on_a_tie()
    {
        var perDay = WithRule(Syllabus(["ann", "ben"], new LatePolicy(LatePolicyKind.PerDayPenalty, Duration.Zero, 30, 100, 7)), CountingRule.Best);
        // On time 75; late 100 raw but 2 days late: 40 after the rule.
        var best = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", At("2023-02-18 12:00"), 1)], perDay);
        var tie = GradeHw1([Hw1("1", At("2023-02-14 20:00"), 1), Hw1("2", At("2023-02-15 20:00"), 1), Hw1("3", At("2023-02-13 20:00"), 1)],
            WithRule(Syllabus(["ann", "ben"]), null, CountingRule.Best));

        Assert.Multiple(() =>
        {
            Assert.That((best.Counting!.Counted.Submission.Id, best.Score), Is.EqualTo(("1", 75m)));
            Assert.That(best.Counting.Reason, Is.EqualTo("the highest score after the rules, 75 of 100 (rule: best)"));
            Assert.That(tie.Counting!.Counted.Submission.Id, Is.EqualTo("2"), "equal scores: the latest received");
            Assert.That(tie.Counting.Rule, Is.EqualTo(CountingRule.Best), "the assignment's rule overrides the course default");
        });
    }

    [Test]
    public void A_staff_choice_wins_over_every_rule_and_taking_it_back_restores_the_rule()
    {
        List<Submission> both = [Hw1("1", At("2023-02-16 20:00"), 0.5), Hw1("2", At("2023-02-16 22:00"), 1)];
        var choice = new CountingChoice("ann", "hw1-mlp", "1", "instructor", At("2023-02-20 10:00"), "the second upload was a classmate's file");

        var chosen = GradeHw1(both, choices: [choice]);
        var chosenUnderBest = GradeHw1(both, WithRule(Syllabus(["ann", "ben"]), CountingRule.Best), choices: [choice]);
        var revoked = GradeHw1(both);

        Assert.Multiple(() =>
        {
            Assert.That((chosen.Counting!.Counted.Submission.Id, chosen.Score), Is.EqualTo(("1", 75m)));
            Assert.That(chosen.Counting.StaffChoice, Is.EqualTo(choice));
            Assert.That(chosen.Counting.Reason, Is.EqualTo(
                "chosen by instructor on 2023-02-20 10:00:00 EST (America/New_York) (the second upload was a classmate's file); a staff choice wins over the rule"));
            Assert.That(chosenUnderBest.Counting!.Counted.Submission.Id, Is.EqualTo("1"));
            Assert.That((revoked.Counting!.Counted.Submission.Id, revoked.Score), Is.EqualTo(("2", 100m)));
        });
    }

    [Test]
    public void A_staff_choice_must_name_one_of_the_submitters_own_submissions()
    {
        var grader = new CourseGrader(Syllabus(["ann", "ben"]), EndOfTerm);
        var facts = GradingFacts.Empty with
        {
            Submissions = [Hw1("1", At("2023-02-16 20:00"), 1), Hw1("7", At("2023-02-16 20:00"), 1, student: "ben")],
            CountingChoices = [new CountingChoice("ann", "hw1-mlp", "7", "instructor", At("2023-02-20 10:00"), "typo")],
        };

        Assert.That(() => grader.GradeAll(facts), Throws.TypeOf<GradingInputException>().With.Message.EqualTo(
            "The staff choice for 'ann' on 'hw1-mlp' names submission '7', which is not one of theirs."));
    }

    [Test]
    public void Team_work_counts_per_team_for_every_member()
    {
        var tree = Syllabus(["ann", "ben"]);
        var paperDue = At("2023-05-06 17:00");
        Submission Paper(string id, Instant at, decimal overall) => Project("t1", "project-paper", "2023-05-01 10:00", overall) with { Id = id, SubmittedAt = at };
        var facts = GradingFacts.Empty with
        {
            Teams = [new Team("t1", ["ann", "ben"])],
            Submissions = [Paper("1", paperDue, 80), Paper("2", paperDue + Duration.Epsilon, 95)],
            ContributionStatements = [new ContributionStatementFinding("t1", true, "both")],
        };
        var grader = new CourseGrader(tree, EndOfTerm);
        var chosen = new CourseGrader(tree, EndOfTerm).GradeAll(facts with { CountingChoices = [new CountingChoice("t1", "project-paper", "2", "instructor", At("2023-05-08 10:00"), "portal outage")] });

        var grades = grader.GradeAll(facts).Select(g => g.Components[5].Assignment).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(grades.Select(g => (g.SubmitterId, g.Counting!.Counted.Submission.Id, g.Score)), Is.EqualTo(new[] { ("t1", "1", 80m), ("t1", "1", 80m) }));
            Assert.That(chosen.Select(g => g.Components[5].Assignment.Score), Is.EqualTo(new[] { 0m, 0m }),
                "a chosen late paper still gets what the late policy gives: nothing");
        });
    }

    [Test]
    public void The_upload_form_warning_says_what_a_late_upload_will_do()
    {
        var tree = Syllabus(["ann"]);
        var hw1 = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 1)], tree);
        var deadline = Hw1Deadline.InZone(NewYork);

        Assert.Multiple(() =>
        {
            Assert.That(SubmissionCounting.WhatANewSubmissionWouldDo(CountingRule.LatestOnTime, tree.Course.LatePolicy, deadline, At("2023-02-17 09:00"), hw1.Attempts),
                Is.EqualTo("The deadline passed on 2023-02-16 23:59:00 EST (America/New_York); this upload will be recorded but your on-time submission of "
                    + "2023-02-16 20:00:00 EST (America/New_York) keeps counting."));
            Assert.That(SubmissionCounting.WhatANewSubmissionWouldDo(CountingRule.LatestOnTime, tree.Course.LatePolicy, deadline, At("2023-02-17 09:00"), []),
                Is.EqualTo("The deadline passed on 2023-02-16 23:59:00 EST (America/New_York); this upload will be recorded and counts as late: late work gets no credit."));
            Assert.That(SubmissionCounting.WhatANewSubmissionWouldDo(CountingRule.LatestOnTime, tree.Course.LatePolicy, deadline, Hw1Deadline, hw1.Attempts),
                Is.EqualTo("A new submission is on time and replaces your earlier ones as the one that counts."));
        });
    }

    [Test]
    public void The_rule_is_read_from_course_yaml_and_each_assignment_yaml()
    {
        using var fixture = new FixtureCourse();
        fixture.Edit("assignments/course.yaml", "  grace_minutes: 0\n", "  grace_minutes: 0\nsubmission_that_counts: latest\n")
            .Edit("assignments/hw1-mlp/assignment.yaml", "participation: individual", "participation: individual\nsubmission_that_counts: best");

        var tree = fixture.Validate().Tree!;

        Assert.Multiple(() =>
        {
            Assert.That(tree.Course.SubmissionThatCounts, Is.EqualTo(CountingRule.Latest));
            Assert.That(CountingRules.For(tree.Course, tree.Assignment("hw1-mlp")), Is.EqualTo(CountingRule.Best));
            Assert.That(CountingRules.For(tree.Course, tree.Assignment("project-paper")), Is.EqualTo(CountingRule.Latest));
        });
    }

    [Test]
    public void The_state_in_words_is_the_same_wherever_the_grade_is_shown()
    {
        var final = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 1), Hw1("2", At("2023-02-17 09:00"), 1)]);
        var lateOnly = GradeHw1([Hw1("1", At("2023-02-17 09:00"), 1)]);
        var waiting = GradeHw1([Hw1("1", At("2023-02-16 20:00"), 1) with { Outcomes = [new CheckOutcome("forward", 1, CheckStatus.Passed, "ok")] }]);
        var plagiarism = new CourseGrader(Syllabus(["ann", "ben"]), EndOfTerm).Grade("ann", GradingFacts.Empty with
        {
            Submissions = [Hw1("1", At("2023-02-16 20:00"), 1)],
            PlagiarismCases = [new PlagiarismCase("ann", "hw1-mlp", At("2023-02-20 10:00"), "copied") { Id = "3" }],
        }).Components[0].Assignment;

        Assert.Multiple(() =>
        {
            Assert.That(final.State, Is.EqualTo("final"));
            Assert.That(final.StateOf("2"), Is.EqualTo("late: no credit (your on-time submission counts)"));
            Assert.That(lateOnly.State, Is.EqualTo("late: no credit"));
            Assert.That(waiting.State, Is.EqualTo("autograded, waiting for TA review of 2 items"));
            Assert.That((plagiarism.Score, plagiarism.State), Is.EqualTo((0m, "zero: confirmed plagiarism case #3")));
        });
    }

    [Test]
    public void Mid_term_the_current_grade_weighs_only_graded_work()
    {
        var midTerm = new CourseGrader(Syllabus(["ann"]), new FakeClock(At("2023-02-20 12:00")))
            .Grade("ann", GradingFacts.Empty with { Submissions = [Hw1("1", At("2023-02-16 20:00"), 0.8)] });

        Assert.Multiple(() =>
        {
            Assert.That(midTerm.FinalPercent, Is.EqualTo(18m), "HW1 90% of its 20%, everything else counted as zero");
            Assert.That(midTerm.CurrentPercentOnGradedWork, Is.EqualTo(90m));
            Assert.That(midTerm.IsProvisional, Is.True);
        });
    }
}

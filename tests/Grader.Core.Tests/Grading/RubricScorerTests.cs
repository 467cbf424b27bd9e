using Grader.Core.Configuration;
using Grader.Core.Grading;

namespace Grader.Core.Tests.Grading;

public sealed class RubricScorerTests
{
    private static readonly Rubric Homework = TestCourse.HomeworkRubric("hw1-mlp");

    private static readonly Rubric WithDeduction = new("hw1-mlp", "hw1",
    [
        new RubricItem("forward", "Forward", 10, RubricItemKind.Auto, "hw1.forward", CreditRule.Proportional),
        new RubricItem("notebook-outputs", "Notebook outputs not visible", 20, RubricItemKind.Manual, null, CreditRule.Proportional, RubricItemType.Deduction),
        new RubricItem("report", "Written answers", 10, RubricItemKind.Manual, null, CreditRule.Proportional),
    ]);

    [Test]
    public void Proportional_credit_is_the_fraction_of_the_points_and_all_or_nothing_needs_the_whole_item()
    {
        var score = RubricScorer.Score(Homework,
        [
            new CheckOutcome("forward", 0.73, CheckStatus.PartialCredit, "73% of outputs within tolerance"),
            new CheckOutcome("training", 0.99, CheckStatus.Failed, "accuracy 0.89 < 0.90"),
            new CheckOutcome("bonus", 0, CheckStatus.Failed, "not attempted"),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(score.Items.Select(i => i.Points), Is.EqualTo(new[] { 36.5m, 0m, 0m }));
            Assert.That(score.Score, Is.EqualTo(36.5m));
            Assert.That(score.FullMarks, Is.EqualTo(100m));
            Assert.That(score.IsProvisional, Is.False);
            Assert.That(score.Explanation[0], Is.EqualTo("forward (item, 50 pts): 36.5 of 50 (73% of 50; PartialCredit: 73% of outputs within tolerance)"));
            Assert.That(score.Explanation[1], Is.EqualTo("training (item, 50 pts): 0 of 50 (all-or-nothing, the check reached 99%; Failed: accuracy 0.89 < 0.90)"));
            Assert.That(score.Explanation[^1], Is.EqualTo("hw1-mlp: regular items 36.5 of 100 = 36.5 of 100."));
        });
    }

    [Test]
    public void Bonus_makes_up_lost_points_only_up_to_full_marks_and_the_rest_is_left_over()
    {
        var score = RubricScorer.Score(Homework,
        [
            new CheckOutcome("forward", 0.9, CheckStatus.PartialCredit, ""),
            new CheckOutcome("training", 1, CheckStatus.Passed, ""),
            new CheckOutcome("bonus", 1, CheckStatus.Passed, ""),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That((score.RegularPoints, score.BonusPoints, score.Score, score.UnusedBonus), Is.EqualTo((95m, 10m, 100m, 5m)));
            Assert.That(score.Explanation[^1], Is.EqualTo(
                "hw1-mlp: regular items 95 of 100, bonus +10 = 100 of 100 (bonus makes up lost points only up to full marks; 5 bonus points left over)."));
        });
    }

    [Test]
    public void Bonus_that_fits_under_full_marks_is_all_used()
    {
        var score = RubricScorer.Score(Homework,
        [
            new CheckOutcome("forward", 0.5, CheckStatus.PartialCredit, ""),
            new CheckOutcome("training", 1, CheckStatus.Passed, ""),
            new CheckOutcome("bonus", 0.5, CheckStatus.PartialCredit, ""),
        ]);

        Assert.That((score.Score, score.UnusedBonus), Is.EqualTo((80m, 0m)));
    }

    [Test]
    public void Deductions_are_floored_at_zero()
    {
        var score = RubricScorer.Score(WithDeduction,
        [
            new CheckOutcome("forward", 0.5, CheckStatus.PartialCredit, ""),
            new TaScore("notebook-outputs", 20, "no outputs at all", "ta1"),
            new TaScore("report", 4, "thin", "ta1"),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That((score.RegularPoints, score.DeductedPoints, score.Score), Is.EqualTo((9m, 20m, 0m)));
            Assert.That(score.Explanation[1], Is.EqualTo("notebook-outputs (deduction, 20 pts): -20 (scored by ta1: no outputs at all)"));
            Assert.That(score.Explanation[^1], Does.EndWith("(deductions exceed the points earned; the score stops at 0, not -11)."));
        });
    }

    [Test]
    public void A_partial_deduction_takes_its_fraction()
    {
        var score = RubricScorer.Score(WithDeduction,
        [
            new CheckOutcome("forward", 1, CheckStatus.Passed, ""),
            new TaScore("notebook-outputs", 5, "some plots missing", "ta1"),
            new TaScore("report", 10, "good", "ta1"),
        ]);

        Assert.That(score.Score, Is.EqualTo(15m));
    }

    [Test]
    public void Items_without_outcomes_and_grader_errors_are_pending_and_make_the_score_provisional()
    {
        var score = RubricScorer.Score(WithDeduction,
        [
            new CheckOutcome("forward", 0, CheckStatus.GraderError, "runner node lost"),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(score.IsProvisional, Is.True);
            Assert.That(score.PendingItemIds, Is.EqualTo(new[] { "forward", "notebook-outputs", "report" }));
            Assert.That(score.Score, Is.EqualTo(0m));
            Assert.That(score.Explanation[0], Is.EqualTo("forward (item, 10 pts): pending, the grader could not run the check (runner node lost); a TA will review it."));
            Assert.That(score.Explanation[2], Is.EqualTo("report (item, 10 pts): pending, waiting for a TA."));
            Assert.That(score.Explanation[^1], Is.EqualTo("hw1-mlp: provisional, waiting for forward, notebook-outputs, report."));
        });
    }

    [Test]
    public void A_TA_override_replaces_the_check_result_and_says_so()
    {
        var score = RubricScorer.Score(Homework,
        [
            new CheckOutcome("forward", 0.2, CheckStatus.PartialCredit, "shape mismatch"),
            new TaScore("forward", 45, "transposed output is accepted per Campuswire post 112", "ta2"),
            new CheckOutcome("training", 1, CheckStatus.Passed, ""),
            new CheckOutcome("bonus", 0, CheckStatus.Failed, ""),
        ]);

        Assert.Multiple(() =>
        {
            Assert.That(score.Score, Is.EqualTo(95m));
            Assert.That(score.Explanation[0], Is.EqualTo(
                "forward (item, 50 pts): 45 of 50 (check said PartialCredit: shape mismatch; overridden by ta2: transposed output is accepted per Campuswire post 112)"));
        });
    }

    [Test]
    public void Outcomes_that_cannot_be_right_are_rejected_with_a_reason()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => RubricScorer.Score(Homework, [new CheckOutcome("nope", 1, CheckStatus.Passed, "")]),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("Rubric 'hw1-mlp' has no item 'nope'."));
            Assert.That(() => RubricScorer.Score(Homework, [new CheckOutcome("forward", 1.5, CheckStatus.Passed, "")]),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("Check result for 'forward' has fraction 1.5; it must be within [0, 1]."));
            Assert.That(() => RubricScorer.Score(Homework, [new CheckOutcome("forward", double.NaN, CheckStatus.Passed, "")]),
                Throws.TypeOf<GradingInputException>());
            Assert.That(() => RubricScorer.Score(Homework, [new TaScore("training", 25, "half", "ta1")]),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("Item 'training' is all-or-nothing: a TA can give 0 or 50, not 25."));
            Assert.That(() => RubricScorer.Score(Homework, [new TaScore("forward", 51, "", "ta1")]),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("TA score 51 for 'forward' is outside 0..50."));
            Assert.That(() => RubricScorer.Score(WithDeduction, [new CheckOutcome("report", 1, CheckStatus.Passed, "")]),
                Throws.TypeOf<GradingInputException>().With.Message.EqualTo("Item 'report' of 'hw1-mlp' is scored by a TA; a check result cannot score it."));
            Assert.That(() => RubricScorer.Score(Homework,
                [new CheckOutcome("forward", 1, CheckStatus.Passed, ""), new CheckOutcome("forward", 0, CheckStatus.Failed, "")]),
                Throws.TypeOf<GradingInputException>().With.Message.StartsWith("Item 'forward' of 'hw1-mlp' has 2 outcomes of the same kind"));
        });
    }
}

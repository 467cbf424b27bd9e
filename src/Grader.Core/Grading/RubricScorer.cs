using Grader.Core.Configuration;

namespace Grader.Core.Grading;

/// <summary>The score of one rubric item for one submission.</summary>
/// <param name="Points">Points earned (regular, bonus) or taken away (deduction); 0 while pending.</param>
/// <param name="IsPending">No usable outcome yet: a manual item a TA has not scored, or a check the grader could not run.</param>
public sealed record ItemScore(RubricItem Item, decimal Points, bool IsPending, string Explanation);

/// <summary>
/// A rubric applied to one submission, before any late, contribution or plagiarism rule.
/// <see cref="Score"/> = regular + bonus − deductions, floored at zero and capped at <see cref="FullMarks"/>;
/// <see cref="UnusedBonus"/> is the bonus that did not fit under the cap (it may carry over, see BonusPolicy).
/// </summary>
public sealed record RubricScore(
    string AssignmentId,
    decimal FullMarks,
    decimal RegularPoints,
    decimal DeductedPoints,
    decimal BonusPoints,
    decimal Score,
    decimal UnusedBonus,
    IReadOnlyList<ItemScore> Items,
    IReadOnlyList<string> Explanation)
{
    public IReadOnlyList<string> PendingItemIds => Items.Where(i => i.IsPending).Select(i => i.Item.Id).ToList();

    /// <summary>True while any item is pending: the score can still change.</summary>
    public bool IsProvisional => Items.Any(i => i.IsPending);
}

/// <summary>Scores a rubric from item outcomes: partial credit, deductions floored at zero, bonus capped at full marks.</summary>
public static class RubricScorer
{
    public static RubricScore Score(Rubric rubric, IReadOnlyCollection<ItemOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        ArgumentNullException.ThrowIfNull(outcomes);
        CheckOutcomesBelongTo(rubric, outcomes);

        var items = rubric.Items.Select(item => ScoreItem(item,
            outcomes.OfType<CheckOutcome>().SingleOrDefault(o => o.ItemId == item.Id),
            outcomes.OfType<TaScore>().SingleOrDefault(o => o.ItemId == item.Id))).ToList();

        var regular = items.Where(i => i.Item.Type == RubricItemType.Regular).Sum(i => i.Points);
        var deducted = items.Where(i => i.Item.Type == RubricItemType.Deduction).Sum(i => i.Points);
        var bonus = items.Where(i => i.Item.Type == RubricItemType.Bonus).Sum(i => i.Points);
        var fullMarks = rubric.FullMarks;
        var raw = regular + bonus - deducted;
        var score = Math.Clamp(raw, 0m, fullMarks);
        var unusedBonus = Math.Max(0m, raw - fullMarks);

        var explanation = items.Select(i => i.Explanation).ToList();
        var summary = $"{rubric.AssignmentId}: regular items {Numbers.Show(regular)} of {Numbers.Show(fullMarks)}";
        if (deducted > 0)
        {
            summary += $", deductions -{Numbers.Show(deducted)}";
        }

        if (bonus > 0)
        {
            summary += $", bonus +{Numbers.Show(bonus)}";
        }

        summary += $" = {Numbers.Show(score)} of {Numbers.Show(fullMarks)}";
        if (raw < 0)
        {
            summary += $" (deductions exceed the points earned; the score stops at 0, not {Numbers.Show(raw)})";
        }
        else if (unusedBonus > 0)
        {
            summary += $" (bonus makes up lost points only up to full marks; {Numbers.Show(unusedBonus)} bonus points left over)";
        }

        explanation.Add(summary + ".");
        var pending = items.Where(i => i.IsPending).Select(i => i.Item.Id).ToList();
        if (pending.Count > 0)
        {
            explanation.Add($"{rubric.AssignmentId}: provisional, waiting for {string.Join(", ", pending)}.");
        }

        return new RubricScore(rubric.AssignmentId, fullMarks, regular, deducted, bonus, score, unusedBonus, items, explanation);
    }

    private static void CheckOutcomesBelongTo(Rubric rubric, IReadOnlyCollection<ItemOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            var item = rubric.Item(outcome.ItemId)
                ?? throw new GradingInputException($"Rubric '{rubric.AssignmentId}' has no item '{outcome.ItemId}'.");
            if (outcome is CheckOutcome && item.Kind == RubricItemKind.Manual)
            {
                throw new GradingInputException($"Item '{item.Id}' of '{rubric.AssignmentId}' is scored by a TA; a check result cannot score it.");
            }
        }

        foreach (var group in outcomes.GroupBy(o => (o.ItemId, o.GetType())).Where(g => g.Count() > 1))
        {
            throw new GradingInputException(
                $"Item '{group.Key.ItemId}' of '{rubric.AssignmentId}' has {group.Count()} outcomes of the same kind; give only the one that counts.");
        }
    }

    private static ItemScore ScoreItem(RubricItem item, CheckOutcome? check, TaScore? ta)
    {
        var what = item.Type switch
        {
            RubricItemType.Deduction => "deduction",
            RubricItemType.Bonus => "bonus",
            _ => "item",
        };
        var label = $"{item.Id} ({what}, {Numbers.Show(item.Points)} pts)";

        if (ta is not null)
        {
            if (ta.Points < 0 || ta.Points > item.Points)
            {
                throw new GradingInputException($"TA score {ta.Points} for '{item.Id}' is outside 0..{item.Points}.");
            }

            if (item.Credit == CreditRule.AllOrNothing && ta.Points != 0 && ta.Points != item.Points)
            {
                throw new GradingInputException($"Item '{item.Id}' is all-or-nothing: a TA can give 0 or {item.Points}, not {ta.Points}.");
            }

            var source = check is null || item.Kind == RubricItemKind.Manual
                ? $"scored by {ta.GradedBy}"
                : $"check said {Describe(check)}; overridden by {ta.GradedBy}";
            return new ItemScore(item, ta.Points, false, $"{label}: {Signed(item, ta.Points)} ({source}: {ta.Comment})");
        }

        if (check is null)
        {
            var waiting = item.Kind == RubricItemKind.Manual ? "waiting for a TA" : "no check result yet";
            return new ItemScore(item, 0, true, $"{label}: pending, {waiting}.");
        }

        if (check.Status == CheckStatus.GraderError)
        {
            return new ItemScore(item, 0, true, $"{label}: pending, the grader could not run the check ({check.Reason}); a TA will review it.");
        }

        if (double.IsNaN(check.Fraction) || check.Fraction < 0 || check.Fraction > 1)
        {
            throw new GradingInputException($"Check result for '{item.Id}' has fraction {check.Fraction}; it must be within [0, 1].");
        }

        var fraction = (decimal)check.Fraction;
        var points = item.Credit == CreditRule.Proportional
            ? Numbers.Round(fraction * item.Points)
            : (fraction == 1m ? item.Points : 0m);
        var rule = item.Credit == CreditRule.Proportional
            ? $"{Numbers.Show(fraction * 100)}% of {Numbers.Show(item.Points)}"
            : (fraction == 1m ? "all of it" : $"all-or-nothing, the check reached {Numbers.Show(fraction * 100)}%");
        return new ItemScore(item, points, false, $"{label}: {Signed(item, points)} ({rule}; {Describe(check)})");
    }

    private static string Signed(RubricItem item, decimal points) => item.Type switch
    {
        RubricItemType.Deduction => points == 0 ? "no deduction" : $"-{Numbers.Show(points)}",
        RubricItemType.Bonus => $"+{Numbers.Show(points)}",
        _ => $"{Numbers.Show(points)} of {Numbers.Show(item.Points)}",
    };

    private static string Describe(CheckOutcome check) => $"{check.Status}: {check.Reason}";
}

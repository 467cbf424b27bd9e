using FluentValidation;
using Grader.Core.Configuration.Documents;

namespace Grader.Core.Configuration.Validation;

/// <summary>The rules for <c>assignments/course.yaml</c> on its own; cross-file rules are in <see cref="CourseTreeValidator"/>.</summary>
public sealed class CourseDocumentValidator : DocumentValidator<CourseDocument>
{
    public CourseDocumentValidator()
    {
        Identifier(x => x.Id, "id", "name the course with a short id, e.g. dlm-spring-2023");
        Required(x => x.Title, "title", "give the course's full title");
        RuleFor(x => x.TimeZone)
            .NotEmpty().Error("time_zone", "is missing; every deadline is read in this IANA time zone, e.g. America/New_York")
            .Must(id => ConfigValues.TimeZoneOrNull(id) is not null)
            .Error("time_zone", x => $"\"{x.TimeZone}\" is not an IANA time zone name (like America/New_York)");
        Required(x => x.Roster, "roster", "name the roster CSV, relative to the assignments folder (e.g. roster.csv)");

        RuleFor(x => x.Components)
            .NotEmpty().Error("components", "is missing; list each graded assignment with its weight");
        RuleForEach(x => x.Components).SetValidator(new GradeComponentValidator()).When(x => x.Components is not null);
        RuleFor(x => x).Custom((course, context) =>
        {
            if (course.Components is not { Count: > 0 } components)
            {
                return;
            }

            var seen = new Dictionary<string, GradeComponentDocument>(StringComparer.Ordinal);
            foreach (var component in components.Where(c => c.Assignment is not null))
            {
                if (!seen.TryAdd(component.Assignment!, component))
                {
                    context.AddFailure(Failure(component.Source.Field("assignment"),
                        $"\"{component.Assignment}\" is listed twice (also on line {seen[component.Assignment!].Source["assignment"].Line})"));
                }
            }

            var weights = components.Select(c => ConfigValues.TryDecimal(c.Weight, out var weight) ? weight : (decimal?)null).ToList();
            if (weights.All(w => w is not null) && weights.Sum() != 100m)
            {
                context.AddFailure(Failure(course.Source.Field("components"),
                    $"the weights add up to {weights.Sum()}, not 100 ({string.Join(" + ", weights)})"));
            }
        });

        RequiredBlock(x => x.LatePolicy, "late_policy", "say what happens to late work (kind: no-credit is the syllabus rule)");
        RuleFor(x => x.LatePolicy!).SetValidator(new LatePolicyValidator()).When(x => x.LatePolicy is not null);
        OneOf(x => x.SubmissionThatCounts, "submission_that_counts", required: false, ConfigValues.CountingRules, "");
        RequiredBlock(x => x.BonusPolicy, "bonus_policy", "say whether bonus points carry over and the pass mark");
        RuleFor(x => x.BonusPolicy!).SetValidator(new BonusPolicyValidator()).When(x => x.BonusPolicy is not null);
        RequiredBlock(x => x.PlagiarismPolicy, "plagiarism_policy", "say what a first and a repeated confirmed case do");
        RuleFor(x => x.PlagiarismPolicy!).SetValidator(new PlagiarismPolicyValidator()).When(x => x.PlagiarismPolicy is not null);
        RequiredBlock(x => x.TeamPolicy, "team_policy", "give the team size limit and contribution statement rule");
        RuleFor(x => x.TeamPolicy!)
            .SetValidator(course => new TeamPolicyValidator(ConfigValues.TimeZoneOrNull(course.TimeZone)))
            .When(x => x.TeamPolicy is not null);

        RuleForEach(x => x.LetterGrades).SetValidator(new LetterGradeValidator()).When(x => x.LetterGrades is not null);
        RuleFor(x => x).Custom((course, context) =>
        {
            if (course.LetterGrades is not { Count: > 0 } letters)
            {
                return;
            }

            foreach (var duplicate in letters.Where(l => l.Letter is not null).GroupBy(l => l.Letter).Where(g => g.Count() > 1))
            {
                context.AddFailure(Failure(duplicate.Last().Source.Field("letter"), $"the letter \"{duplicate.Key}\" is listed twice"));
            }

            var minimums = letters.Select(l => ConfigValues.TryDecimal(l.Min, out var min) ? min : (decimal?)null).ToList();
            if (minimums.All(m => m is not null))
            {
                if (!minimums.Contains(0m))
                {
                    context.AddFailure(Failure(course.Source.Field("letter_grades"),
                        "no letter starts at min: 0, so a low final grade would have no letter; add the failing letter with min: 0"));
                }

                foreach (var duplicate in letters.Zip(minimums).GroupBy(pair => pair.Second, pair => pair.First).Where(g => g.Count() > 1))
                {
                    context.AddFailure(Failure(duplicate.Last().Source.Field("min"), $"two letters start at {duplicate.Key}"));
                }
            }
        });
    }

    internal static FluentValidation.Results.ValidationFailure Failure(FieldLocation field, string message) =>
        new(field.FieldPath, message) { CustomState = field };
}

internal sealed class GradeComponentValidator : DocumentValidator<GradeComponentDocument>
{
    public GradeComponentValidator()
    {
        Identifier(x => x.Assignment, "assignment", "name the assignment id (its folder under assignments/)");
        Decimal(x => x.Weight, "weight", required: true, 0, 100, minimumExclusive: true, "give the percent of the final grade");
    }
}

internal sealed class LatePolicyValidator : DocumentValidator<LatePolicyDocument>
{
    public LatePolicyValidator()
    {
        OneOf(x => x.Kind, "kind", required: true, ConfigValues.LatePolicyKinds, "say how late work is treated");
        Integer(x => x.GraceMinutes, "grace_minutes", required: false, 0, 7 * 24 * 60, "");

        bool IsPerDay(LatePolicyDocument late) => late.Kind == "per-day-penalty";
        bool IsNotPerDay(LatePolicyDocument late) => late.Kind is not null && late.Kind != "per-day-penalty";
        Decimal(x => x.PenaltyPercentPerDay, "penalty_percent_per_day", required: false, 0, 100, minimumExclusive: true, "");
        Decimal(x => x.MaxPenaltyPercent, "max_penalty_percent", required: false, 0, 100, minimumExclusive: true, "");
        Integer(x => x.MaxDaysLate, "max_days_late", required: false, 1, 365, "");
        RuleFor(x => x.PenaltyPercentPerDay).NotEmpty().When(IsPerDay)
            .Error("penalty_percent_per_day", "is missing; a per-day-penalty policy needs the percent lost per day late");
        RuleFor(x => x.MaxPenaltyPercent).NotEmpty().When(IsPerDay)
            .Error("max_penalty_percent", "is missing; a per-day-penalty policy needs a cap on the penalty (100 for none)");
        Forbidden(x => x.PenaltyPercentPerDay, "penalty_percent_per_day", IsNotPerDay, "only a per-day-penalty policy has a daily penalty");
        Forbidden(x => x.MaxPenaltyPercent, "max_penalty_percent", IsNotPerDay, "only a per-day-penalty policy has a penalty cap");
        Forbidden(x => x.MaxDaysLate, "max_days_late", IsNotPerDay, "only a per-day-penalty policy accepts late work at all");
    }
}

internal sealed class BonusPolicyValidator : DocumentValidator<BonusPolicyDocument>
{
    public BonusPolicyValidator()
    {
        OneOf(x => x.CarryOver, "carry_over", required: true, ConfigValues.BonusCarryOvers, "say when bonus points count towards the final grade");
        Decimal(x => x.PassMark, "pass_mark", required: true, 0, 100, minimumExclusive: false, "give the final percentage needed to pass");
    }
}

internal sealed class PlagiarismPolicyValidator : DocumentValidator<PlagiarismPolicyDocument>
{
    public PlagiarismPolicyValidator()
    {
        OneOf(x => x.FirstOffence, "first_offence", required: true, ConfigValues.PlagiarismActions, "say what a first confirmed case does");
        OneOf(x => x.RepeatOffence, "repeat_offence", required: true, ConfigValues.PlagiarismActions, "say what a second confirmed case does");
    }
}

internal sealed class TeamPolicyValidator : DocumentValidator<TeamPolicyDocument>
{
    public TeamPolicyValidator(NodaTime.DateTimeZone? zone)
    {
        Integer(x => x.MaxSize, "max_size", required: true, 1, 20, "give the largest team allowed");
        LocalDateTime(x => x.FinalizedBy, "finalized_by", required: false, () => zone, "");
        RuleFor(x => x.ContributionStatement!).SetValidator(new ContributionStatementValidator()).When(x => x.ContributionStatement is not null);
    }
}

internal sealed class ContributionStatementValidator : DocumentValidator<ContributionStatementDocument>
{
    public ContributionStatementValidator()
    {
        Identifier(x => x.Assignment, "assignment", "name the team deliverable whose statements are checked (e.g. project-paper)");
        Decimal(x => x.DeductionPercent, "deduction_percent", required: true, 0, 100, minimumExclusive: true,
            "give the percent of that deliverable's full marks lost when statements are missing");
    }
}

internal sealed class LetterGradeValidator : DocumentValidator<LetterGradeDocument>
{
    public LetterGradeValidator()
    {
        Required(x => x.Letter, "letter", "give the letter, e.g. A-");
        Decimal(x => x.Min, "min", required: true, 0, 100, minimumExclusive: false, "give the lowest final percentage for this letter");
    }
}

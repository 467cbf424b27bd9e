using FluentValidation;
using Grader.Core.Configuration.Documents;

namespace Grader.Core.Configuration.Validation;

/// <summary>The rules for one <c>rubrics/&lt;id&gt;.yaml</c>.</summary>
public sealed class RubricDocumentValidator : DocumentValidator<RubricDocument>
{
    /// <param name="knownCheckIds">The ids in Grader.Reference's check catalog; every auto item must name one.</param>
    public RubricDocumentValidator(IReadOnlySet<string> knownCheckIds)
    {
        ArgumentNullException.ThrowIfNull(knownCheckIds);
        Identifier(x => x.Assignment, "assignment", "name the assignment this rubric grades");
        Required(x => x.Title, "title", "give the rubric a title");
        RuleFor(x => x.Items)
            .NotEmpty().Error("items", "is missing; a rubric needs at least one item");
        RuleForEach(x => x.Items).SetValidator(new RubricItemValidator(knownCheckIds)).When(x => x.Items is not null);
        RuleFor(x => x).Custom((rubric, context) =>
        {
            if (rubric.Items is not { Count: > 0 } items)
            {
                return;
            }

            var seen = new Dictionary<string, RubricItemDocument>(StringComparer.Ordinal);
            foreach (var item in items.Where(i => i.Id is not null))
            {
                if (!seen.TryAdd(item.Id!, item))
                {
                    context.AddFailure(CourseDocumentValidator.Failure(item.Source.Field("id"),
                        $"\"{item.Id}\" is already the id of the item on line {seen[item.Id!].Source["id"].Line}; ids must be unique"));
                }
            }

            if (items.All(i => i.Type is not null && i.Type != "regular"))
            {
                context.AddFailure(CourseDocumentValidator.Failure(rubric.Source.Field("items"),
                    "has no regular item, so the assignment would have no full marks; bonus and deduction items need regular items beside them"));
            }
        });
    }
}

internal sealed class RubricItemValidator : DocumentValidator<RubricItemDocument>
{
    public RubricItemValidator(IReadOnlySet<string> knownCheckIds)
    {
        Identifier(x => x.Id, "id", "give the item an id, unique within the rubric");
        Required(x => x.Description, "description", "say what the item rewards or deducts");
        Decimal(x => x.Points, "points", required: true, 0, 1000, minimumExclusive: true,
            "give the points (for a deduction, the points taken away)");
        OneOf(x => x.Kind, "kind", required: true, ConfigValues.RubricItemKinds, "say who scores the item");
        OneOf(x => x.Credit, "credit", required: false, ConfigValues.CreditRules, "");
        OneOf(x => x.Type, "type", required: false, ConfigValues.RubricItemTypes, "");

        RuleFor(x => x.Check)
            .NotEmpty().OnlyWhen(x => x.Kind == "auto")
            .Error("check", "is missing; an auto item must name the check that scores it (e.g. hw1.forward-pass)")
            .Must(check => knownCheckIds.Contains(check!)).OnlyWhen(x => x.Kind == "auto" && x.Check is not null)
            .Error("check", x => $"\"{x.Check}\" is not a known check{Suggest(x.Check!, knownCheckIds)}");
        RuleFor(x => x.Check)
            .Null().When(x => x.Kind == "manual")
            .Error("check", "does not apply here: a manual item is scored by a TA, not by a check (use kind: auto)");
    }

    private static string Suggest(string check, IReadOnlySet<string> known)
    {
        var prefix = check.Split('.')[0] + ".";
        var siblings = known.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        return siblings.Count == 0
            ? $"; no check starts with '{prefix}'"
            : $"; known checks starting with '{prefix}': {string.Join(", ", siblings)}";
    }
}

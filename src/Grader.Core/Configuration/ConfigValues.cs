using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Grader.Core.Configuration;

/// <summary>
/// How configuration text becomes values. The validators use the Try methods to report what does not parse; the binder
/// uses the same methods on documents that passed validation, so both always agree.
/// </summary>
public static class ConfigValues
{
    /// <summary>The form of every date in the configuration: local time in the course time zone.</summary>
    public const string DateTimeFormat = "yyyy-MM-dd HH:mm";

    private static readonly LocalDateTimePattern DateTimePattern = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm");

    public static readonly IReadOnlyDictionary<string, AssignmentKind> AssignmentKinds = new Dictionary<string, AssignmentKind>
    {
        ["autograded-code"] = AssignmentKind.AutogradedCode,
        ["document"] = AssignmentKind.Document,
        ["presentation"] = AssignmentKind.Presentation,
    };

    public static readonly IReadOnlyDictionary<string, Participation> Participations = new Dictionary<string, Participation>
    {
        ["individual"] = Participation.Individual,
        ["team"] = Participation.Team,
    };

    public static readonly IReadOnlyDictionary<string, SubmissionForm> SubmissionForms = new Dictionary<string, SubmissionForm>
    {
        ["github-classroom"] = SubmissionForm.GitHubClassroom,
        ["zip-upload"] = SubmissionForm.ZipUpload,
        ["pdf-upload"] = SubmissionForm.PdfUpload,
        ["in-class"] = SubmissionForm.InClass,
    };

    public static readonly IReadOnlyDictionary<string, LatePolicyKind> LatePolicyKinds = new Dictionary<string, LatePolicyKind>
    {
        ["no-credit"] = LatePolicyKind.NoCredit,
        ["per-day-penalty"] = LatePolicyKind.PerDayPenalty,
    };

    public static readonly IReadOnlyDictionary<string, CountingRule> CountingRules = new Dictionary<string, CountingRule>
    {
        ["latest-on-time"] = CountingRule.LatestOnTime,
        ["latest"] = CountingRule.Latest,
        ["best"] = CountingRule.Best,
    };

    public static readonly IReadOnlyDictionary<string, BonusCarryOver> BonusCarryOvers = new Dictionary<string, BonusCarryOver>
    {
        ["never"] = BonusCarryOver.Never,
        ["fail-to-pass"] = BonusCarryOver.FailToPass,
    };

    public static readonly IReadOnlyDictionary<string, PlagiarismAction> PlagiarismActions = new Dictionary<string, PlagiarismAction>
    {
        ["zero-assignment"] = PlagiarismAction.ZeroAssignment,
        ["fail-course"] = PlagiarismAction.FailCourse,
    };

    public static readonly IReadOnlyDictionary<string, RubricItemKind> RubricItemKinds = new Dictionary<string, RubricItemKind>
    {
        ["auto"] = RubricItemKind.Auto,
        ["manual"] = RubricItemKind.Manual,
    };

    public static readonly IReadOnlyDictionary<string, CreditRule> CreditRules = new Dictionary<string, CreditRule>
    {
        ["all-or-nothing"] = CreditRule.AllOrNothing,
        ["proportional"] = CreditRule.Proportional,
    };

    public static readonly IReadOnlyDictionary<string, RubricItemType> RubricItemTypes = new Dictionary<string, RubricItemType>
    {
        ["regular"] = RubricItemType.Regular,
        ["deduction"] = RubricItemType.Deduction,
        ["bonus"] = RubricItemType.Bonus,
    };

    public static readonly IReadOnlyDictionary<string, ForbiddenFeature> ForbiddenFeatures = new Dictionary<string, ForbiddenFeature>
    {
        ["autograd"] = ForbiddenFeature.Autograd,
        ["threads"] = ForbiddenFeature.Threads,
    };

    public static bool TryDecimal(string? text, out decimal value) =>
        decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);

    public static bool TryInteger(string? text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static bool TryBoolean(string? text, out bool value)
    {
        switch (text)
        {
            case "true" or "True" or "yes":
                value = true;
                return true;
            case "false" or "False" or "no":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    public static bool TryLocalDateTime(string? text, out LocalDateTime value)
    {
        var result = DateTimePattern.Parse(text ?? "");
        value = result.Success ? result.Value : default;
        return result.Success;
    }

    public static DateTimeZone? TimeZoneOrNull(string? id) => id is null ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);

    /// <summary>Why a local time cannot serve as a deadline in <paramref name="zone"/>, or null when it can.</summary>
    public static string? DaylightSavingProblem(LocalDateTime local, DateTimeZone zone)
    {
        var mapping = zone.MapLocal(local);
        return mapping.Count switch
        {
            0 => $"does not exist in {zone.Id}: the clocks skip that hour for daylight saving time",
            > 1 => $"happens twice in {zone.Id} (the clocks go back that night), so the deadline would be ambiguous",
            _ => null,
        };
    }

    public static string Format(LocalDateTime local) => DateTimePattern.Format(local);

    public static T Enum<T>(IReadOnlyDictionary<string, T> names, string text) => names[text];
}

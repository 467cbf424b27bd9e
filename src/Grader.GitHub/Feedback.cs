using System.Globalization;
using System.Text;
using Grader.Core.Reports;

namespace Grader.GitHub;

/// <summary>One rubric line of the feedback; <see cref="OverriddenByTa"/> when a TA's decision replaced the grader's.</summary>
public sealed record FeedbackItem(string Id, string Description, decimal Points, decimal Max, string Status, string Reason, bool OverriddenByTa = false);

/// <summary>
/// What goes back to GitHub for one graded commit: the numbers and reasons of the grading report, with TA overrides
/// applied by the caller (<see cref="WithOverride"/>). Rendered as a commit status and as one comment that is updated in
/// place, found again by its hidden <see cref="Marker"/>.
/// </summary>
public sealed record FeedbackContent(
    string AssignmentId,
    string AssignmentTitle,
    string Sha,
    decimal Total,
    decimal Max,
    bool Provisional,
    GradingOutcome Outcome,
    string Summary,
    IReadOnlyList<FeedbackItem> Items,
    IReadOnlyList<string> Notes)
{
    public static FeedbackContent FromReport(GradingReport report, string assignmentTitle, string sha)
    {
        ArgumentNullException.ThrowIfNull(report);
        var notes = report.CompilerMessages.Where(m => m.Severity == "error").Take(10).Select(m => $"{m.Where}: {m.Id} {m.Message}")
            .Concat(report.PolicyFindings.Take(10).Select(f => $"{f.Where}: {f.Api}: {f.Reason}"))
            .ToList();
        return new FeedbackContent(report.Assignment, assignmentTitle, sha, report.Total, report.Max, report.Provisional, report.Outcome, report.Summary,
            report.Items.Select(i => new FeedbackItem(i.Id, i.Description, i.Points, i.Max, i.Status, i.Reason)).ToList(), notes);
    }

    /// <summary>A TA's override of one item; the total moves by the difference.</summary>
    public FeedbackContent WithOverride(string itemId, decimal points, string comment)
    {
        var item = Items.FirstOrDefault(i => i.Id == itemId) ?? throw new KeyNotFoundException($"The feedback has no rubric item '{itemId}'.");
        var changed = item with { Points = points, Reason = comment, Status = "reviewed", OverriddenByTa = true };
        return this with
        {
            Items = Items.Select(i => i.Id == itemId ? changed : i).ToList(),
            Total = Total - item.Points + points,
        };
    }

    /// <summary>The hidden first line that identifies Grader's comment for this assignment, so it is edited instead of posted again.</summary>
    public string Marker => MarkerFor(AssignmentId);

    public static string MarkerFor(string assignmentId) => $"<!-- grader-feedback:{assignmentId} -->";

    /// <summary>The commit status context: one status per assignment.</summary>
    public string StatusContext => $"grader/{AssignmentId}";

    public string StatusDescription
    {
        get
        {
            string score = $"{Number(Total)}/{Number(Max)}";
            string text = Outcome switch
            {
                GradingOutcome.CompileFailed => $"{score}: does not compile",
                GradingOutcome.PolicyRejected => $"{score}: uses a forbidden API",
                GradingOutcome.IntakeRefused => $"{score}: submission refused",
                _ => Provisional ? $"{score} (provisional: waiting for TA review)" : $"{score}",
            };
            return text.Length <= 140 ? text : text[..140];
        }
    }

    /// <summary>success when the work was graded, failure when nothing could run.</summary>
    public bool IsSuccess => Outcome is GradingOutcome.Graded or GradingOutcome.PartiallyGraded;

    public string RenderComment()
    {
        var text = new StringBuilder();
        text.AppendLine(Marker);
        text.AppendLine(CultureInfo.InvariantCulture, $"## {AssignmentTitle}: {Number(Total)} / {Number(Max)}{(Provisional ? " (provisional)" : "")}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Graded commit `{Sha}`. {Summary}");
        text.AppendLine();
        text.AppendLine("| Item | Points | Max | Status | Reason |");
        text.AppendLine("|---|---:|---:|---|---|");
        foreach (var item in Items)
        {
            string status = item.OverriddenByTa ? $"{item.Status} (TA)" : item.Status;
            text.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(item.Description)} | {Number(item.Points)} | {Number(item.Max)} | {Cell(status)} | {Cell(item.Reason)} |");
        }

        if (Notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in Notes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        return text.ToString();
    }

    private static string Number(decimal value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>A table cell: pipes would split it and line breaks would end the row.</summary>
    private static string Cell(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings("<br>");
}

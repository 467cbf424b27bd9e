using System.Globalization;
using System.Text;
using Grader.Core.Configuration;
using Grader.Core.Grading;

namespace Grader.Web.Export;

/// <summary>The gradebook as CSV (RFC 4180, invariant culture, numbers with two decimals).</summary>
public static class GradebookCsv
{
    /// <summary>
    /// One row per student: each component's percent and weighted points, then the engine's final grade. The letter is
    /// left blank while the grade is in progress (state), as on the gradebook page; final_percent then counts work
    /// still to come as zero, and current_percent is the grade on graded work.
    /// </summary>
    public static string Plain(CourseTree tree, IReadOnlyList<FinalGrade> grades)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(grades);
        var names = tree.Roster.ToDictionary(s => s.Identifier, s => s.Name, StringComparer.Ordinal);
        var header = new List<string> { "student_id", "name" };
        foreach (var component in tree.Course.Components)
        {
            header.Add($"{component.AssignmentId}_percent");
            header.Add($"{component.AssignmentId}_weighted");
        }

        header.AddRange(["base_percent", "carried_bonus", "final_percent", "letter", "passed", "provisional", "current_percent", "projected_percent", "state"]);
        var csv = new StringBuilder();
        AppendRow(csv, header);
        foreach (var grade in grades)
        {
            var row = new List<string> { grade.StudentId, names.GetValueOrDefault(grade.StudentId, "") };
            foreach (var component in grade.Components)
            {
                row.Add(Number(component.Assignment.Percent));
                row.Add(Number(component.WeightedPoints));
            }

            row.AddRange([Number(grade.BasePercent), Number(grade.CarriedBonus), Number(grade.FinalPercent), grade.LetterIfFinal ?? "",
                grade.Passed ? "yes" : "no", grade.IsProvisional ? "yes" : "no", Number(grade.CurrentPercentOnGradedWork), Number(grade.Projection?.Percent), grade.State]);
            AppendRow(csv, row);
        }

        return csv.ToString();
    }

    /// <summary>
    /// Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, one column per assignment in points,
    /// a "Points Possible" row first, then Canvas's own read-only columns (which its import ignores): the current score
    /// on graded work, and the final score and letter only once the grade is final ("in progress" in the letter's place
    /// and no final score before, as on the gradebook page). Canvas matches rows by SIS Login ID (the netid).
    /// </summary>
    public static string Canvas(CourseTree tree, IReadOnlyList<FinalGrade> grades)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(grades);
        var names = tree.Roster.ToDictionary(s => s.Identifier, s => s.Name, StringComparer.Ordinal);
        var assignments = tree.Course.Components.Select(c => tree.Assignment(c.AssignmentId)).ToList();
        var csv = new StringBuilder();
        AppendRow(csv, ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", .. assignments.Select(a => $"{a.Title} ({a.Id})"),
            "Current Score", "Final Score", "Final Grade"]);
        AppendRow(csv, ["Points Possible", "", "", "", "", .. assignments.Select(a => Number(tree.RubricFor(a.Id).FullMarks)), "100.00", "100.00", ""]);
        foreach (var grade in grades)
        {
            AppendRow(csv, [names.GetValueOrDefault(grade.StudentId, grade.StudentId), "", grade.StudentId, grade.StudentId, tree.Course.Code,
                .. grade.Components.Select(c => Number(c.Assignment.Score)), Number(grade.CurrentPercentOnGradedWork),
                grade.IsProvisional ? "" : Number(grade.FinalPercent), grade.IsProvisional ? grade.State : grade.Letter ?? ""]);
        }

        return csv.ToString();
    }

    /// <summary>
    /// One row per student of an assignment whose submission counts (the bulk download's scores.csv): the engine's
    /// score and state in words, and the folder of the download that holds the submission and its report.
    /// </summary>
    public static string AssignmentScores(CourseTree tree, IEnumerable<(AssignmentGrade Grade, long SubmissionId, string Folder, string FileName)> rows)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(rows);
        var names = tree.Roster.ToDictionary(s => s.Identifier, s => s.Name, StringComparer.Ordinal);
        var csv = new StringBuilder();
        AppendRow(csv, ["student_id", "name", "submission_id", "folder", "file", "score", "full_marks", "percent", "late", "state"]);
        foreach (var (grade, submissionId, folder, fileName) in rows)
        {
            AppendRow(csv, [grade.SubmitterId, names.GetValueOrDefault(grade.SubmitterId, ""), submissionId.ToString(CultureInfo.InvariantCulture), folder, fileName,
                Number(grade.Score), Number(grade.FullMarks), Number(grade.Percent), grade.Late?.IsLate == true ? "yes" : "no", grade.State]);
        }

        return csv.ToString();
    }

    private static string Number(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>A number, or an empty field where the engine has none.</summary>
    private static string Number(decimal? value) => value is { } number ? Number(number) : "";

    private static void AppendRow(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.Append(string.Join(',', fields.Select(Escape)));
        csv.Append("\r\n");
    }

    private static string Escape(string field)
    {
        // A field a spreadsheet would run as a formula (a student's file name "=HYPERLINK(...)") is kept as text.
        if (field.Length > 0 && field[0] is '=' or '+' or '@' or '\t' or '\r' || (field.Length > 1 && field[0] == '-' && !char.IsDigit(field[1])))
        {
            field = "'" + field;
        }

        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;
    }
}

using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Grader.Web.Tests.Http;

/// <summary>
/// One grade per (student, assignment), from the policy engine, the same on the student's dashboard, the page of the
/// submission that counts, the student's course-grade page, the gradebook, the JSON API (the instructor's gradebook and
/// the student's submissions) and the CSV export: checked for every student's HW1 in the demo term (the only graded work
/// on the demo clock). HW1 has 100 full marks, so its score and its percent are the same number. The current grade on
/// graded work is the same on the gradebook, the course-grade page, the CSV and the API.
/// </summary>
public sealed class OneGradeEverywhereTests
{
    private static string Text(string html) => WebUtility.HtmlDecode(Regex.Replace(html, "<[^>]+>", "")).Trim();

    [Test]
    public async Task Every_page_and_the_export_show_the_same_hw1_grade_for_every_demo_student()
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        string gradebook = await instructor.GetStringAsync("/Instructor/Gradebook");
        var csv = (await instructor.GetStringAsync("/api/gradebook.csv")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(',')).ToList();
        int percentColumn = Array.IndexOf(csv[0], "hw1-mlp_percent");
        int currentColumn = Array.IndexOf(csv[0], "current_percent");
        var students = csv.Skip(1).Select(r => r[0]).ToList();
        using var api = System.Text.Json.JsonDocument.Parse(await instructor.GetStringAsync("/api/gradebook"));
        System.Text.Json.JsonElement ApiRow(string student) => api.RootElement.EnumerateArray().Single(r => r.GetProperty("studentId").GetString() == student);
        decimal InApi(string student) => ApiRow(student)
            .GetProperty("components").EnumerateArray().Single(c => c.GetProperty("assignmentId").GetString() == "hw1-mlp").GetProperty("score").GetDecimal();
        Assert.That(students, Has.Count.EqualTo(30));

        var disagreements = new List<string>();
        foreach (string student in students)
        {
            string row = gradebook[gradebook.IndexOf($"id=\"student-{student}\"", StringComparison.Ordinal)..];
            row = row[..row.IndexOf("</tr>", StringComparison.Ordinal)];
            decimal inGradebook = decimal.Parse(Regex.Match(row, "data-assignment=\"hw1-mlp\">([0-9.]+)%\\*?</td>").Groups[1].Value, CultureInfo.InvariantCulture);
            decimal inCsv = decimal.Parse(csv.Single(r => r[0] == student)[percentColumn], CultureInfo.InvariantCulture);
            decimal currentInGradebook = decimal.Parse(Regex.Match(row, "<td class=\"current\">([0-9.]+)%</td>").Groups[1].Value, CultureInfo.InvariantCulture);
            decimal currentInCsv = decimal.Parse(csv.Single(r => r[0] == student)[currentColumn], CultureInfo.InvariantCulture);
            decimal currentInApi = ApiRow(student).GetProperty("currentPercent").GetDecimal();

            using var client = await AppFixture.App.ClientAsync(student);
            string dashboard = await client.GetStringAsync("/Student");
            string hw1Row = dashboard[dashboard.IndexOf("HW1: Back-propagation and MLP</td>", StringComparison.Ordinal)..];
            hw1Row = hw1Row[..hw1Row.IndexOf("</tr>", StringComparison.Ordinal)];
            string cell = Text(Regex.Match(hw1Row, "<td class=\"grade\">(.*?)</td>", RegexOptions.Singleline).Groups[1].Value);
            decimal onDashboard = decimal.Parse(cell[..cell.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            string state = cell[(cell.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();

            string counted = Regex.Match(hw1Row, "class=\"counted\" href=\"(/Submissions/[0-9]+)\"").Groups[1].Value;
            string page = await client.GetStringAsync(counted);
            string total = Text(Regex.Match(page, "<p id=\"total\">(.*?)</p>", RegexOptions.Singleline).Groups[1].Value);
            decimal onSubmissionPage = decimal.Parse(total[..total.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);

            using var mine = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/api/submissions"));
            var countedRow = mine.RootElement.EnumerateArray().Single(r => r.GetProperty("assignmentId").GetString() == "hw1-mlp" && r.GetProperty("counts").GetBoolean());
            decimal inStudentsApi = countedRow.GetProperty("score").GetDecimal();
            string apiState = countedRow.GetProperty("state").GetString()!;

            string coursePage = await client.GetStringAsync("/Student/Grade");
            string hw1Line = Regex.Match(coursePage, "<tr id=\"component-hw1-mlp\">(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value;
            string score = Text(Regex.Match(hw1Line, "<td class=\"score\">(.*?)</td>", RegexOptions.Singleline).Groups[1].Value);
            decimal onCoursePage = decimal.Parse(score[..score.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            string coursePageState = Text(Regex.Match(hw1Line, "<td class=\"state\">(.*?)</td>", RegexOptions.Singleline).Groups[1].Value);
            decimal currentOnCoursePage = decimal.Parse(Regex.Match(coursePage, "<dd id=\"current\">([0-9.]+)%</dd>").Groups[1].Value, CultureInfo.InvariantCulture);

            if (new[] { inCsv, InApi(student), inStudentsApi, onDashboard, onSubmissionPage, onCoursePage }.Any(n => n != inGradebook)
                || !total.Contains(state, StringComparison.Ordinal) || apiState != state || coursePageState != state
                || $"/Submissions/{countedRow.GetProperty("id").GetInt64()}" != counted
                || new[] { currentInCsv, currentInApi, currentOnCoursePage }.Any(n => n != currentInGradebook))
            {
                disagreements.Add($"{student}: gradebook {inGradebook}, CSV {inCsv}, API {InApi(student)} and {inStudentsApi} ({apiState}), "
                    + $"dashboard {onDashboard} ({state}), submission page {onSubmissionPage} ({total}), course-grade page {onCoursePage} ({coursePageState}); "
                    + $"current: gradebook {currentInGradebook}, CSV {currentInCsv}, API {currentInApi}, course-grade page {currentOnCoursePage}");
            }
        }

        Assert.That(disagreements, Is.Empty);
    }
}

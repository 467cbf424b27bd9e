using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Project;

/// <summary>
/// A presentation scored by two TAs on their own: the newest score per TA counts, the item score is the mean, the
/// instructor sees the spread, and the gradebook uses the means.
/// </summary>
public sealed class PresentationPanelTests
{
    // The demo's team-dm0007 (dm0007 and dm0008); the demo scored only its proposal presentation.
    private const string Team = "team-dm0007";
    private const string Page = "/Ta/Presentations?assignment=project-paper-presentation";
    private const string Score = "/Ta/Presentations?handler=Score";

    private static Dictionary<string, string> Sheet(string problem, string results, string time, string comment = "") => Forms.Of(
        ("assignment", "project-paper-presentation"), ("TeamId", Team),
        ("Points[problem-and-methods]", problem), ("Points[results-and-discussion]", results), ("Points[time-and-questions]", time),
        ("Comments[problem-and-methods]", comment), ("Comments[results-and-discussion]", ""), ("Comments[time-and-questions]", ""));

    private static string Percent(string csv, string student)
    {
        var lines = csv.Split("\r\n");
        int column = Array.IndexOf(lines[0].Split(','), "project-paper-presentation_percent");
        return lines.Single(line => line.StartsWith(student + ",", StringComparison.Ordinal)).Split(',')[column];
    }

    [Test]
    public async Task TwoTasScoreTheMeanCountsAndTheInstructorSeesTheSpread()
    {
        using var ta1 = await ProjectAppFixture.App.ClientAsync("ta1");
        using var ta2 = await ProjectAppFixture.App.ClientAsync("ta2");
        using (var first = await ta1.PostFormAsync(Page, Score, Sheet("4", "3", "2", "clear problem statement")))
        {
            Forms.AssertRedirect(first, "ta1 scores");
        }

        // ta1 changes their mind on one item; the older score stays in the history.
        using (var revised = await ta1.PostFormAsync(Page, Score, Sheet("4", "2", "2", "clear problem statement")))
        {
            Forms.AssertRedirect(revised, "ta1 revises");
        }

        using (var second = await ta2.PostFormAsync(Page, Score, Sheet("3", "4", "1.5")))
        {
            Forms.AssertRedirect(second, "ta2 scores");
        }

        await using (var db = ProjectAppFixture.App.Database())
        {
            var rows = await db.PanelScores.Where(p => p.SubmitterId == Team && p.AssignmentId == "project-paper-presentation").OrderBy(p => p.Id).ToListAsync();
            // ta1: 3 items, then only the changed one again; ta2: 3 items.
            Assert.That(rows, Has.Count.EqualTo(7));
            Assert.That(rows.Where(p => p.ItemId == "results-and-discussion").Select(p => (p.ByName, p.Points)),
                Is.EqualTo(new[] { ("TA A. Assistant (demo)", 3m), ("TA A. Assistant (demo)", 2m), ("TA B. Assistant (demo)", 4m) }));
        }

        // A TA sees only their own scores.
        string ta2Page = WebUtility.HtmlDecode(await ta2.GetStringAsync(Page));
        Assert.That(ta2Page, Does.Not.Contain("TA A. Assistant (demo)"));
        Assert.That(ta2Page, Does.Contain("id=\"points-team-dm0007-time-and-questions\" name=\"Points[time-and-questions]\" type=\"number\" min=\"0\" max=\"2\" step=\"0.01\" value=\"1.5\""));

        // Means: (4+3)/2 = 3.5, (2+4)/2 = 3, (2+1.5)/2 = 1.75; totals ta1 8, ta2 8.5; mean total 8.25.
        // Default threshold 25% of the item: only results-and-discussion (2 vs 4, apart by 2 > 1) is flagged.
        using var instructor = await ProjectAppFixture.App.ClientAsync("instructor");
        string spread = WebUtility.HtmlDecode(await instructor.GetStringAsync(Page));
        Assert.That(spread, Does.Contain("Per TA: TA A. Assistant (demo) 8 (3 item(s)); TA B. Assistant (demo) 8.5 (3 item(s))."));
        Assert.That(spread, Does.Contain("Totals range 8–8.5; mean total 8.25."));
        Assert.That(spread, Does.Contain("Items where TAs disagree: results-and-discussion."));
        Assert.That(spread, Does.Contain("<td>3.5</td>").And.Contain("<td>1.75</td>"));

        // A stricter threshold (10%: 0.4 of a 4-point item, 0.2 of a 2-point one) flags every item that differs.
        string strict = WebUtility.HtmlDecode(await instructor.GetStringAsync(Page + "&threshold=10"));
        Assert.That(strict, Does.Contain("Items where TAs disagree: problem-and-methods, results-and-discussion, time-and-questions."));

        // The gradebook: 8.25 of 10 = 82.50% for both members.
        string csv = await instructor.GetStringAsync("/api/gradebook.csv");
        Assert.That((Percent(csv, "dm0007"), Percent(csv, "dm0008")), Is.EqualTo(("82.50", "82.50")));
    }

    [TestCase("5", "3", "2", "problem-and-methods: 5 is outside 0 to 4 points")]
    [TestCase("x", "3", "2", "problem-and-methods: 'x' is not a number of points.")]
    [TestCase("", "", "", "Enter points for at least one item.")]
    public async Task BadPointsAreRefusedAndNothingRecorded(string problem, string results, string time, string message)
    {
        using var ta = await ProjectAppFixture.App.ClientAsync("ta2");
        var form = Sheet(problem, results, time);
        form["TeamId"] = "team-dm0009";
        using var response = await ta.PostFormAsync(Page, Score, form);
        Assert.That(await Forms.ErrorsAsync(response), Does.Contain(message));
        await using var db = ProjectAppFixture.App.Database();
        Assert.That(await db.PanelScores.AnyAsync(p => p.SubmitterId == "team-dm0009"), Is.False);
    }

    [Test]
    public async Task AStudentCannotScoreAPresentation()
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0007");
        using var response = await student.PostFormAsync("/Student", Score, Sheet("4", "4", "2"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(response.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
    }
}

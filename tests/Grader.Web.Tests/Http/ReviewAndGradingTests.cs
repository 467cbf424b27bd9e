using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>TA overrides (recorded, never destructive, seen by the student), uploads graded by the job, the CSV export.</summary>
public sealed class ReviewAndGradingTests
{
    private static async Task<long> SubmissionOfAsync(string student)
    {
        await using var db = AppFixture.App.Database();
        return await db.Submissions.Where(s => s.SubmitterId == student).OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
    }

    [Test]
    public async Task OverridesKeepTheirHistoryAndTheStudentSeesThem()
    {
        // dm0020 is in the second half of the roster: the demo left its manual items to a TA.
        long id = await SubmissionOfAsync("dm0020");
        string page = $"/Submissions/{id}";
        using var ta1 = await AppFixture.App.ClientAsync("ta1");
        using var ta2 = await AppFixture.App.ClientAsync("ta2");

        using (var first = await ta1.PostFormAsync(page, $"{page}?handler=Override",
            new Dictionary<string, string> { ["ItemId"] = "training-curves", ["Points"] = "0", ["Comment"] = "No curves in the saved notebook." }))
        {
            Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        using (var second = await ta2.PostFormAsync(page, $"{page}?handler=Override",
            new Dictionary<string, string> { ["ItemId"] = "training-curves", ["Points"] = "10", ["Comment"] = "Curves are in cell 7 after all." }))
        {
            Assert.That(second.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = AppFixture.App.Database())
        {
            var history = await db.ItemOverrides.Where(o => o.SubmissionId == id && o.ItemId == "training-curves").OrderBy(o => o.Id).ToListAsync();
            Assert.That(history, Has.Count.EqualTo(2));
            Assert.Multiple(() =>
            {
                Assert.That(history[0].OldPoints, Is.Null, "the item was pending before the first decision");
                Assert.That(history[0].NewPoints, Is.EqualTo(0m));
                Assert.That(history[0].ByName, Does.Contain("TA A."));
                Assert.That(history[1].OldPoints, Is.EqualTo(0m));
                Assert.That(history[1].NewPoints, Is.EqualTo(10m));
                Assert.That(history[1].ByName, Does.Contain("TA B."));
                Assert.That(history[1].AtUtc, Is.GreaterThanOrEqualTo(history[0].AtUtc));
            });
        }

        using var student = await AppFixture.App.ClientAsync("dm0020");
        string seen = await student.GetStringAsync(page);
        Assert.That(seen, Does.Contain("No curves in the saved notebook."));
        Assert.That(seen, Does.Contain("Curves are in cell 7 after all."));
        Assert.That(seen, Does.Contain("10 / 10"), "the newest decision counts");
    }

    [Test]
    public async Task AnOverrideNeedsACommentAndPointsTheRubricAllows()
    {
        long id = await SubmissionOfAsync("dm0021");
        string page = $"/Submissions/{id}";
        using var ta = await AppFixture.App.ClientAsync("ta1");
        using (var noComment = await ta.PostFormAsync(page, $"{page}?handler=Override",
            new Dictionary<string, string> { ["ItemId"] = "sgd-step", ["Points"] = "10", ["Comment"] = " " }))
        {
            Assert.That(noComment.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await noComment.Content.ReadAsStringAsync(), Does.Contain("A comment is required"));
        }

        using (var halfOfAllOrNothing = await ta.PostFormAsync(page, $"{page}?handler=Override",
            new Dictionary<string, string> { ["ItemId"] = "sgd-step", ["Points"] = "5", ["Comment"] = "half" }))
        {
            Assert.That(await halfOfAllOrNothing.Content.ReadAsStringAsync(), Does.Contain("all-or-nothing"));
        }

        await using var db = AppFixture.App.Database();
        Assert.That(await db.ItemOverrides.AnyAsync(o => o.SubmissionId == id && o.ItemId == "sgd-step"), Is.False);
    }

    [Test]
    public async Task AnUploadIsStoredAndGradedByTheBackgroundJob()
    {
        // The model solution's notebook, zipped as the student would: graded by the Quartz job through the runner
        // (or its cached report for the same bytes).
        byte[] zip = Support.RunningApp.Hw1SolutionNotebookZip();

        using var student = await AppFixture.App.ClientAsync("dm0030");
        using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", "dm0030_hw1.zip", zip);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
        string page = response.Headers.Location!.ToString();

        string html = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            html = await student.GetStringAsync(page);
            if (html.Contains("graded: graded", StringComparison.Ordinal) || html.Contains("grading failed", StringComparison.Ordinal))
            {
                break;
            }
        }

        Assert.That(html, Does.Contain("graded: graded"), AppFixture.App.Log);
        Assert.That(html, Does.Contain("dm0030_hw1.zip"));
        Assert.That(html, Does.Contain("forward-pass"));
        Assert.That(html, Does.Contain("Late"), "uploaded on the demo clock's 2023-02-20, after HW1's 2023-02-16 deadline");
    }

    [Test]
    public async Task TheDemoLivesInsideTheTermOnItsClock()
    {
        // The demo clock (Course:Now unset, demo seeded) reads 2023-02-20: HW1 is past its deadline, the rest is not due.
        await using (var db = AppFixture.App.Database())
        {
            var decisions = await db.ItemOverrides.Where(o => o.Comment.StartsWith("Loss and accuracy curves are plotted")).Select(o => o.AtUtc).ToListAsync();
            Assert.That(decisions, Is.Not.Empty);
            Assert.That(decisions, Has.All.Matches<DateTime>(at => at > new DateTime(2023, 2, 16, 0, 0, 0, DateTimeKind.Utc) && at < new DateTime(2023, 2, 20, 0, 0, 0, DateTimeKind.Utc)),
                "demo TA decisions are dated the days after the deadline");
            var received = await db.Submissions.Where(s => s.Source == SubmissionSource.Demo).Select(s => s.ReceivedAtUtc).ToListAsync();
            Assert.That(received, Has.All.Matches<DateTime>(at => at.Year == 2023 && at.Month == 2));
        }

        using var instructor = await AppFixture.App.ClientAsync("instructor");
        string gradebook = await instructor.GetStringAsync("/Instructor/Gradebook");
        string row = gradebook[gradebook.IndexOf("id=\"student-dm0001\"", StringComparison.Ordinal)..];
        row = WebUtility.HtmlDecode(row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
        Assert.That(row, Does.Contain("data-assignment=\"hw1-mlp\">100%</td>"), "HW1 is graded and final");
        Assert.That(row, Does.Contain("data-assignment=\"hw2-cnn\">–*</td>"), "HW2 and later are not due yet: work still to come, not failed");
        Assert.That(row, Does.Contain("<td class=\"final\">in progress</td>"), "not called final while work is open");
        Assert.That(row, Does.Contain("<td class=\"current\">100.00%</td>"), "the current grade weighs only the graded work");
        Assert.That(row, Does.Contain("<td class=\"letter\"></td>").And.Not.Contain("so far"), "no \"F so far\" while work is not yet due");

        // The explanation is one click away, on the student's own final-grade page.
        string why = WebUtility.HtmlDecode(await instructor.GetStringAsync("/Instructor/FinalGrade?student=dm0001"));
        Assert.That(why, Does.Contain("Weighted total: 20.00 + 0.00").And.Contain("hw1-mlp: 100/100 = 100.00% × weight 20% = 20.00 points."));
    }

    [Test]
    public async Task TheCsvExportHasTheEngineNumbers()
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        string csv = await instructor.GetStringAsync("/api/gradebook.csv");
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',')).ToList();
        var header = rows[0].ToList();
        string[] Row(string student) => rows.Single(r => r[0] == student);

        // dm0001: the model solution on time, both manual items scored by the demo TA (curves 10, no deduction):
        // HW1 100% × weight 20 = 20.00; nothing else handed in, so the final is 20.00 so far. On the demo clock
        // (2023-02-20) nothing else is due yet, so the grade is provisional rather than a fail.
        var first = Row("dm0001");
        Assert.Multiple(() =>
        {
            Assert.That(first[header.IndexOf("hw1-mlp_percent")], Is.EqualTo("100.00"));
            Assert.That(first[header.IndexOf("hw1-mlp_weighted")], Is.EqualTo("20.00"));
            Assert.That(first[header.IndexOf("final_percent")], Is.EqualTo("20.00"));
            Assert.That(first[header.IndexOf("letter")], Is.Empty, "no letter while work is open: 20% would read as an F");
            Assert.That(first[header.IndexOf("provisional")], Is.EqualTo("yes"));
            Assert.That(first[header.IndexOf("state")], Is.EqualTo("in progress"));
            Assert.That(first[header.IndexOf("current_percent")], Is.EqualTo("100.00"));
            Assert.That(first[header.IndexOf("projected_percent")], Is.EqualTo("100.00"));
        });

        // dm0006 handed in the model solution 9 hours late: the syllabus gives late work no credit.
        Assert.That(Row("dm0006")[header.IndexOf("hw1-mlp_percent")], Is.EqualTo("0.00"));

        // The JSON gradebook carries the same engine numbers as the CSV.
        using var json = System.Text.Json.JsonDocument.Parse(await instructor.GetStringAsync("/api/gradebook?explain=true"));
        var firstJson = json.RootElement.EnumerateArray().Single(r => r.GetProperty("studentId").GetString() == "dm0001");
        var hw1 = firstJson.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("assignmentId").GetString() == "hw1-mlp");
        Assert.Multiple(() =>
        {
            Assert.That(firstJson.GetProperty("finalPercent").GetDecimal(), Is.EqualTo(20.00m));
            Assert.That(firstJson.GetProperty("isProvisional").GetBoolean(), Is.True);
            Assert.That(hw1.GetProperty("weightedPoints").GetDecimal(), Is.EqualTo(20.00m));
            Assert.That(hw1.GetProperty("score").GetDecimal(), Is.EqualTo(hw1.GetProperty("fullMarks").GetDecimal()));
            Assert.That(firstJson.GetProperty("explanation").EnumerateArray().Select(l => l.GetString()), Has.Some.StartsWith("Weighted total: 20.00"));
        });
        using var terse = System.Text.Json.JsonDocument.Parse(await instructor.GetStringAsync("/api/gradebook"));
        Assert.That(terse.RootElement[0].GetProperty("explanation").GetArrayLength(), Is.Zero, "explanations only when asked for");

        using var canvas = await instructor.GetAsync("/api/gradebook.csv?format=canvas");
        string canvasCsv = await canvas.Content.ReadAsStringAsync();
        Assert.That(canvasCsv, Does.StartWith("Student,ID,SIS User ID,SIS Login ID,Section,"));
        Assert.That(canvasCsv, Does.Contain("Points Possible"));
        // Canvas: the current score on graded work, and neither a final score nor a letter while work is open.
        var canvasRows = canvasCsv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',')).ToList();
        var canvasHeader = canvasRows[0].ToList();
        var canvasFirst = canvasRows.Single(r => r.Length > 3 && r[3] == "dm0001");
        Assert.Multiple(() =>
        {
            Assert.That(canvasFirst[canvasHeader.IndexOf("Current Score")], Is.EqualTo("100.00"));
            Assert.That(canvasFirst[canvasHeader.IndexOf("Final Score")], Is.Empty);
            Assert.That(canvasFirst[canvasHeader.IndexOf("Final Grade")], Is.EqualTo("in progress"));
            Assert.That(canvasRows.Skip(2).Select(r => r[canvasHeader.IndexOf("Final Grade")]), Has.All.EqualTo("in progress"), "the demo term is mid-term for everyone");
        });
    }
}

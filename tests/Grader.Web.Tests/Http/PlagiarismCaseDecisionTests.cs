using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Grader.Data;
using WebClient = Grader.Web.Tests.Support.WebClient;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>
/// An instructor's decisions on a plagiarism case: confirming asks first (showing what the policy will do, from the
/// policy engine) and needs a note; a confirmed case can be reopened or overturned, each with a note, by the instructor
/// only; every decision stays in the case's history; and the grade follows on every reading of it.
/// </summary>
public sealed class PlagiarismCaseDecisionTests
{
    private const string Suspect = "dm0023";
    private const string Other = "dm0009";

    private static Dictionary<string, string> Form(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    private static async Task<long> Hw1SubmissionOfAsync(string student)
    {
        await using var db = AppFixture.App.Database();
        return await db.Submissions.Where(s => s.SubmitterId == student && s.AssignmentId == "hw1-mlp").OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
    }

    /// <summary>The suspect's HW1 percent in the gradebook CSV.</summary>
    private static async Task<string> Hw1PercentAsync(WebClient instructor)
    {
        var lines = (await instructor.GetStringAsync("/api/gradebook.csv")).Split("\r\n");
        int column = Array.IndexOf(lines[0].Split(','), "hw1-mlp_percent");
        return lines.Single(line => line.StartsWith($"{Suspect},", StringComparison.Ordinal)).Split(',')[column];
    }

    /// <summary>The grade cell of HW1 on the student's own page, whitespace collapsed.</summary>
    private static async Task<string> StudentHw1GradeAsync()
    {
        using var student = await AppFixture.App.ClientAsync(Suspect);
        string page = WebUtility.HtmlDecode(await student.GetStringAsync("/Student"));
        var cell = Regex.Match(page, @"<td>HW1[^<]*</td>.*?<td class=""grade"">(.*?)</td>", RegexOptions.Singleline);
        Assert.That(cell.Success, Is.True, "the student's page has an HW1 row with a grade");
        return Regex.Replace(cell.Groups[1].Value, @"\s+", " ").Trim();
    }

    private static async Task<HttpResponseMessage> DecideAsync(WebClient client, string tokenPage, string handler, long caseId, string note, bool confirmationGiven = false)
    {
        var form = Form(("CaseId", caseId.ToString(CultureInfo.InvariantCulture)), ("DecisionNote", note));
        if (confirmationGiven)
        {
            form["ConfirmationGiven"] = "true";
        }

        return await client.PostFormAsync(tokenPage, $"/Ta/Similarity?handler={handler}", form);
    }

    [Test]
    public async Task Confirming_asks_first_and_a_confirmed_case_is_reopened_confirmed_again_and_overturned_with_its_history_kept()
    {
        long suspect = await Hw1SubmissionOfAsync(Suspect);
        long other = await Hw1SubmissionOfAsync(Other);
        using var ta = await AppFixture.App.ClientAsync("ta1");
        using (var opened = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Open",
            Form(("SubmissionId", $"{suspect}"), ("OtherSubmissionId", $"{other}"), ("SimilarityPercent", "97"), ("Summary", "the same <b>odd</b> helper"))))
        {
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        long caseId;
        await using (var db = AppFixture.App.Database())
        {
            caseId = await db.SimilarityCases.Where(c => c.StudentIdentifier == Suspect).Select(c => c.Id).SingleAsync();
        }

        string zeroState = $"zero: confirmed plagiarism case #{caseId}";
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        string before = await Hw1PercentAsync(instructor);
        string gradeBefore = await StudentHw1GradeAsync();
        Assert.That(before, Is.Not.EqualTo("0.00"));

        // 1. Confirm without a note: refused. With a note: the first step only asks, with the engine's consequence.
        using (var noNote = await DecideAsync(instructor, "/Ta/Similarity", "Confirm", caseId, "  "))
        {
            Assert.That(WebUtility.HtmlDecode(await noNote.Content.ReadAsStringAsync()), Does.Contain($"A note is required to have case {caseId} confirmed"));
        }

        using (var asked = await DecideAsync(instructor, "/Ta/Similarity", "Confirm", caseId, "admitted <script>x</script>"))
        {
            string page = await asked.Content.ReadAsStringAsync();
            string text = Regex.Replace(WebUtility.HtmlDecode(page), @"\s+", " ");
            Assert.Multiple(() =>
            {
                Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
                Assert.That(text, Does.Contain($"Confirm case #{caseId}?"));
                Assert.That(text, Does.Contain($"becomes 0 / 100 ({zeroState})"));
                Assert.That(page, Does.Contain("id=\"confirm-given\""));
                Assert.That(page, Does.Not.Contain("<script>x</script>"), "the note is escaped");
            });
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo(before), "asking changes nothing");

        // 2. The TA cannot confirm; the instructor does, and every reading of the grade follows.
        using (var taConfirms = await DecideAsync(ta, "/Ta/Similarity", "Confirm", caseId, "me too", confirmationGiven: true))
        {
            Assert.That(taConfirms.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        using (var confirmed = await DecideAsync(instructor, "/Ta/Similarity", "Confirm", caseId, "admitted in the meeting", confirmationGiven: true))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo("0.00"));
        Assert.That(await StudentHw1GradeAsync(), Is.EqualTo($"0 / 100: {zeroState}"));

        // 3. Reopen: only the instructor, only with a note; the zero goes away while the case is open.
        using (var taReopens = await DecideAsync(ta, "/Ta/Similarity", "Reopen", caseId, "new evidence"))
        {
            Assert.That(taReopens.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        using (var noNote = await DecideAsync(instructor, "/Ta/Similarity", "Reopen", caseId, ""))
        {
            Assert.That(WebUtility.HtmlDecode(await noNote.Content.ReadAsStringAsync()), Does.Contain($"A note is required to have case {caseId} reopened"));
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo("0.00"), "a refused reopen changes nothing");
        using (var reopened = await DecideAsync(instructor, "/Ta/Similarity", "Reopen", caseId, "the student appealed with new evidence"))
        {
            Assert.That(reopened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo(before));
        Assert.That(await StudentHw1GradeAsync(), Is.EqualTo(gradeBefore));

        // 4. Confirmed again, then overturned: the zero comes and goes; an overturned case is closed.
        using (var again = await DecideAsync(instructor, "/Ta/Similarity", "Confirm", caseId, "the appeal hearing upheld it", confirmationGiven: true))
        {
            Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo("0.00"));
        using (var overturned = await DecideAsync(instructor, "/Ta/Similarity", "Overturn", caseId, "the dean overturned it: shared study notes"))
        {
            Assert.That(overturned.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        Assert.That(await Hw1PercentAsync(instructor), Is.EqualTo(before));
        Assert.That(await StudentHw1GradeAsync(), Is.EqualTo(gradeBefore));
        using (var reopenClosed = await DecideAsync(instructor, "/Ta/Similarity", "Reopen", caseId, "once more"))
        {
            Assert.That(WebUtility.HtmlDecode(await reopenClosed.Content.ReadAsStringAsync()), Does.Contain($"Case {caseId} is not confirmed; only a confirmed case can be reopened."));
        }

        // 5. Every decision is on record, with who, when (course clock) and why, and on the page.
        await using (var db = AppFixture.App.Database())
        {
            var history = await db.SimilarityCaseDecisions.AsNoTracking().Where(d => d.CaseId == caseId).OrderBy(d => d.Id).ToListAsync();
            Assert.That(history.Select(d => (d.Kind, d.Note)), Is.EqualTo(new[]
            {
                (SimilarityCaseDecisionKind.Confirmed, "admitted in the meeting"),
                (SimilarityCaseDecisionKind.Reopened, "the student appealed with new evidence"),
                (SimilarityCaseDecisionKind.Confirmed, "the appeal hearing upheld it"),
                (SimilarityCaseDecisionKind.Overturned, "the dean overturned it: shared study notes"),
            }));
            Assert.That(history.Select(d => (d.ByName, d.AtUtc.Year)), Has.All.EqualTo(("Dr. Iris Instructor (demo)", 2023)));
            var closed = await db.SimilarityCases.AsNoTracking().SingleAsync(c => c.Id == caseId);
            Assert.That((closed.ConfirmedAtUtc, closed.DismissedAtUtc is null), Is.EqualTo(((DateTime?)null, false)));
        }

        string casesPage = Regex.Replace(WebUtility.HtmlDecode(await instructor.GetStringAsync("/Ta/Similarity")), @"\s+", " ");
        string row = Regex.Match(casesPage, $@"<tr id=""case-{caseId}"">.*?</tr>").Value;
        Assert.Multiple(() =>
        {
            Assert.That(row, Does.Contain("<strong>overturned</strong> <span>by Dr. Iris Instructor (demo)"));
            Assert.That(row, Does.Contain("<li>confirmed by Dr. Iris Instructor (demo), 2023-").And.Contain("admitted in the meeting</li>"));
            Assert.That(row, Does.Contain("<li>reopened by Dr. Iris Instructor (demo), 2023-").And.Contain("the student appealed with new evidence</li>"));
            Assert.That(row, Does.Contain("<li>overturned by Dr. Iris Instructor (demo), 2023-"));
            Assert.That(row, Does.Not.Contain("aria-label=\"Reopen case"), "an overturned case offers no more decisions");
        });
    }
}

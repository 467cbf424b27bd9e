using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>
/// The staff forms: extensions, similarity cases and contribution findings. Each is used by the role it is for, and
/// refused (with nothing recorded) to a stranger, a student and, where it is the instructor's, a TA.
/// </summary>
public sealed class StaffFormsTests
{
    private static Dictionary<string, string> Form(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    /// <summary>A page each caller may open, for its antiforgery token (the layout's sign-out form, or the sign-in form).</summary>
    private static string TokenPageOf(string? user) => user switch
    {
        null => "/Account/Login",
        "ta1" or "ta2" or "instructor" => "/Ta/Queue",
        _ => "/Student",
    };

    private static void AssertRefused(HttpResponseMessage response, string? user)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"{user ?? "stranger"} was not refused");
        Assert.That(response.Headers.Location?.ToString(), Does.Contain(user is null ? "/Account/Login" : "/Account/AccessDenied"));
    }

    private static async Task<long> SubmissionOfAsync(string student)
    {
        await using var db = AppFixture.App.Database();
        return await db.Submissions.Where(s => s.SubmitterId == student && s.AssignmentId == "hw1-mlp").OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
    }

    [Test]
    public async Task TheInstructorGrantsAnExtensionTheStudentSeesItAndARevokeTakesItBack()
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using (var granted = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", "dm0010"), ("AssignmentId", "hw2-cnn"), ("Days", "3"), ("Reason", "family emergency"))))
        {
            Assert.That(granted.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        ExtensionRecord extension;
        await using (var db = AppFixture.App.Database())
        {
            extension = await db.Extensions.SingleAsync(e => e.SubmitterId == "dm0010" && e.AssignmentId == "hw2-cnn");
        }

        Assert.Multiple(() =>
        {
            Assert.That(extension.Days, Is.EqualTo(3));
            Assert.That(extension.Reason, Is.EqualTo("family emergency"));
            Assert.That(extension.GrantedByName, Does.Contain("Instructor"));
            Assert.That(extension.GrantedAtUtc.Year, Is.EqualTo(2023), "recorded on the course clock, inside the demo term");
        });

        using var student = await AppFixture.App.ClientAsync("dm0010");
        string page = await student.GetStringAsync("/Student");
        // HW2 is due 2023-03-23 23:59 New York; three days later is 2023-03-26 23:59 EDT (daylight saving time by then).
        Assert.That(page, Does.Contain("Extension: 3 days, due 2023-03-26 23:59 EDT (family emergency"));

        using (var revoked = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Revoke",
            Form(("ExtensionId", extension.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("RevokeReason", "granted in error"))))
        {
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = AppFixture.App.Database())
        {
            // Never deleted: the row stays, stamped.
            var after = await db.Extensions.SingleAsync(e => e.Id == extension.Id);
            Assert.That(after.RevokedAtUtc?.Year, Is.EqualTo(2023));
            Assert.That(after.RevokeReason, Is.EqualTo("granted in error"));
        }

        Assert.That(await student.GetStringAsync("/Student"), Does.Not.Contain("family emergency"));
        Assert.That(AppFixture.App.Log, Does.Contain("revoked the 3-day extension of dm0010 on hw2-cnn"), "the audit log keeps the revoked grant");
    }

    [TestCase("dm0011", "hw2-cnn", "0", "x", "Days must be a whole number from 1 to 60")]
    [TestCase("dm0011", "hw2-cnn", "2", " ", "A reason is required")]
    [TestCase("nobody", "hw2-cnn", "2", "x", "'nobody' is neither a student on the roster nor a team")]
    [TestCase("dm0011", "hw9", "2", "x", "There is no assignment 'hw9'")]
    public async Task AnExtensionWithBadFieldsIsRefusedWithTheReason(string submitter, string assignment, string days, string reason, string message)
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using var response = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", submitter), ("AssignmentId", assignment), ("Days", days), ("Reason", reason)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), Does.Contain(message));
        await using var db = AppFixture.App.Database();
        Assert.That(await db.Extensions.AnyAsync(e => e.SubmitterId == submitter && e.AssignmentId == assignment), Is.False);
    }

    [TestCase(null)]
    [TestCase("dm0012")]
    [TestCase("ta1")]
    public async Task OnlyTheInstructorGrantsOrRevokesExtensions(string? user)
    {
        using var client = await AppFixture.App.ClientAsync(user);
        using (var grant = await client.PostFormAsync(TokenPageOf(user), "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", "dm0012"), ("AssignmentId", "hw3-rnn"), ("Days", "7"), ("Reason", "self-granted"))))
        {
            AssertRefused(grant, user);
        }

        // dm0017's seeded HW1 extension stays.
        long seeded;
        await using (var db = AppFixture.App.Database())
        {
            seeded = await db.Extensions.Where(e => e.SubmitterId == "dm0017" && e.RevokedAtUtc == null).Select(e => e.Id).SingleAsync();
        }

        using (var revoke = await client.PostFormAsync(TokenPageOf(user), "/Instructor/Extensions?handler=Revoke",
            Form(("ExtensionId", seeded.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("RevokeReason", "self-revoked"))))
        {
            AssertRefused(revoke, user);
        }

        await using (var db = AppFixture.App.Database())
        {
            Assert.That(await db.Extensions.AnyAsync(e => e.Reason == "self-granted"), Is.False);
            Assert.That(await db.Extensions.AnyAsync(e => e.Id == seeded && e.RevokedAtUtc == null), Is.True);
        }
    }

    [Test]
    public async Task ATaOpensACaseOnlyTheInstructorConfirmsItAndTheGradebookAppliesIt()
    {
        long copy = await SubmissionOfAsync("dm0013");
        long original = await SubmissionOfAsync("dm0014");
        using var ta = await AppFixture.App.ClientAsync("ta1");
        using (var opened = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Open",
            Form(("SubmissionId", $"{copy}"), ("OtherSubmissionId", $"{original}"), ("SimilarityPercent", "93.5"), ("Summary", "same helper names and comments"))))
        {
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        SimilarityCase found;
        await using (var db = AppFixture.App.Database())
        {
            found = await db.SimilarityCases.SingleAsync(c => c.StudentIdentifier == "dm0013");
        }

        Assert.Multiple(() =>
        {
            Assert.That(found.OtherStudentIdentifier, Is.EqualTo("dm0014"));
            Assert.That(found.AssignmentId, Is.EqualTo("hw1-mlp"));
            Assert.That(found.Similarity, Is.EqualTo(0.935).Within(1e-9));
            Assert.That(found.Summary, Does.Contain("same helper names and comments"));
            Assert.That(found.ConfirmedAtUtc, Is.Null);
        });

        string caseId = found.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(await ta.GetStringAsync("/Ta/Similarity"), Does.Contain($"#{caseId}").And.Not.Contain($"Confirm case {caseId}"), "a TA sees the case but no confirm button");
        using (var taConfirms = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm", Form(("CaseId", caseId), ("DecisionNote", "self-confirmed"))))
        {
            AssertRefused(taConfirms, "ta1");
        }

        using var instructor = await AppFixture.App.ClientAsync("instructor");
        Assert.That(await instructor.GetStringAsync("/Ta/Similarity"), Does.Contain($"Confirm case {caseId}"));
        static string Percent(string csv)
        {
            var lines = csv.Split("\r\n");
            int column = Array.IndexOf(lines[0].Split(','), "hw1-mlp_percent");
            return lines.Single(line => line.StartsWith("dm0013,", StringComparison.Ordinal)).Split(',')[column];
        }

        Assert.That(Percent(await instructor.GetStringAsync("/api/gradebook.csv")), Is.Not.EqualTo("0.00"), "an open case changes nothing");

        using (var confirmed = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm", Form(("CaseId", caseId), ("DecisionNote", "confirmed after the meeting"), ("ConfirmationGiven", "true"))))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = AppFixture.App.Database())
        {
            var after = await db.SimilarityCases.SingleAsync(c => c.Id == found.Id);
            Assert.That(after.ConfirmedByName, Does.Contain("Instructor"));
        }

        // The syllabus: a first offence is a zero for that assignment.
        Assert.That(Percent(await instructor.GetStringAsync("/api/gradebook.csv")), Is.EqualTo("0.00"));

        using var again = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Dismiss", Form(("CaseId", caseId), ("DecisionNote", "second thoughts")));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("reopen or overturn it instead"));
    }

    [Test]
    public async Task TheInstructorDismissesACaseThatStudentsAndTasCannot()
    {
        long first = await SubmissionOfAsync("dm0015");
        long second = await SubmissionOfAsync("dm0016");
        using var ta = await AppFixture.App.ClientAsync("ta2");
        using (var opened = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Open",
            Form(("SubmissionId", $"{first}"), ("OtherSubmissionId", $"{second}"), ("SimilarityPercent", "80"), ("Summary", "both start from the starter"))))
        {
            Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        long caseId;
        await using (var db = AppFixture.App.Database())
        {
            caseId = await db.SimilarityCases.Where(c => c.StudentIdentifier == "dm0015").Select(c => c.Id).SingleAsync();
        }

        foreach (var user in new string?[] { null, "dm0015", "ta2" })
        {
            using var client = await AppFixture.App.ClientAsync(user);
            using var dismissed = await client.PostFormAsync(TokenPageOf(user), "/Ta/Similarity?handler=Dismiss", Form(("CaseId", $"{caseId}"), ("DecisionNote", "not mine to dismiss")));
            AssertRefused(dismissed, user);
        }

        await using (var db = AppFixture.App.Database())
        {
            Assert.That(await db.SimilarityCases.AnyAsync(c => c.Id == caseId && c.DismissedAtUtc == null), Is.True);
        }

        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using (var dismissed = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Dismiss", Form(("CaseId", $"{caseId}"), ("DecisionNote", "the starter explains it"))))
        {
            Assert.That(dismissed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = AppFixture.App.Database())
        {
            // Never deleted: the case stays with the decision.
            var after = await db.SimilarityCases.SingleAsync(c => c.Id == caseId);
            Assert.That(after.DismissedByName, Does.Contain("Instructor"));
            Assert.That(after.DecisionNote, Is.EqualTo("the starter explains it"));
        }
    }

    [TestCase(null)]
    [TestCase("dm0018")]
    public async Task StudentsAndStrangersCannotOpenACase(string? user)
    {
        long first = await SubmissionOfAsync("dm0018");
        long second = await SubmissionOfAsync("dm0019");
        using var client = await AppFixture.App.ClientAsync(user);
        using var opened = await client.PostFormAsync(TokenPageOf(user), "/Ta/Similarity?handler=Open",
            Form(("SubmissionId", $"{second}"), ("OtherSubmissionId", $"{first}"), ("SimilarityPercent", "99"), ("Summary", "accusing a classmate")));
        AssertRefused(opened, user);
        await using var db = AppFixture.App.Database();
        Assert.That(await db.SimilarityCases.AnyAsync(c => c.Summary.Contains("accusing a classmate")), Is.False);
    }

    [Test]
    public async Task ACaseComparesTwoSubmissionsOfOneAssignmentByDifferentStudents()
    {
        long mine = await SubmissionOfAsync("dm0019");
        using var ta = await AppFixture.App.ClientAsync("ta1");
        using var response = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Open",
            Form(("SubmissionId", $"{mine}"), ("OtherSubmissionId", $"{mine}"), ("SimilarityPercent", "100"), ("Summary", "itself")));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()), Does.Contain("Both submissions are dm0019's own"));
    }

    [Test]
    public async Task TheInstructorRecordsAContributionFindingThatOthersCannot()
    {
        await using (var db = AppFixture.App.Database())
        {
            var team = new TeamRecord { Id = "team-forms", CourseId = "dlm-spring-2023", Name = "Forms test team" };
            team.Members.Add(new TeamMember { TeamId = team.Id, StudentIdentifier = "dm0024" });
            team.Members.Add(new TeamMember { TeamId = team.Id, StudentIdentifier = "dm0025" });
            db.Teams.Add(team);
            await db.SaveChangesAsync();
        }

        foreach (var user in new string?[] { null, "dm0024", "ta1" })
        {
            using var client = await AppFixture.App.ClientAsync(user);
            using var refused = await client.PostFormAsync(TokenPageOf(user), "/Instructor/Teams?handler=Finding",
                Form(("TeamId", "team-forms"), ("Finding", "present"), ("Note", "")));
            AssertRefused(refused, user);
        }

        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using (var noNote = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Finding",
            Form(("TeamId", "team-forms"), ("Finding", "missing"), ("Note", ""))))
        {
            Assert.That(await noNote.Content.ReadAsStringAsync(), Does.Contain("Say what is missing"));
        }

        using (var recorded = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Finding",
            Form(("TeamId", "team-forms"), ("Finding", "missing"), ("Note", "no contribution section in the paper"))))
        {
            Assert.That(recorded.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = AppFixture.App.Database())
        {
            var team = await db.Teams.SingleAsync(t => t.Id == "team-forms");
            Assert.That(team.ContributionStatementsPresent, Is.False);
            Assert.That(team.ContributionNote, Does.StartWith("no contribution section in the paper (Dr. Iris Instructor"));
        }

        Assert.That(await instructor.GetStringAsync("/Instructor/Teams"), Does.Contain("no contribution section in the paper"));
    }
}

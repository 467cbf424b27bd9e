using System.Net;
using System.Text;
using Grader.Data;
using Grader.Web.Project;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Project;

/// <summary>
/// Team PDFs: the intake refuses what is not a readable PDF, stores the team's upload without a grading run, shows the
/// automatic checks to the team at once and to TAs beside the rubric; a TA confirms a missing contribution statement.
/// </summary>
public sealed class DocumentUploadTests
{
    // dm0020 "Tess Fixture" and dm0021 "Umar Mockwell" form team-dm0020 for these tests.
    private const string Team = "team-dm0020";

    private static readonly string[][] BodyPages =
    [
        ["Predicting sepsis from vital signs", "1 Introduction", "Sepsis kills one in three patients who develop it in hospital.", "1"],
        ["2 Models", "We compare a recurrent network with a gradient-boosted baseline.", "2"],
    ];

    private static readonly string[] References = ["References", "S. Hochreiter and J. Schmidhuber. Long short-term memory. 1997."];

    [OneTimeSetUp]
    public async Task FormTheTeamAsync()
    {
        using var first = await ProjectAppFixture.App.ClientAsync("dm0020");
        using (var invited = await first.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0021"))))
        {
            Forms.AssertRedirect(invited, "invitation");
        }

        using var second = await ProjectAppFixture.App.ClientAsync("dm0021");
        using var accepted = await second.PostFormAsync("/Student/Team", "/Student/Team?handler=Accept", Forms.Of(("TeamId", Team)));
        Forms.AssertRedirect(accepted, "acceptance");
    }

    private static async Task<HttpResponseMessage> UploadAsync(Support.WebClient client, string assignment, string fileName, byte[] bytes) =>
        await client.PostMultipartAsync("/Student/Documents", "/Student/Documents?handler=Upload", Forms.Of(("AssignmentId", assignment)), "Upload", fileName, bytes);

    [Test]
    public async Task APaperWithoutContributionStatementsShowsTheProblemAndATaConfirmsTheDeduction()
    {
        byte[] paper = ProjectDemo.Pdf([.. BodyPages, ["3 Results", "The recurrent network reaches an AUC of 0.81.", "3"], References]);
        using var student = await ProjectAppFixture.App.ClientAsync("dm0021");
        using (var uploaded = await UploadAsync(student, "project-paper", "sepsis.pdf", paper))
        {
            Forms.AssertRedirect(uploaded, "the upload is accepted");
        }

        string page = WebUtility.HtmlDecode(await student.GetStringAsync("/Student/Documents"));
        Assert.That(page, Does.Contain("sepsis.pdf received for Project paper. The checks below are on this upload"));
        Assert.That(page, Does.Contain("The paper has 3 page(s) before the references, within the limit of 6."));
        Assert.That(page, Does.Contain("The references begin on page 4"));
        Assert.That(page, Does.Contain("No contribution statement was found"));

        SubmissionRecord submission;
        await using (var db = ProjectAppFixture.App.Database())
        {
            submission = await db.Submissions.Include(s => s.Runs).Where(s => s.AssignmentId == "project-paper" && s.SubmitterId == Team).OrderByDescending(s => s.Id).FirstAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(submission.OriginalFileName, Is.EqualTo("sepsis.pdf"));
            Assert.That(submission.Runs, Is.Empty, "a PDF is scored by TAs; no grading run is queued");
            Assert.That(submission.ReceivedAtUtc, Is.EqualTo(new DateTime(2023, 2, 20, 17, 0, 0, DateTimeKind.Utc)).Within(TimeSpan.FromHours(1)), "the course clock");
        });

        using var ta = await ProjectAppFixture.App.ClientAsync("ta1");
        string details = WebUtility.HtmlDecode(await ta.GetStringAsync($"/Submissions/{submission.Id}"));
        Assert.That(details, Does.Contain("Automatic checks (rubric hints)").And.Contain("No contribution statement was found"));
        Assert.That(details.IndexOf("document-checks", StringComparison.Ordinal), Is.LessThan(details.IndexOf("id=\"rubric\"", StringComparison.Ordinal)), "the hints come before the rubric");
        Assert.That(details, Does.Contain("proposes the course's deduction"));

        using (var confirmed = await ta.PostFormAsync("/Ta/Documents", "/Ta/Documents?handler=Contributions",
            Forms.Of(("TeamId", Team), ("Finding", "missing"), ("Note", "no contributions section"))))
        {
            Forms.AssertRedirect(confirmed, "the TA confirms");
        }

        await using (var db = ProjectAppFixture.App.Database())
        {
            var team = await db.Teams.SingleAsync(t => t.Id == Team);
            Assert.That(team.ContributionStatementsPresent, Is.False);
            Assert.That(team.ContributionNote, Does.StartWith("no contributions section (TA A. Assistant (demo)"));
        }

        // The owner's teammate sees it as their own; a student of another team does not.
        using var teammate = await ProjectAppFixture.App.ClientAsync("dm0020");
        using (var own = await teammate.GetAsync($"/Submissions/{submission.Id}"))
        {
            Assert.That(own.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        using var stranger = await ProjectAppFixture.App.ClientAsync("dm0004");
        using var other = await stranger.GetAsync($"/Submissions/{submission.Id}");
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task AProposalOverOnePageIsFlaggedAndAPaperNamingBothMembersPasses()
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0020");
        using (var uploaded = await UploadAsync(student, "project-proposal", "proposal.pdf", ProjectDemo.Pdf(BodyPages)))
        {
            Forms.AssertRedirect(uploaded, "proposal upload");
        }

        string page = WebUtility.HtmlDecode(await student.GetStringAsync("/Student/Documents"));
        Assert.That(page, Does.Contain("The proposal has 2 page(s); the limit is 1: cut 1."));

        byte[] paper = ProjectDemo.Pdf([.. BodyPages,
            ["Contributions", "Tess Fixture implemented the recurrent network.", "Umar Mockwell built the gradient-boosted baseline.", "3"], References]);
        using (var uploaded = await UploadAsync(student, "project-paper", "sepsis-final.pdf", paper))
        {
            Forms.AssertRedirect(uploaded, "paper upload");
        }

        page = WebUtility.HtmlDecode(await student.GetStringAsync("/Student/Documents"));
        Assert.That(page, Does.Contain("Tess Fixture: implemented the recurrent network."));
        Assert.That(page, Does.Contain("Umar Mockwell: built the gradient-boosted baseline."));
        Assert.That(page, Does.Not.Contain("No contribution statement was found"), "the latest upload counts");
    }

    [TestCase("notes.txt", "hello", "Upload a PDF (.pdf); 'notes.txt' is not one.")]
    [TestCase("fake.pdf", "just some text, no header", "fake.pdf: not a PDF (no %PDF- header in its first bytes)")]
    [TestCase("broken.pdf", "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage", "broken.pdf: the PDF is damaged and cannot be read")]
    public async Task WhatIsNotAReadablePdfIsRefusedPlainlyAndNotStored(string fileName, string content, string message)
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0021");
        using var response = await UploadAsync(student, "project-paper", fileName, Encoding.ASCII.GetBytes(content));
        Assert.That(await Forms.ErrorsAsync(response), Does.Contain(message));
        await using var db = ProjectAppFixture.App.Database();
        Assert.That(await db.Submissions.AnyAsync(s => s.OriginalFileName == fileName), Is.False);
    }

    [Test]
    public async Task AStudentWithoutATeamIsToldToFormOneFirst()
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0022");
        Assert.That(await student.GetStringAsync("/Student/Documents"), Does.Contain("Form a team, or choose to work alone"));
        using var response = await UploadAsync(student, "project-paper", "alone.pdf", ProjectDemo.Pdf(BodyPages));
        Assert.That(await Forms.ErrorsAsync(response), Does.Contain("Project work is handed in by a team: form a team (or choose to work alone) on the Team page first."));
    }

    [Test]
    public async Task HomeworkIsNotAProjectDeliverable()
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0020");
        using var response = await UploadAsync(student, "hw1-mlp", "hw1.pdf", ProjectDemo.Pdf(BodyPages));
        Assert.That(await Forms.ErrorsAsync(response), Does.Contain("'hw1-mlp' is not a project deliverable handed in as a PDF."));
    }
}

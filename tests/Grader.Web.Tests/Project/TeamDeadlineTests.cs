using System.Net;
using Grader.Data;
using Grader.Web.Project;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Project;

/// <summary>
/// After the team deadline (2023-03-08 23:59 New York) on an app whose course clock reads 2023-03-10 12:00: students
/// can no longer change teams, the instructor can (with a note), and a proposal handed in now is late.
/// </summary>
public sealed class TeamDeadlineTests
{
    private RunningApp app = null!;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Course__Now"] = "2023-03-10T12:00:00-05:00" });

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    [Test]
    public async Task StudentsCannotChangeTeamsAfterTheDeadline()
    {
        using var student = await app.ClientAsync("dm0010");
        string page = await student.GetStringAsync("/Student/Team");
        Assert.That(page, Does.Contain("they are final now, and only the instructor changes them").And.Not.Contain("handler=Invite"));
        using (var invite = await student.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0011"))))
        {
            Assert.That(await Forms.ErrorsAsync(invite), Does.Contain("Teams were finalized on 2023-03-08 23:59 EST; from then on only the instructor changes teams"));
        }

        using var member = await app.ClientAsync("dm0004");
        using (var leave = await member.PostFormAsync("/Student/Team", "/Student/Team?handler=Leave", Forms.Of()))
        {
            Assert.That(await Forms.ErrorsAsync(leave), Does.Contain("Teams were finalized"));
        }

        await using var db = app.Database();
        Assert.That(await db.TeamMembers.CountAsync(m => m.TeamId == ProjectDemo.PaperTeam), Is.EqualTo(2));
        Assert.That(await db.TeamChanges.AnyAsync(c => c.StudentIdentifier == "dm0011"), Is.False);
    }

    [Test]
    public async Task TheInstructorAddsMovesAndRemovesWithANoteKeptInTheHistory()
    {
        using var instructor = await app.ClientAsync("instructor");
        using (var noNote = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Add",
            Forms.Of(("StudentId", "dm0012"), ("TeamId", ProjectDemo.SoloTeam), ("Note", " "))))
        {
            Assert.That(await Forms.ErrorsAsync(noNote), Does.Contain("A note is required"));
        }

        using (var added = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Add",
            Forms.Of(("StudentId", "dm0012"), ("TeamId", ProjectDemo.SoloTeam), ("Note", "joined the course late"))))
        {
            Forms.AssertRedirect(added, "add to a team");
        }

        using (var full = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Add",
            Forms.Of(("StudentId", "dm0013"), ("TeamId", ProjectDemo.SoloTeam), ("Note", "also late"))))
        {
            Assert.That(await Forms.ErrorsAsync(full), Does.Contain("Team team-dm0009 already has 2 members; the course allows at most 2."));
        }

        // dm0008 moves out of team-dm0007 into a new team of their own; dm0007 stays.
        using (var moved = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Move",
            Forms.Of(("StudentId", "dm0008"), ("TeamId", "(new)"), ("Note", "split after a disagreement"))))
        {
            Forms.AssertRedirect(moved, "move");
        }

        // team-dm0004 has a paper: its last member cannot be taken out, but one of two can.
        using (var removed = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Remove",
            Forms.Of(("StudentId", "dm0005"), ("Note", "withdrew from the course"))))
        {
            Forms.AssertRedirect(removed, "remove");
        }

        using (var last = await instructor.PostFormAsync("/Instructor/Teams", "/Instructor/Teams?handler=Remove",
            Forms.Of(("StudentId", "dm0004"), ("Note", "test"))))
        {
            Assert.That(await Forms.ErrorsAsync(last), Does.Contain("dm0004 is the last member of team team-dm0004, which has 1 submission(s); a team with graded work cannot be left empty."));
        }

        await using (var db = app.Database())
        {
            var members = await db.TeamMembers.ToListAsync();
            string TeamOf(string student) => members.SingleOrDefault(m => m.StudentIdentifier == student)?.TeamId ?? "(none)";
            Assert.That(new[] { TeamOf("dm0012"), TeamOf("dm0007"), TeamOf("dm0008"), TeamOf("dm0005"), TeamOf("dm0004") },
                Is.EqualTo(new[] { ProjectDemo.SoloTeam, ProjectDemo.SecondTeam, "team-dm0008", "(none)", ProjectDemo.PaperTeam }));
            var changes = await db.TeamChanges.Where(c => c.ByName == "Dr. Iris Instructor (demo)").OrderBy(c => c.Id).Select(c => new { c.TeamId, c.StudentIdentifier, c.Kind, c.ByName, c.Note }).ToListAsync();
            Assert.That(changes.Select(c => $"{c.Kind} {c.TeamId} {c.StudentIdentifier}: {c.Note}"), Is.EqualTo(new[]
            {
                "Joined team-dm0009 dm0012: joined the course late",
                "Left team-dm0007 dm0008: split after a disagreement",
                "Formed team-dm0008 dm0008: split after a disagreement",
                "Left team-dm0004 dm0005: withdrew from the course",
            }));
        }

        string page = WebUtility.HtmlDecode(await instructor.GetStringAsync("/Instructor/Teams"));
        Assert.That(page, Does.Contain("<td>left</td><td>Elif Demoson (demo) (dm0005)</td><td>Dr. Iris Instructor (demo)</td><td>withdrew from the course</td>"));
        using var student = await app.ClientAsync("dm0012");
        Assert.That(WebUtility.HtmlDecode(await student.GetStringAsync("/Student/Team")), Does.Contain("joined the course late"), "the student sees their history");
    }

    [Test]
    public async Task AProposalHandedInAfterItsDeadlineIsLateAndAPaperIsStillOnTime()
    {
        // team-dm0009's proposal was due 2023-03-07 10:00; the clock reads 2023-03-10.
        using var student = await app.ClientAsync("dm0009");
        byte[] proposal = ProjectDemo.Pdf(["A one-page proposal", "We will classify skin lesions with a convolutional network."]);
        using (var uploaded = await student.PostMultipartAsync("/Student/Documents", "/Student/Documents?handler=Upload",
            Forms.Of(("AssignmentId", "project-proposal")), "Upload", "proposal.pdf", proposal))
        {
            Forms.AssertRedirect(uploaded, "a late upload is kept");
        }

        string page = WebUtility.HtmlDecode(await student.GetStringAsync("/Student/Documents"));
        Assert.That(page, Does.Contain("Late: Submitted 2023-03-10 12:0"));
        Assert.That(page, Does.Contain("late work gets no credit."));
        Assert.That(page, Does.Contain("deadline passed: an upload now is late"));

        using var instructor = await app.ClientAsync("instructor");
        string csv = await instructor.GetStringAsync("/api/gradebook.csv");
        var lines = csv.Split("\r\n");
        int column = Array.IndexOf(lines[0].Split(','), "project-proposal_percent");
        Assert.That(lines.Single(l => l.StartsWith("dm0009,", StringComparison.Ordinal)).Split(',')[column], Is.EqualTo("0.00"), "late work gets no credit");
    }
}

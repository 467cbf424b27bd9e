using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Project;

/// <summary>Students form their own teams before the team deadline: invite and accept, work alone, leave; with clear refusals.</summary>
public sealed class TeamFormationTests
{
    private static async Task<List<TeamChange>> HistoryOfAsync(string student)
    {
        await using var db = ProjectAppFixture.App.Database();
        return await db.TeamChanges.Where(c => c.StudentIdentifier == student).OrderBy(c => c.Id).ToListAsync();
    }

    [Test]
    public async Task AStudentInvitesAClassmateWhoAcceptsAndBothPagesShowTheHistory()
    {
        using var inviter = await ProjectAppFixture.App.ClientAsync("dm0010");
        using (var invited = await inviter.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0011"))))
        {
            Forms.AssertRedirect(invited, "the invitation is sent");
        }

        using var invitee = await ProjectAppFixture.App.ClientAsync("dm0011");
        string before = await invitee.GetStringAsync("/Student/Team");
        Assert.That(before, Does.Contain("invited you into team <strong>team-dm0010</strong>"));
        await using (var db = ProjectAppFixture.App.Database())
        {
            var team = await db.Teams.Include(t => t.Members).SingleAsync(t => t.Id == "team-dm0010");
            Assert.That(team.Members.Select(m => m.StudentIdentifier), Is.EqualTo(new[] { "dm0010" }), "an invitee is not a member until they accept");
        }

        using (var accepted = await invitee.PostFormAsync("/Student/Team", "/Student/Team?handler=Accept", Forms.Of(("TeamId", "team-dm0010"))))
        {
            Forms.AssertRedirect(accepted, "the invitation is accepted");
        }

        await using (var db = ProjectAppFixture.App.Database())
        {
            var team = await db.Teams.Include(t => t.Members).SingleAsync(t => t.Id == "team-dm0010");
            Assert.That(team.Members.Select(m => m.StudentIdentifier).Order(), Is.EqualTo(new[] { "dm0010", "dm0011" }));
            Assert.That(team.CreatedByName, Is.EqualTo("Jun Testova (demo)"));
            Assert.That(team.CreatedAtUtc.Year, Is.EqualTo(2023), "recorded on the course clock");
        }

        var history = (await HistoryOfAsync("dm0010")).Concat(await HistoryOfAsync("dm0011")).OrderBy(c => c.Id).ToList();
        Assert.That(history.Select(c => (c.Kind, c.StudentIdentifier, c.ByName)), Is.EqualTo(new[]
        {
            (TeamChangeKind.Formed, "dm0010", "Jun Testova (demo)"),
            (TeamChangeKind.Invited, "dm0011", "Jun Testova (demo)"),
            (TeamChangeKind.Joined, "dm0011", "Kira Demoson (demo)"),
        }));

        string inviterPage = await inviter.GetStringAsync("/Student/Team");
        Assert.That(inviterPage, Does.Contain("Team <strong>team-dm0010</strong>: Jun Testova (demo) (dm0010), Kira Demoson (demo) (dm0011)"));
        Assert.That(inviterPage, Does.Contain("<td>joined</td><td>Kira Demoson (demo) (dm0011)</td>"));
        using var instructor = await ProjectAppFixture.App.ClientAsync("instructor");
        Assert.That(await instructor.GetStringAsync("/Instructor/Teams"), Does.Contain("<td>team-dm0010</td><td>invited</td><td>Kira Demoson (demo) (dm0011)</td>"));
    }

    [TestCase("dm0012", "dm0012", "You cannot invite yourself")]
    [TestCase("dm0012", "no body", "'no body' is not one.")]
    [TestCase("dm0012", " ", "Enter your classmate's netid.")]
    public async Task ABadInvitationIsRefusedWithTheReasonAndNothingRecorded(string inviter, string classmate, string message)
    {
        using var client = await ProjectAppFixture.App.ClientAsync(inviter);
        using var response = await client.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", classmate)));
        Assert.That(await Forms.ErrorsAsync(response), Does.Contain(message));
        Assert.That(await HistoryOfAsync(inviter), Is.Empty);
    }

    /// <summary>
    /// The form tells the inviter nothing they did not know: a netid not on the roster, a classmate already in a team and a
    /// free classmate all read "invitation sent", and the page names the invitee only by the netid typed.
    /// </summary>
    [TestCase("dm0024", "zz9999", null)]
    [TestCase("dm0025", "dm0004", "Dev Testova (demo)")]
    [TestCase("dm0026", "dm0027", null)]
    public async Task AnInvitationSaysTheSameWhateverBecameOfTheInvitee(string inviter, string classmate, string? inviteeName)
    {
        await using (var db = ProjectAppFixture.App.Database())
        {
            inviteeName ??= (await db.Roster.SingleOrDefaultAsync(r => r.Identifier == classmate))?.Name;
        }

        using var client = await ProjectAppFixture.App.ClientAsync(inviter);
        using (var invited = await client.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", classmate))))
        {
            Forms.AssertRedirect(invited, $"{inviter} invites {classmate}");
        }

        string page = System.Net.WebUtility.HtmlDecode(await client.GetStringAsync("/Student/Team"));
        Assert.That(page, Does.Contain($"Invitation sent to {classmate}; they accept or decline it on their Team page."));
        Assert.That(page, Does.Contain($"Invitation to {classmate} is open"));
        if (inviteeName is not null)
        {
            Assert.That(page, Does.Not.Contain(inviteeName), "the invitee's name is not shown before they join");
        }

        Assert.That(page, Does.Not.Contain("team-dm0004"), "nor the team an invitee is in");
        Assert.That((await HistoryOfAsync(classmate)).Where(c => c.TeamId == $"team-{inviter}").Select(c => c.Kind), Is.EqualTo(new[] { TeamChangeKind.Invited }));
    }

    [Test]
    public async Task AFullTeamTakesNoThirdMemberAndAStudentInATeamCannotAcceptAnother()
    {
        using var first = await ProjectAppFixture.App.ClientAsync("dm0013");
        using var second = await ProjectAppFixture.App.ClientAsync("dm0014");
        using (var invited = await first.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0014"))))
        {
            Forms.AssertRedirect(invited, "invitation");
        }

        using (var pending = await first.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0015"))))
        {
            Assert.That(await Forms.ErrorsAsync(pending), Does.Contain("Teams have at most 2 members and your invitation to dm0014 is still open; withdraw it first."));
        }

        using (var accepted = await second.PostFormAsync("/Student/Team", "/Student/Team?handler=Accept", Forms.Of(("TeamId", "team-dm0013"))))
        {
            Forms.AssertRedirect(accepted, "acceptance");
        }

        using (var full = await first.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0015"))))
        {
            Assert.That(await Forms.ErrorsAsync(full), Does.Contain("Teams have at most 2 members; yours is full."));
        }

        // dm0015 invites dm0014, who is already in team-dm0013: the invitation is sent (dm0015 is not told), and it
        // can never be accepted while dm0014 is in a team.
        using var third = await ProjectAppFixture.App.ClientAsync("dm0015");
        using (var taken = await third.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0014"))))
        {
            Forms.AssertRedirect(taken, "the invitation is sent whatever the invitee's state");
        }

        using (var accepted = await second.PostFormAsync("/Student/Team", "/Student/Team?handler=Accept", Forms.Of(("TeamId", "team-dm0015"))))
        {
            Assert.That(await Forms.ErrorsAsync(accepted), Does.Contain("You are already in team team-dm0013"));
        }

        await using var db = ProjectAppFixture.App.Database();
        Assert.That(await db.TeamMembers.CountAsync(m => m.TeamId == "team-dm0013"), Is.EqualTo(2));
        Assert.That(await db.TeamMembers.Where(m => m.TeamId == "team-dm0015").Select(m => m.StudentIdentifier).ToListAsync(), Is.EqualTo(new[] { "dm0015" }));
    }

    [Test]
    public async Task AStudentWorksAloneThenLeavesAndTheEmptyTeamIsDisbanded()
    {
        using var student = await ProjectAppFixture.App.ClientAsync("dm0016");
        using (var solo = await student.PostFormAsync("/Student/Team", "/Student/Team?handler=Solo", Forms.Of()))
        {
            Forms.AssertRedirect(solo, "working alone");
        }

        Assert.That(await student.GetStringAsync("/Student/Team"), Does.Contain("Team <strong>team-dm0016</strong>: Pia Testova (demo) (dm0016)"));
        using (var again = await student.PostFormAsync("/Student/Team", "/Student/Team?handler=Solo", Forms.Of()))
        {
            Assert.That(await Forms.ErrorsAsync(again), Does.Contain("You are already in team team-dm0016"));
        }

        using (var left = await student.PostFormAsync("/Student/Team", "/Student/Team?handler=Leave", Forms.Of()))
        {
            Forms.AssertRedirect(left, "leaving");
        }

        Assert.That((await HistoryOfAsync("dm0016")).Select(c => c.Kind), Is.EqualTo(new[] { TeamChangeKind.Formed, TeamChangeKind.Left, TeamChangeKind.Disbanded }));
        await using var db = ProjectAppFixture.App.Database();
        Assert.That(await db.Teams.AnyAsync(t => t.Id == "team-dm0016"), Is.False);
        string page = await student.GetStringAsync("/Student/Team");
        Assert.That(page, Does.Contain("You are in no team yet").And.Contain("<td>disbanded</td>"), "the history outlives the team");
    }

    [Test]
    public async Task AnInviteeWhoDeclinesStaysOutAndTheInviterCanWithdrawAnother()
    {
        using var inviter = await ProjectAppFixture.App.ClientAsync("dm0017");
        using var invitee = await ProjectAppFixture.App.ClientAsync("dm0018");
        using (var invited = await inviter.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0018"))))
        {
            Forms.AssertRedirect(invited, "invitation");
        }

        using (var declined = await invitee.PostFormAsync("/Student/Team", "/Student/Team?handler=Decline", Forms.Of(("TeamId", "team-dm0017"))))
        {
            Forms.AssertRedirect(declined, "declining");
        }

        using (var late = await invitee.PostFormAsync("/Student/Team", "/Student/Team?handler=Accept", Forms.Of(("TeamId", "team-dm0017"))))
        {
            Assert.That(await Forms.ErrorsAsync(late), Does.Contain("You have no open invitation from team 'team-dm0017'"));
        }

        using (var invited = await inviter.PostFormAsync("/Student/Team", "/Student/Team?handler=Invite", Forms.Of(("Classmate", "dm0019"))))
        {
            Forms.AssertRedirect(invited, "second invitation");
        }

        using (var withdrawn = await inviter.PostFormAsync("/Student/Team", "/Student/Team?handler=Withdraw", Forms.Of(("Classmate", "dm0019"))))
        {
            Forms.AssertRedirect(withdrawn, "withdrawal");
        }

        using var third = await ProjectAppFixture.App.ClientAsync("dm0019");
        Assert.That(await third.GetStringAsync("/Student/Team"), Does.Not.Contain("invited you"));
        Assert.That((await HistoryOfAsync("dm0018")).Select(c => c.Kind), Is.EqualTo(new[] { TeamChangeKind.Invited, TeamChangeKind.Declined }));
        Assert.That((await HistoryOfAsync("dm0019")).Select(c => c.Kind), Is.EqualTo(new[] { TeamChangeKind.Invited, TeamChangeKind.Withdrawn }));
    }
}

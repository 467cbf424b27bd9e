using System.Globalization;
using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>
/// Extensions are never deleted: changing one revokes the old row and adds a new one, revoking stamps who, when and
/// why, granting after a revoke adds a row, and the newest unrevoked row is the one everybody reads.
/// </summary>
public sealed class ExtensionHistoryTests
{
    private const string Student = "dm0020";
    private const string Assignment = "hw3-rnn";

    private static Dictionary<string, string> Form(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    private static async Task GrantAsync(Grader.Web.Tests.Support.WebClient instructor, int days, string reason)
    {
        using var response = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Grant",
            Form(("SubmitterId", Student), ("AssignmentId", Assignment), ("Days", days.ToString(CultureInfo.InvariantCulture)), ("Reason", reason)));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<ExtensionRecord>> RowsAsync()
    {
        await using var db = AppFixture.App.Database();
        return await db.Extensions.AsNoTracking().Where(e => e.SubmitterId == Student && e.AssignmentId == Assignment).OrderBy(e => e.Id).ToListAsync();
    }

    [Test]
    public async Task ChangingRevokingAndGrantingAgainKeepEveryRowAndTheNewestUnrevokedCounts()
    {
        using var instructor = await AppFixture.App.ClientAsync("instructor");
        using var student = await AppFixture.App.ClientAsync(Student);

        await GrantAsync(instructor, 2, "conference travel");
        await GrantAsync(instructor, 4, "conference travel, return flight cancelled");
        var rows = await RowsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Count.EqualTo(2), "a change is a new row");
            Assert.That(rows[0].RevokeReason, Is.EqualTo("changed to 4 days"));
            Assert.That(rows[0].RevokedByName, Does.Contain("Instructor"));
            Assert.That(rows[1].RevokedAtUtc, Is.Null);
        });
        // HW3 is due 2023-04-17 23:59 New York; four days later.
        Assert.That(await student.GetStringAsync("/Student"), Does.Contain("Extension: 4 days, due 2023-04-21 23:59").And.Not.Contain("Extension: 2 days"));

        using (var noReason = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Revoke",
            Form(("ExtensionId", rows[1].Id.ToString(CultureInfo.InvariantCulture)), ("RevokeReason", ""))))
        {
            Assert.That(WebUtility.HtmlDecode(await noReason.Content.ReadAsStringAsync()), Does.Contain("Say why the extension is revoked"));
        }

        using (var revoked = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Revoke",
            Form(("ExtensionId", rows[1].Id.ToString(CultureInfo.InvariantCulture)), ("RevokeReason", "trip cancelled"))))
        {
            Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        Assert.That(await student.GetStringAsync("/Student"), Does.Not.Contain("conference travel"), "no extension in force");
        using (var twice = await instructor.PostFormAsync("/Instructor/Extensions", "/Instructor/Extensions?handler=Revoke",
            Form(("ExtensionId", rows[1].Id.ToString(CultureInfo.InvariantCulture)), ("RevokeReason", "again"))))
        {
            Assert.That(WebUtility.HtmlDecode(await twice.Content.ReadAsStringAsync()), Does.Contain($"Extension {rows[1].Id} was already revoked"));
        }

        await GrantAsync(instructor, 1, "new trip");
        rows = await RowsAsync();
        Assert.Multiple(() =>
        {
            Assert.That(rows, Has.Count.EqualTo(3), "granting after a revoke adds a row");
            Assert.That(rows.Select(r => r.RevokedAtUtc is null), Is.EqualTo(new[] { false, false, true }));
            Assert.That(rows[1].RevokeReason, Is.EqualTo("trip cancelled"));
        });
        Assert.That(await student.GetStringAsync("/Student"), Does.Contain("Extension: 1 day, due 2023-04-18 23:59 EDT (new trip"));

        string page = WebUtility.HtmlDecode(await instructor.GetStringAsync("/Instructor/Extensions"));
        Assert.Multiple(() =>
        {
            Assert.That(page, Does.Contain($"id=\"history-{rows[0].Id}\"").And.Contain($"id=\"history-{rows[1].Id}\"").And.Contain($"id=\"history-{rows[2].Id}\""));
            Assert.That(page, Does.Contain(": changed to 4 days").And.Contain(": trip cancelled"));
            Assert.That(page, Does.Contain($"id=\"extension-{rows[2].Id}\"").And.Not.Contain($"id=\"extension-{rows[1].Id}\""), "only the one in force can be revoked");
        });

        // The gradebook reads the one in force (the engine refuses two extensions for one pair).
        Assert.That((await instructor.GetAsync("/api/gradebook.csv")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }
}

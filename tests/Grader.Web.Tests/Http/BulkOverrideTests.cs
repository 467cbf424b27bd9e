using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>"Apply to all with this result": one TA decision recorded on every submission whose check said the same.</summary>
public sealed class BulkOverrideTests
{
    private const string Item = "weight-gradients";

    [Test]
    public async Task TheOverrideIsRecordedOnEverySubmissionWithTheSameReasonAndNoOther()
    {
        await using var db = AppFixture.App.Database();
        var results = await LatestResultsAsync(db);
        // A reason the demo's variants share; its points stay as they are, so the other tests' grades do not move.
        var group = results.GroupBy(r => r.Result.Reason).Where(g => g.Count() >= 2 && g.Select(r => r.Result.Points).Distinct().Count() == 1)
            .OrderByDescending(g => g.Count()).First();
        var members = group.Select(r => r.SubmissionId).Order().ToList();
        var others = results.Where(r => r.Result.Reason != group.Key).Select(r => r.SubmissionId).ToList();
        Assert.That(others, Is.Not.Empty, "the demo should have another result for this item");
        decimal points = group.First().Result.Points;
        long from = members[^1];
        long before = await db.ItemOverrides.MaxAsync(o => (long?)o.Id) ?? 0;

        using var ta = await AppFixture.App.ClientAsync("ta2");
        string page = $"/Submissions/{from}";
        string shown = await ta.GetStringAsync(page);
        Assert.That(shown, Does.Contain($"{members.Count} submissions share this result"));
        string comment = $"Same derivation error as the rest of this group ({Guid.NewGuid():N}).";
        using (var response = await ta.PostFormAsync(page, $"{page}?handler=Override", new Dictionary<string, string>
        {
            ["ItemId"] = Item, ["Points"] = points.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Comment"] = comment, ["ApplyToSameResult"] = "true",
        }))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using var after = AppFixture.App.Database();
        var recorded = await after.ItemOverrides.AsNoTracking().Where(o => o.Id > before && o.Comment == comment).OrderBy(o => o.SubmissionId).ToListAsync();
        Assert.That(recorded.Select(o => o.SubmissionId), Is.EqualTo(members));
        Assert.Multiple(() =>
        {
            foreach (var decision in recorded)
            {
                Assert.That(decision.ItemId, Is.EqualTo(Item));
                Assert.That(decision.NewPoints, Is.EqualTo(points));
                Assert.That(decision.OldPoints, Is.EqualTo(points), "each decision records the points it replaced");
                Assert.That(decision.ByName, Does.Contain("TA B."));
            }
        });
        Assert.That(recorded.Select(o => o.Id).Distinct().Count(), Is.EqualTo(members.Count), "one history row per submission");
    }

    [Test]
    public async Task ARefusedBulkOverrideRecordsNothingAndStudentsCannotUseIt()
    {
        await using var db = AppFixture.App.Database();
        var results = await LatestResultsAsync(db);
        long from = results.GroupBy(r => r.Result.Reason).First(g => g.Count() >= 2).First().SubmissionId;
        string student = await db.Submissions.Where(s => s.Id == from).Select(s => s.SubmitterId).SingleAsync();
        int before = await db.ItemOverrides.CountAsync();
        string page = $"/Submissions/{from}";

        // More than the item's 25 points is refused, for the whole group.
        using var ta = await AppFixture.App.ClientAsync("ta1");
        using (var response = await ta.PostFormAsync(page, $"{page}?handler=Override", new Dictionary<string, string>
        {
            ["ItemId"] = Item, ["Points"] = "100", ["Comment"] = "too generous", ["ApplyToSameResult"] = "true",
        }))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the form comes back with the rule's message");
        }

        using var owner = await AppFixture.App.ClientAsync(student);
        using (var response = await owner.PostFormAsync(page, $"{page}?handler=Override", new Dictionary<string, string>
        {
            ["ItemId"] = Item, ["Points"] = "0", ["Comment"] = "everyone", ["ApplyToSameResult"] = "true",
        }))
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(response.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        await using var after = AppFixture.App.Database();
        Assert.That(await after.ItemOverrides.CountAsync(), Is.EqualTo(before));
    }

    private static async Task<List<(long SubmissionId, RubricItemResult Result)>> LatestResultsAsync(GraderDbContext db)
    {
        var runs = await db.GradingRuns.AsNoTracking().Include(r => r.Items)
            .Where(r => r.Status == GradingRunStatus.Succeeded && db.Submissions.Any(s => s.Id == r.SubmissionId && s.AssignmentId == "hw1-mlp"))
            .ToListAsync();
        return runs.GroupBy(r => r.SubmissionId).Select(g => g.MaxBy(r => r.Id)!)
            .Select(r => (r.SubmissionId, r.Items.Single(i => i.ItemId == Item)))
            .Where(r => !string.IsNullOrWhiteSpace(r.Item2.Reason)).ToList();
    }
}

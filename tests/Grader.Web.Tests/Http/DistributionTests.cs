using System.Text.RegularExpressions;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

/// <summary>The instructor page's histograms: the binning itself, and the numbers behind them on the seeded demo.</summary>
public sealed class DistributionTests
{
    private const string Hw1 = "hw1-mlp";

    [Test]
    public void ValuesFallInEqualWidthBinsWithTheMaximumInTheLast()
    {
        var histogram = Histogram.Of("x", [0m, 1m, 5m, 9.99m, 10m, 12m, -1m], 10m, 5, pending: 2);
        Assert.That(histogram.Bins.Select(b => b.Count), Is.EqualTo(new[] { 3, 0, 1, 0, 3 }));
        Assert.That(histogram.Bins.Select(b => (b.Lower, b.Upper)), Is.EqualTo(new[] { (0m, 2m), (2m, 4m), (4m, 6m), (6m, 8m), (8m, 10m) }));
        Assert.That(histogram.Describe("submissions"), Is.EqualTo("x: 7 submissions out of 10 points (2 still pending). 0–2: 3; 2–4: 0; 4–6: 1; 6–8: 0; 8–10: 3."));
    }

    [Test]
    public async Task TheDemoHistogramsCountEachSubmittersCountingSubmission()
    {
        using var client = await AppFixture.App.ClientAsync("instructor");
        string page = await client.GetStringAsync("/Instructor");

        await using var db = AppFixture.App.Database();
        // The submission that counts, as the policy engine's counting rule picks it (other tests re-upload late work).
        var course = new Grader.Data.Course.CourseCatalog(Support.RunningApp.RepositoryRoot, Path.GetTempPath(), Path.GetTempPath());
        var demoClock = new NodaTime.Testing.FakeClock(NodaTime.Instant.FromUtc(2023, 2, 20, 17, 0));
        var latest = (await new Gradebook(db, course, demoClock).CountedSubmissionsAsync(CancellationToken.None))
            .Where(pair => pair.Key.AssignmentId == Hw1).Select(pair => pair.Value).ToList();
        Assert.That(latest, Has.Count.GreaterThanOrEqualTo(30), "the demo seeds one HW1 submission per demo student");

        var (scoreCounts, scorePending) = Svg(page, $"scores-{Hw1}");
        Assert.That(scoreCounts, Has.Length.EqualTo(ScoreDistributions.ScoreBins));
        Assert.That(scoreCounts.Sum(), Is.EqualTo(latest.Count));
        Assert.That(scorePending, Is.Zero);

        // A manual item: counted where a TA scored it (the demo: dm0001–dm0015), pending elsewhere.
        var scoredByTa = await db.ItemOverrides.AsNoTracking().Where(o => latest.Contains(o.SubmissionId) && o.ItemId == "training-curves")
            .Select(o => o.SubmissionId).Distinct().CountAsync();
        Assert.That(scoredByTa, Is.GreaterThanOrEqualTo(15));
        var (curveCounts, curvePending) = Svg(page, $"item-{Hw1}-training-curves");
        Assert.That((curveCounts.Sum(), curvePending), Is.EqualTo((scoredByTa, latest.Count - scoredByTa)));

        // An auto item (15 points, bars of 3): its points straight from the database, a TA's newest decision winning.
        var runs = await db.GradingRuns.AsNoTracking().Include(r => r.Items)
            .Where(r => latest.Contains(r.SubmissionId) && r.Status == GradingRunStatus.Succeeded).ToListAsync();
        var overrides = await db.ItemOverrides.AsNoTracking().Where(o => latest.Contains(o.SubmissionId) && o.ItemId == "forward-pass").ToListAsync();
        var expected = new int[ScoreDistributions.ItemBins];
        int expectedPending = 0;
        foreach (long id in latest)
        {
            var result = runs.Where(r => r.SubmissionId == id).MaxBy(r => r.Id)?.Items.Single(i => i.ItemId == "forward-pass");
            decimal? points = overrides.Where(o => o.SubmissionId == id).OrderByDescending(o => o.AtUtc).ThenByDescending(o => o.Id).FirstOrDefault()?.NewPoints
                ?? (result is null || result.Status == "pending" ? null : result.Points);
            if (points is { } known)
            {
                expected[Math.Min((int)(known / 3), expected.Length - 1)]++;
            }
            else
            {
                expectedPending++;
            }
        }

        var (forwardCounts, forwardPending) = Svg(page, $"item-{Hw1}-forward-pass");
        Assert.That(forwardCounts, Is.EqualTo(expected));
        Assert.That(forwardPending, Is.EqualTo(expectedPending));
        Assert.That(expected.Count(c => c > 0), Is.GreaterThan(1), "the demo's variants should not all score the same");

        // The title states the same counts in words.
        string pendingClause = expectedPending > 0 ? $" ({expectedPending} still pending)" : "";
        Assert.That(page, Does.Contain($"forward-pass: {latest.Count - expectedPending} submissions out of 15 points{pendingClause}. 0–3: {expected[0]}; 3–6: {expected[1]}; 6–9: {expected[2]}; 9–12: {expected[3]}; 12–15: {expected[4]}."));
    }

    private static (int[] Counts, int Pending) Svg(string page, string id)
    {
        var match = Regex.Match(page, $"<svg id=\"{Regex.Escape(id)}\"[^>]*data-counts=\"([0-9,]+)\" data-pending=\"([0-9]+)\"");
        Assert.That(match.Success, Is.True, $"no histogram {id} on the page");
        return (match.Groups[1].Value.Split(',').Select(int.Parse).ToArray(), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }
}

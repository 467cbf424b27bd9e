using System.Globalization;
using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using CoreSubmission = Grader.Core.Grading.Submission;

namespace Grader.Web.Project;

/// <summary>One TA's entry for one item, as a form sends it: points and comment as typed (blank points: not scored).</summary>
public sealed record PanelEntry(string ItemId, string? Points, string? Comment);

/// <summary>One rubric item of one team: each TA's current score, the mean the gradebook uses, and the spread.</summary>
public sealed record PanelItemRow(RubricItem Item, IReadOnlyList<PanelScore> Scores, decimal? Mean, decimal? Min, decimal? Max, bool Disagree);

/// <summary>One TA's current total for a team, over the items they scored.</summary>
public sealed record PanelGraderTotal(string ByUserId, string ByName, decimal Total, int ItemsScored);

/// <summary>A team's presentation as the panel scored it.</summary>
public sealed record PanelSheet(TeamRecord Team, IReadOnlyList<PanelItemRow> Items, IReadOnlyList<PanelGraderTotal> Graders, IReadOnlyList<PanelScore> History)
{
    /// <summary>The sum of the item means; null when no TA has scored yet.</summary>
    public decimal? MeanTotal => Items.Any(i => i.Mean is not null) ? Items.Sum(i => i.Mean ?? 0) : null;

    public decimal? MinTotal => Graders.Count == 0 ? null : Graders.Min(g => g.Total);

    public decimal? MaxTotal => Graders.Count == 0 ? null : Graders.Max(g => g.Total);
}

/// <summary>
/// Presentations scored by a panel of TAs: each TA scores every item on their own (<see cref="PanelScore"/> rows, never
/// updated, the newest per (assignment, team, item, TA) counts); an item's score is the mean over the TAs who scored it,
/// rounded to 2 decimals. <see cref="WithPanelScores"/> feeds those means to the policy engine as TA scores.
/// </summary>
public sealed class PresentationPanel(GraderDbContext db, CourseCatalog course, IClock clock, ILoggerFactory loggers)
{
    private readonly ILogger audit = loggers.CreateLogger("Grader.Audit");

    public IReadOnlyList<Assignment> Presentations => course.Tree.Assignments.Where(a => a.Kind == AssignmentKind.Presentation).ToList();

    /// <summary>
    /// Records the TA's scores for the items they filled in. An item whose points and comment equal the TA's current
    /// score is not recorded again (a re-sent form adds no history). Returns how many items were recorded.
    /// </summary>
    public async Task<int> RecordAsync(string assignmentId, string teamId, IReadOnlyList<PanelEntry> entries, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(by);
        var assignment = Presentations.FirstOrDefault(a => a.Id == assignmentId)
            ?? throw new ReviewRejectedException($"'{assignmentId}' is not a presentation.");
        var rubric = course.Tree.RubricFor(assignment.Id);
        bool teamExists = await db.Teams.AnyAsync(t => t.Id == teamId && t.Members.Any(), cancellationToken).ConfigureAwait(false);
        if (!teamExists)
        {
            throw new ReviewRejectedException($"There is no team '{teamId}'.");
        }

        var parsed = new List<(RubricItem Item, decimal Points, string Comment)>();
        foreach (var entry in entries)
        {
            var item = rubric.Item(entry.ItemId) ?? throw new ReviewRejectedException($"{assignment.Id} has no rubric item '{entry.ItemId}'.");
            string comment = (entry.Comment ?? "").Trim();
            if (string.IsNullOrWhiteSpace(entry.Points))
            {
                if (comment.Length > 0)
                {
                    throw new ReviewRejectedException($"{item.Id}: a comment needs points with it.");
                }

                continue;
            }

            if (!decimal.TryParse(entry.Points.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var points))
            {
                throw new ReviewRejectedException($"{item.Id}: '{entry.Points}' is not a number of points.");
            }

            if (points < 0 || points > item.Points || decimal.Round(points, 2) != points)
            {
                throw new ReviewRejectedException($"{item.Id}: {entry.Points.Trim()} is outside 0 to {item.Points.ToString("0.##", CultureInfo.InvariantCulture)} points (two decimals at most).");
            }

            parsed.Add((item, points, comment));
        }

        if (parsed.Count == 0)
        {
            throw new ReviewRejectedException("Enter points for at least one item.");
        }

        var mine = CurrentScores(await db.PanelScores.AsNoTracking()
            .Where(p => p.AssignmentId == assignment.Id && p.SubmitterId == teamId && p.ByUserId == by.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.ItemId);
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        int recorded = 0;
        foreach (var (item, points, comment) in parsed)
        {
            if (mine.TryGetValue(item.Id, out var current) && current.Points == points && current.Comment == comment)
            {
                continue;
            }

            db.PanelScores.Add(new PanelScore
            {
                AssignmentId = assignment.Id, SubmitterId = teamId, ItemId = item.Id, Points = points, Comment = comment,
                ByUserId = by.Id, ByName = by.DisplayName, AtUtc = now,
            });
            recorded++;
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} scored {Count} item(s) of {Assignment} for team {Team}", by.UserName, recorded, assignment.Id, teamId);
        return recorded;
    }

    /// <summary>Every team's sheet for a presentation, in team order.</summary>
    /// <param name="disagreementPercent">Items whose TA scores differ by more than this percent of the item's points are flagged.</param>
    public async Task<IReadOnlyList<PanelSheet>> SheetsAsync(string assignmentId, decimal disagreementPercent, CancellationToken cancellationToken)
    {
        var rubric = course.Tree.RubricFor(assignmentId);
        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).Where(t => t.Members.Any()).OrderBy(t => t.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var all = await db.PanelScores.AsNoTracking().Where(p => p.AssignmentId == assignmentId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var current = CurrentScores(all);
        return teams.Select(team =>
        {
            var ofTeam = current.Where(p => p.SubmitterId == team.Id).ToList();
            var items = rubric.Items.Select(item =>
            {
                var scores = ofTeam.Where(p => p.ItemId == item.Id).OrderBy(p => p.ByName, StringComparer.Ordinal).ToList();
                decimal? min = scores.Count == 0 ? null : scores.Min(p => p.Points);
                decimal? max = scores.Count == 0 ? null : scores.Max(p => p.Points);
                bool disagree = scores.Count > 1 && max - min > item.Points * disagreementPercent / 100;
                return new PanelItemRow(item, scores, scores.Count == 0 ? null : Mean(scores.Select(p => p.Points)), min, max, disagree);
            }).ToList();
            var graders = ofTeam.GroupBy(p => p.ByUserId)
                .Select(g => new PanelGraderTotal(g.Key, g.First().ByName, g.Sum(p => p.Points), g.Count()))
                .OrderBy(g => g.ByName, StringComparer.Ordinal).ToList();
            var history = all.Where(p => p.SubmitterId == team.Id).OrderBy(p => p.AtUtc).ThenBy(p => p.Id).ToList();
            return new PanelSheet(team, items, graders, history);
        }).ToList();
    }

    /// <summary>The score that counts per (assignment, submitter, item, TA): the newest row.</summary>
    public static IReadOnlyList<PanelScore> CurrentScores(IEnumerable<PanelScore> scores) =>
        scores.GroupBy(p => (p.AssignmentId, p.SubmitterId, p.ItemId, p.ByUserId))
            .Select(g => g.OrderByDescending(p => p.AtUtc).ThenByDescending(p => p.Id).First())
            .ToList();

    /// <summary>The panel's score for an item: the mean of the TAs' scores, 2 decimals, halves away from zero (the engine's rounding).</summary>
    public static decimal Mean(IEnumerable<decimal> points)
    {
        var list = points.ToList();
        return list.Count == 0 ? throw new ArgumentException("No scores to average.", nameof(points))
            : Math.Round(list.Sum() / list.Count, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>
    /// The submissions the policy engine grades, with the panel's item means as TA scores (they replace any other TA
    /// score for those items). A team the panel scored without a hand-in (the talk was given in class) gets a
    /// submission dated at the assignment's due time, the session it was given in, so the late rule counts it on time.
    /// </summary>
    public static IReadOnlyList<CoreSubmission> WithPanelScores(CourseTree tree, IReadOnlyList<CoreSubmission> submissions, IEnumerable<PanelScore> panel)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(submissions);
        var result = submissions.ToList();
        foreach (var group in CurrentScores(panel).GroupBy(p => (p.AssignmentId, p.SubmitterId)))
        {
            var assignment = tree.Assignments.FirstOrDefault(a => a.Id == group.Key.AssignmentId);
            if (assignment is null)
            {
                continue;
            }

            var rubric = tree.RubricFor(assignment.Id);
            var means = group.Where(p => rubric.Item(p.ItemId) is not null).GroupBy(p => p.ItemId)
                .Select(item => new TaScore(item.Key, Mean(item.Select(p => p.Points)),
                    $"mean of {item.Count()} panel score(s): {string.Join(", ", item.OrderBy(p => p.ByName, StringComparer.Ordinal).Select(p => $"{p.ByName} {p.Points.ToString("0.##", CultureInfo.InvariantCulture)}"))}",
                    "presentation panel"))
                .ToList();
            if (means.Count == 0)
            {
                continue;
            }

            // Every submission of the submitter gets the panel's means, whichever the counting rule picks.
            var indexes = Enumerable.Range(0, result.Count)
                .Where(i => result[i].AssignmentId == assignment.Id && result[i].SubmitterId == group.Key.SubmitterId).ToList();
            var scoredItems = means.Select(m => m.ItemId).ToHashSet(StringComparer.Ordinal);
            foreach (int index in indexes)
            {
                var existing = result[index];
                result[index] = existing with { Outcomes = [.. existing.Outcomes.Where(o => o is not TaScore || !scoredItems.Contains(o.ItemId)), .. means] };
            }

            if (indexes.Count == 0)
            {
                result.Add(new CoreSubmission(group.Key.SubmitterId, assignment.Id, assignment.DueIn(tree.Course.TimeZone).ToInstant(), means));
            }
        }

        return result;
    }
}

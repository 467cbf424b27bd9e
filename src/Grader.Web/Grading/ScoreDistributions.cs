using Grader.Data.Grading;
using System.Globalization;
using Grader.Core.Grading;
using Grader.Data.Course;

namespace Grader.Web.Grading;

/// <summary>One bar: values in [<see cref="Lower"/>, <see cref="Upper"/>), the last bar also holds <see cref="Upper"/>.</summary>
public sealed record HistogramBin(decimal Lower, decimal Upper, int Count)
{
    public string Label => string.Create(CultureInfo.InvariantCulture, $"{Lower:0.##}–{Upper:0.##}");
}

/// <summary>
/// How many values fell in each equal-width bin over [0, <see cref="Max"/>]; <see cref="Pending"/> values are not
/// known yet (an item waiting for a TA) and are in no bin.
/// </summary>
public sealed record Histogram(string Label, decimal Max, IReadOnlyList<HistogramBin> Bins, int Pending)
{
    public int Counted => Bins.Sum(b => b.Count);

    /// <summary>Bins <paramref name="values"/>; values outside [0, max] go to the first or last bin.</summary>
    public static Histogram Of(string label, IEnumerable<decimal> values, decimal max, int binCount, int pending = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binCount);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        int bins = max == 0 ? 1 : binCount;
        decimal width = max == 0 ? 0 : max / bins;
        var counts = new int[bins];
        foreach (decimal value in values)
        {
            int index = width == 0 ? 0 : (int)Math.Floor(value / width);
            counts[Math.Clamp(index, 0, bins - 1)]++;
        }

        var result = Enumerable.Range(0, bins).Select(i => new HistogramBin(width * i, i == bins - 1 ? max : width * (i + 1), counts[i])).ToList();
        return new Histogram(label, max, result, pending);
    }

    /// <summary>The counts in words, for the SVG's title and the figure's caption (screen readers read this).</summary>
    public string Describe(string unit) =>
        string.Create(CultureInfo.InvariantCulture, $"{Label}: {Counted} {unit} out of {Max:0.##} points")
        + (Pending > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({Pending} still pending)") : "")
        + ". " + string.Join("; ", Bins.Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Label}: {b.Count}"))) + ".";
}

/// <summary>An assignment's score histogram and one histogram of points per rubric item.</summary>
public sealed record AssignmentDistribution(string AssignmentId, string Title, int SubmissionsWithPendingItems, Histogram Scores, IReadOnlyList<Histogram> Items);

/// <summary>
/// Distributions over the submissions that count (each submitter's latest), scored by Grader.Core's
/// <see cref="RubricScorer"/> from the same facts as the gradebook, before late, contribution or plagiarism rules.
/// </summary>
public sealed class ScoreDistributions(Gradebook gradebook, CourseCatalog course)
{
    /// <summary>Bars of a submission-score histogram (10% each).</summary>
    public const int ScoreBins = 10;

    /// <summary>Bars of a rubric item's histogram.</summary>
    public const int ItemBins = 5;

    public async Task<IReadOnlyList<AssignmentDistribution>> ForCourseAsync(CancellationToken cancellationToken)
    {
        var facts = await gradebook.LoadFactsAsync(cancellationToken).ConfigureAwait(false);
        // One score per submitter: the submission that counts, not every attempt.
        var counted = (await gradebook.CountedSubmissionsAsync(cancellationToken).ConfigureAwait(false)).Values.Select(Gradebook.SubmissionKey).ToHashSet(StringComparer.Ordinal);
        var tree = course.Tree;
        return tree.Assignments.Select(assignment =>
        {
            var rubric = tree.RubricFor(assignment.Id);
            var scores = facts.Submissions.Where(s => s.AssignmentId == assignment.Id && counted.Contains(s.Id))
                .Select(s => RubricScorer.Score(rubric, s.Outcomes)).ToList();
            var items = rubric.Items.Select(item =>
            {
                var scored = scores.Select(s => s.Items.Single(i => i.Item.Id == item.Id)).ToList();
                return Histogram.Of(item.Id, scored.Where(i => !i.IsPending).Select(i => i.Points), item.Points, ItemBins, scored.Count(i => i.IsPending));
            }).ToList();
            return new AssignmentDistribution(assignment.Id, assignment.Title, scores.Count(s => s.PendingItemIds.Count > 0),
                Histogram.Of(assignment.Title, scores.Select(s => s.Score), rubric.FullMarks, ScoreBins),
                items);
        }).ToList();
    }
}

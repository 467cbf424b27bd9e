namespace Grader.Core.Grading;

/// <summary>The mean of one gradebook column over the students it applies to; null when it applies to none.</summary>
/// <param name="Students">How many students the mean is over.</param>
public sealed record ColumnMean(decimal? MeanPercent, int Students);

/// <summary>
/// Per-component and current-grade means over a set of final grades (a gradebook filter's rows). A component counts
/// only for students whose work on it is in (<see cref="ComponentGrade.IsRemaining"/> false): work still to come
/// would pull the mean towards zero the way it pulled every final grade towards a fail.
/// </summary>
public sealed record ClassMeans(IReadOnlyDictionary<string, ColumnMean> Components, ColumnMean Current)
{
    public static ClassMeans Of(IReadOnlyCollection<FinalGrade> grades)
    {
        ArgumentNullException.ThrowIfNull(grades);
        static ColumnMean Mean(IReadOnlyCollection<decimal> values) =>
            new(values.Count == 0 ? null : Numbers.Round(values.Sum() / values.Count), values.Count);

        var components = grades.SelectMany(g => g.Components).Where(c => !c.IsRemaining)
            .GroupBy(c => c.Assignment.AssignmentId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Mean(g.Select(c => c.Assignment.Percent).ToList()), StringComparer.Ordinal);
        var current = Mean(grades.Where(g => g.CurrentPercentOnGradedWork is not null).Select(g => g.CurrentPercentOnGradedWork!.Value).ToList());
        return new ClassMeans(components, current);
    }

    /// <summary>The mean of one component; no students when none has handed it in or passed its deadline.</summary>
    public ColumnMean For(string assignmentId) => Components.GetValueOrDefault(assignmentId) ?? new ColumnMean(null, 0);
}

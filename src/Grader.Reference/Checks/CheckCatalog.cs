namespace Grader.Reference.Checks;

/// <summary>
/// Every assignment's checks. <c>grader validate</c> uses it to verify that each auto rubric item names a known check
/// of its assignment; the runner uses it to find the contracts to look for and to grade.
/// </summary>
public static class CheckCatalog
{
    /// <summary>All suites: <c>hw1-mlp</c>, <c>hw2-cnn</c>, <c>hw3-rnn</c> (whose GAN checks are its bonus), and <c>gan-lab</c>, the GAN checks alone for a standalone lab.</summary>
    public static IReadOnlyList<AssignmentCheckSuite> Suites { get; } =
        [Hw1MlpChecks.Suite, Hw2CnnChecks.Suite, Hw3RnnChecks.Suite, GanChecks.StandaloneSuite];

    /// <summary>Every check id of every suite (a GAN check appears once although two suites hold it).</summary>
    public static IReadOnlySet<string> AllCheckIds { get; } = Suites.SelectMany(suite => suite.Checks).Select(check => check.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>The suite of <paramref name="assignmentId"/>.</summary>
    /// <exception cref="KeyNotFoundException">no suite has that id; the message lists the known ones.</exception>
    public static AssignmentCheckSuite ForAssignment(string assignmentId) =>
        TryGetSuite(assignmentId, out var suite)
            ? suite
            : throw new KeyNotFoundException($"no checks are defined for assignment '{assignmentId}'; known: {string.Join(", ", Suites.Select(s => s.AssignmentId))}");

    /// <summary>The suite of <paramref name="assignmentId"/>, when there is one.</summary>
    public static bool TryGetSuite(string assignmentId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AssignmentCheckSuite? suite)
    {
        suite = Suites.FirstOrDefault(candidate => string.Equals(candidate.AssignmentId, assignmentId, StringComparison.Ordinal));
        return suite is not null;
    }

    /// <summary>The definition of <paramref name="checkId"/> in any suite, or null.</summary>
    public static CheckDefinition? FindCheck(string checkId) =>
        Suites.SelectMany(suite => suite.Checks).FirstOrDefault(check => string.Equals(check.Id, checkId, StringComparison.Ordinal));
}

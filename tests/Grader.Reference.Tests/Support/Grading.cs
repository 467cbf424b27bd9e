using System.Diagnostics;
using Grader.Reference.Checks;

namespace Grader.Reference.Tests.Support;

/// <summary>Compiles a submission, runs an assignment's checks against it, and prints what happened.</summary>
internal static class Grading
{
    private static int compiled;

    public static IReadOnlyList<CheckResult> Run(string assignmentId, SolutionSources sources, IReadOnlyCollection<string>? checkIds = null) =>
        Run(CheckCatalog.ForAssignment(assignmentId), sources, checkIds);

    /// <summary>Runs <paramref name="suite"/> (e.g. the GAN checks with another base seed) against the compiled sources.</summary>
    public static IReadOnlyList<CheckResult> Run(AssignmentCheckSuite suite, SolutionSources sources, IReadOnlyCollection<string>? checkIds = null)
    {
        var assembly = StudentCompiler.Compile($"{suite.AssignmentId}-submission-{Interlocked.Increment(ref compiled)}", sources.Files);
        var clock = Stopwatch.StartNew();
        var results = suite.Run(new AssemblyStudentCode(assembly), checkIds);
        foreach (var result in results)
        {
            TestContext.Out.WriteLine($"{result.CheckId,-28} {result.Status,-15} {result.Fraction,5:0.00} {result.Elapsed.TotalSeconds,6:0.00}s  {result.Reason}");
        }

        TestContext.Out.WriteLine($"checks took {clock.Elapsed.TotalSeconds:0.00} s");
        return results;
    }

    /// <summary>The ids of the checks of <paramref name="assignmentId"/> that exercise <paramref name="contract"/>.</summary>
    public static string[] ChecksOf(string assignmentId, Type contract) =>
        [.. CheckCatalog.ForAssignment(assignmentId).Checks.Where(check => check.ContractType == contract).Select(check => check.Id)];

    /// <summary>The ids of checks that did not get full credit.</summary>
    public static string[] Dropped(IEnumerable<CheckResult> results) => [.. results.Where(result => result.Fraction < 1).Select(result => result.CheckId).Order(StringComparer.Ordinal)];
}

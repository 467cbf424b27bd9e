namespace Grader.Reference.Checks;

/// <summary>A call into the student's code threw; the item is not answered.</summary>
internal sealed class StudentCallException(string reason, Exception inner) : Exception(reason, inner);

/// <summary>The student's code answered with something unusable (null, wrong shape, NaN); the item fails.</summary>
internal sealed class RejectedAnswerException(string reason) : Exception(reason);

/// <summary>The check depends on something that failed before (a missing class); the item is skipped.</summary>
internal sealed class PrerequisiteFailedException(string reason) : Exception(reason);

/// <summary>What one check concluded before timing and status are attached.</summary>
internal readonly record struct Verdict(double Fraction, string Reason)
{
    public static Verdict Pass(string reason) => new(1, reason);

    public static Verdict Fail(string reason) => new(0, reason);

    /// <summary>Partial credit, clamped to [0, 1].</summary>
    public static Verdict Partial(double fraction, string reason) => new(Math.Clamp(fraction, 0, 1), reason);

    /// <summary>Credit for the share of cases that passed, with the first failure's reason (or a summary).</summary>
    public static Verdict FromCases(IReadOnlyList<string?> caseFailures, string passedReason)
    {
        var failures = caseFailures.Where(failure => failure is not null).ToList();
        if (failures.Count == 0)
        {
            return Pass(passedReason);
        }

        var passed = caseFailures.Count - failures.Count;
        var more = failures.Count > 1 ? $" ({failures.Count - 1} more case(s) also differ)" : "";
        return Partial((double)passed / caseFailures.Count, $"{passed} of {caseFailures.Count} cases correct. {failures[0]}{more}");
    }
}

namespace Grader.Reference.Checks;

/// <summary>How a check ended for one submission.</summary>
public enum CheckStatus
{
    /// <summary>Fraction 1: everything the check looks at matches.</summary>
    Passed,

    /// <summary>Fraction strictly between 0 and 1.</summary>
    PartiallyPassed,

    /// <summary>The student's code answered, and the answer is wrong (fraction 0).</summary>
    Failed,

    /// <summary>A call into the student's code threw, crashed or timed out, or the class is missing (fraction 0).</summary>
    NotAnswered,

    /// <summary>The check could not run: an earlier step it depends on failed, or the grader itself failed (fraction 0).</summary>
    Skipped,
}

/// <summary>The outcome of one check: the share of the rubric item earned and a reason the student can act on.</summary>
/// <param name="CheckId">the check's id, as rubrics name it (<c>hw1.forward-pass</c>).</param>
/// <param name="Fraction">share of the item's points in [0, 1]; for a deduction item, how much of the deduction applies.</param>
/// <param name="Status">how the check ended.</param>
/// <param name="Reason">what was compared and, when points are lost, what differed and where to look.</param>
/// <param name="Elapsed">wall-clock time the check took, student calls included.</param>
public sealed record CheckResult(string CheckId, double Fraction, CheckStatus Status, string Reason, TimeSpan Elapsed = default)
{
    /// <summary>
    /// The grader itself failed (the check's own code threw): the item waits for the staff. Set only by the suite,
    /// never read from a reason's text, so no message of a student's ("GraderError: …") can pass for one.
    /// </summary>
    public bool IsGraderFault { get; init; }
}

/// <summary>A check the catalog knows: its id, what it verifies, and the contract interface it exercises.</summary>
public sealed record CheckDefinition(string Id, string Description, Type ContractType);

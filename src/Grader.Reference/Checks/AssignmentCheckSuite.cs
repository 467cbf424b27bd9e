using System.Diagnostics;
using TorchSharp;

namespace Grader.Reference.Checks;

/// <summary>One check as the suite runs it: its definition and the code that scores it.</summary>
internal sealed record Check(CheckDefinition Definition, Func<CheckContext, Verdict> Evaluate)
{
    public static Check Of<TContract>(string id, string description, Func<CheckContext, Verdict> evaluate)
        => new(new CheckDefinition(id, description, typeof(TContract)), evaluate);
}

/// <summary>
/// The checks of one assignment. <see cref="Run"/> scores every requested check independently: each runs in its own
/// dispose scope and try/catch, so a throwing call or a bad answer costs that item only, and memory stays flat over
/// thousands of runs.
/// </summary>
public sealed class AssignmentCheckSuite
{
    private readonly IReadOnlyList<Check> checks;

    internal AssignmentCheckSuite(string assignmentId, string title, IReadOnlyList<Check> checks)
    {
        AssignmentId = assignmentId;
        Title = title;
        this.checks = checks;
        Checks = [.. checks.Select(check => check.Definition)];
        ContractTypes = [.. Checks.Select(check => check.ContractType).Distinct()];
    }

    /// <summary>The assignment id rubrics and assignment.yaml use (<c>hw1-mlp</c>).</summary>
    public string AssignmentId { get; }

    /// <summary>A human title.</summary>
    public string Title { get; }

    /// <summary>Every check of this assignment, in the order <see cref="Run"/> runs them.</summary>
    public IReadOnlyList<CheckDefinition> Checks { get; }

    /// <summary>The contract interfaces a submission must implement for these checks (one public class each).</summary>
    public IReadOnlyList<Type> ContractTypes { get; }

    /// <summary>
    /// Runs the requested checks (all when <paramref name="checkIds"/> is null) against the student's code and returns
    /// one result per check, in catalog order. The reference computes on <paramref name="referenceDevice"/>
    /// (default: CUDA when present, else CPU); student tensors always cross on the CPU.
    /// </summary>
    /// <exception cref="ArgumentException">a requested id is not a check of this assignment.</exception>
    public IReadOnlyList<CheckResult> Run(IStudentCode student, IReadOnlyCollection<string>? checkIds = null, torch.Device? referenceDevice = null)
    {
        ArgumentNullException.ThrowIfNull(student);
        if (checkIds is not null)
        {
            var unknown = checkIds.Where(id => checks.All(check => check.Definition.Id != id)).ToList();
            if (unknown.Count > 0)
            {
                throw new ArgumentException($"{string.Join(", ", unknown)} is not a check of {AssignmentId}; known: {string.Join(", ", Checks.Select(c => c.Id))}", nameof(checkIds));
            }
        }

        using var context = new CheckContext(student, referenceDevice ?? TorchRuntime.PreferredDevice);
        return [.. checks.Where(check => checkIds is null || checkIds.Contains(check.Definition.Id)).Select(check => RunOne(check, context))];
    }

    private static CheckResult RunOne(Check check, CheckContext context)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        var id = check.Definition.Id;
        try
        {
            TorchRuntime.PrepareForComparison(ReferenceSeeds.For(id));
            var verdict = check.Evaluate(context);
            var status = verdict.Fraction >= 1 ? CheckStatus.Passed : verdict.Fraction <= 0 ? CheckStatus.Failed : CheckStatus.PartiallyPassed;
            return new CheckResult(id, verdict.Fraction, status, verdict.Reason, clock.Elapsed);
        }
        catch (StudentCallException error)
        {
            return new CheckResult(id, 0, CheckStatus.NotAnswered, error.Message, clock.Elapsed);
        }
        catch (RejectedAnswerException error)
        {
            return new CheckResult(id, 0, CheckStatus.Failed, error.Message, clock.Elapsed);
        }
        catch (PrerequisiteFailedException error)
        {
            return new CheckResult(id, 0, CheckStatus.Skipped, error.Message, clock.Elapsed);
        }
#pragma warning disable CA1031 // A fault in the grader must cost this item only, and say so, never the whole report.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return new CheckResult(id, 0, CheckStatus.Skipped,
                $"grader error, not your fault: the check could not run ({error.GetType().Name}: {error.Message}); the course staff will look at it",
                clock.Elapsed) { IsGraderFault = true };
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Grader.Data.Grading;

/// <summary>What changed a submission's grade.</summary>
public enum GradeChange
{
    /// <summary>A grading run finished (successfully or not).</summary>
    RunFinished,

    /// <summary>A TA overrode a rubric item.</summary>
    TaOverride,

    /// <summary>Staff asked for the feedback to be posted again as it stands (deleted on GitHub, or never delivered).</summary>
    FeedbackRequested,
}

/// <summary>
/// Told after a submission's grade may have changed, to report it elsewhere (GitHub's commit status and comment).
/// Implementations only queue their work and retry delivery themselves: they must return quickly, and an exception
/// from one is logged, never allowed to fail the grading run or the TA's decision. <see cref="GradeChange.RunFinished"/>
/// comes once per run, from whichever web node takes it (<see cref="RunFeedback"/>), and again only after a failure or
/// a crash: an implementation must take hearing of one change twice in its stride.
/// </summary>
public interface IGradingFeedbackSink
{
    Task GradeChangedAsync(long submissionId, GradeChange change, CancellationToken cancellationToken);
}

/// <summary>Tells every sink about one change; a sink's failure is logged and goes no further.</summary>
public static class GradeChangeNotifier
{
    /// <returns>False when a sink failed (logged): a caller that can try again later (<see cref="RunFeedback"/>) does.</returns>
    public static async Task<bool> NotifyAsync(IEnumerable<IGradingFeedbackSink> sinks, long submissionId, GradeChange change, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sinks);
        ArgumentNullException.ThrowIfNull(logger);
        bool allTook = true;
        foreach (var sink in sinks)
        {
            try
            {
                await sink.GradeChangedAsync(submissionId, change, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError(failure, "Feedback sink {Sink} failed for submission {Submission} ({Change})", sink.GetType().Name, submissionId, change);
                allTook = false;
            }
        }

        return allTook;
    }
}

using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Grader.Data.Grading;

/// <summary>
/// Telling the web app's <see cref="IGradingFeedbackSink"/>s that a run finished, once per run whichever node graded
/// it. Two columns of <see cref="GradingRun"/> hold the state: <see cref="GradingRun.FeedbackClaimedAtUtc"/> (a
/// process took the job on) and <see cref="GradingRun.FeedbackNotifiedAtUtc"/> (done). A node with sinks (the web app
/// grading itself) claims the run in the transaction that records its outcome and tells its sinks at once; a worker has
/// none and leaves both null, and <see cref="FinishedRunFeedbackJob"/> in the web app finds the run and tells them.
/// </summary>
/// <remarks>
/// A claim is one conditional UPDATE, so two web replicas never both tell. A process that dies between claiming and
/// finishing leaves a claim without <see cref="GradingRun.FeedbackNotifiedAtUtc"/>, taken again after
/// <see cref="ClaimTimeout"/>: the sinks may then hear of that run twice, which GitHub feedback tolerates (it posts the
/// submission's feedback as it stands, editing its comment in place). Losing it is what must not happen.
/// </remarks>
public static class RunFeedback
{
    /// <summary>
    /// How long a claim holds. Telling the sinks only queues their work (milliseconds), so a claim this old was
    /// abandoned. Times are the machine's clock, never the course clock, which a demo may hold still.
    /// </summary>
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Finished runs whose sinks were not told, and that nobody is telling now (no claim, or an abandoned one).</summary>
    public static IQueryable<GradingRun> AwaitingFeedback(this IQueryable<GradingRun> runs, DateTime nowUtc)
    {
        var abandonedBefore = nowUtc - ClaimTimeout;
        return runs.Where(r => (r.Status == GradingRunStatus.Succeeded || r.Status == GradingRunStatus.Failed)
            && r.FeedbackNotifiedAtUtc == null
            && (r.FeedbackClaimedAtUtc == null || r.FeedbackClaimedAtUtc < abandonedBefore));
    }

    /// <returns>True when this caller now owns telling the sinks about <paramref name="runId"/>.</returns>
    public static async Task<bool> TryClaimAsync(GraderDbContext db, long runId, DateTime nowUtc, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // No BumpDataVersionAsync: the claim and the stamp below are bookkeeping that no page or gradebook shows, so
        // no cached view goes stale (and bumping every few seconds would throw the gradebook cache away for nothing).
        int claimed = await db.GradingRuns.Where(r => r.Id == runId).AwaitingFeedback(nowUtc)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.FeedbackClaimedAtUtc, nowUtc), cancellationToken).ConfigureAwait(false);
        return claimed == 1;
    }

    /// <summary>
    /// Tells every sink that the claimed run finished, then stamps <see cref="GradingRun.FeedbackNotifiedAtUtc"/>.
    /// When a sink failed (logged) the stamp is left off, so the claim runs out and the run is told again.
    /// </summary>
    /// <returns>True when every sink took it.</returns>
    public static async Task<bool> TellAsync(
        GraderDbContext db, IEnumerable<IGradingFeedbackSink> sinks, long runId, long submissionId, Func<DateTime> utcNow, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(utcNow);
        if (!await GradeChangeNotifier.NotifyAsync(sinks, submissionId, GradeChange.RunFinished, logger, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var notifiedAt = utcNow();
        // No BumpDataVersionAsync: see TryClaimAsync.
        await db.GradingRuns.Where(r => r.Id == runId && r.FeedbackNotifiedAtUtc == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.FeedbackNotifiedAtUtc, notifiedAt), cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>
/// The web app's side of <see cref="RunFeedback"/>: finds finished runs whose sinks were not told (graded by a
/// <c>grader worker</c>, or by a web node that stopped before telling), claims each and tells the sinks.
/// </summary>
public sealed class FinishedRunFeedback(GraderDbContext db, IEnumerable<IGradingFeedbackSink> sinks, TimeProvider time, ILogger<FinishedRunFeedback> logger)
{
    /// <summary>Runs read per query; a deadline's worth of runs is told in a few rounds.</summary>
    public const int BatchSize = 50;

    /// <returns>How many runs this call claimed and told every sink about.</returns>
    public async Task<int> CatchUpAsync(CancellationToken cancellationToken)
    {
        int told = 0;
        while (true)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var batch = await db.GradingRuns.AsNoTracking().AwaitingFeedback(now)
                .OrderBy(r => r.Id)
                .Select(r => new { r.Id, r.SubmissionId })
                .Take(BatchSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            int claimed = 0;
            foreach (var run in batch)
            {
                // Another web replica may have claimed it since the query: then it is that one's to tell.
                if (!await RunFeedback.TryClaimAsync(db, run.Id, now, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                claimed++;
                if (await RunFeedback.TellAsync(db, sinks, run.Id, run.SubmissionId, () => time.GetUtcNow().UtcDateTime, logger, cancellationToken).ConfigureAwait(false))
                {
                    told++;
                }
            }

            // A short batch was the last; one where nothing could be claimed would only come back the same.
            if (batch.Count < BatchSize || claimed == 0)
            {
                return told;
            }
        }
    }
}

/// <summary>
/// Recurring, in the web app's own scheduler (never the grading scheduler, whose jobs workers fire too): runs
/// <see cref="FinishedRunFeedback.CatchUpAsync"/>. In a cluster one node fires each round; the claims keep two
/// rounds that overlap anyway (two replicas, a slow round) from telling a run twice.
/// </summary>
[DisallowConcurrentExecution]
public sealed class FinishedRunFeedbackJob(IServiceScopeFactory scopes, ILogger<FinishedRunFeedbackJob> logger) : IJob
{
    public static readonly JobKey Key = new("finished-run-feedback", "grading-feedback");

    /// <summary>Adds the job and its trigger, every <paramref name="interval"/>, to a scheduler's configuration.</summary>
    public static void AddTo(IQuartzBuilder quartz, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(quartz);
        quartz.ScheduleJob<FinishedRunFeedbackJob>(
            trigger => trigger.WithIdentity(Key.Name, Key.Group).StartNow()
                // Rounds missed while the app was down are not worth several: the next round catches up on every run.
                .WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithExistingCount)),
            job => job.WithIdentity(Key));
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        using var scope = scopes.CreateScope();
        int told = await scope.ServiceProvider.GetRequiredService<FinishedRunFeedback>().CatchUpAsync(cancellationToken).ConfigureAwait(false);
        if (told > 0)
        {
            logger.LogInformation("Caught up on the feedback of {Count} finished grading runs (graded by workers, or not yet told)", told);
        }
    }
}

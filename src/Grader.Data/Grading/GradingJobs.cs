using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace Grader.Data.Grading;

/// <summary>Puts a queued grading run in the background. The run row is the truth; the job only says "do it".</summary>
public interface IGradingQueue
{
    Task EnqueueAsync(long runId, CancellationToken cancellationToken);
}

/// <summary>
/// Quartz with its persistent ADO store in the app's own database: a job per grading run, durable and marked for
/// recovery, so a crash mid-run re-fires it (on the next start, or at once on another node of a cluster). Running twice
/// is harmless (<see cref="GradingService.ProcessAsync(long, bool, CancellationToken)"/> claims the run atomically).
/// Grading has a scheduler of its own (<see cref="SchedulerName"/>): every node of a cluster fires any job of its
/// scheduler's name, and a worker has only the grading job's type, not the web app's (deadline snapshots).
/// </summary>
public sealed class QuartzGradingQueue([FromKeyedServices(QuartzGradingQueue.SchedulerName)] IScheduler scheduler) : IGradingQueue
{
    public const string Group = "grading";

    /// <summary>The grading scheduler's name: its rows in the QRTZ_ tables, shared by the web app and every worker.</summary>
    public const string SchedulerName = "grader-grading";

    public async Task EnqueueAsync(long runId, CancellationToken cancellationToken)
    {
        var key = new JobKey($"run-{runId.ToString(CultureInfo.InvariantCulture)}", Group);
        if (await scheduler.Exists(key, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var job = JobBuilder.Create<GradeSubmissionJob>()
            .WithIdentity(key)
            .UsingJobData(GradeSubmissionJob.RunIdKey, runId.ToString(CultureInfo.InvariantCulture))
            .RequestRecovery(true)
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"run-{runId.ToString(CultureInfo.InvariantCulture)}", Group)
            .StartNow()
            .Build();
        try
        {
            await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another node queued the same run between the check above and now (two nodes resuming at once).
        }
    }
}

/// <summary>Grades one run (job data <c>runId</c>) on this node.</summary>
public sealed class GradeSubmissionJob(IServiceScopeFactory scopes, ILogger<GradeSubmissionJob> logger) : IJob
{
    public const string RunIdKey = "runId";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.MergedJobDataMap.TryGetValue(RunIdKey, out var value)
            || !long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var runId))
        {
            throw new JobExecutionException($"job {context.JobDetail.Key} has no '{RunIdKey}' in its data");
        }

        using var scope = scopes.CreateScope();
        try
        {
            await scope.ServiceProvider.GetRequiredService<GradingService>().ProcessAsync(runId, context.Recovering, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping and handed the run back: fire the job again, on whichever node is up (the scheduler
            // is in standby while it shuts down, so not this one).
            var again = TriggerBuilder.Create().ForJob(context.JobDetail.Key).StartNow().Build();
            await context.Scheduler.ScheduleJob(again, cancellationToken: CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Grading run {RunId} queued again for another node", runId);
        }
    }
}

/// <summary>
/// At start: any run still queued or running (the app stopped between recording it and grading it) is queued again.
/// Quartz's recovery covers a job that was running; this covers a run whose job was never scheduled.
/// </summary>
public sealed class ResumeUnfinishedRuns(IServiceScopeFactory scopes, ILogger<ResumeUnfinishedRuns> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
        var queue = scope.ServiceProvider.GetRequiredService<IGradingQueue>();
        var unfinished = await db.GradingRuns
            .Where(r => r.Status == GradingRunStatus.Queued || r.Status == GradingRunStatus.Running)
            .Select(r => r.Id)
            .ToListAsync(stoppingToken).ConfigureAwait(false);
        foreach (var runId in unfinished)
        {
            await queue.EnqueueAsync(runId, stoppingToken).ConfigureAwait(false);
        }

        if (unfinished.Count > 0)
        {
            logger.LogInformation("Re-queued {Count} unfinished grading runs", unfinished.Count);
        }
    }
}

using System.Globalization;
using Grader.Web.Data;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Grader.Web.Grading;

/// <summary>Puts a queued grading run in the background. The run row is the truth; the job only says "do it".</summary>
public interface IGradingQueue
{
    Task EnqueueAsync(long runId, CancellationToken cancellationToken);
}

/// <summary>
/// Quartz with its persistent ADO store in the app's own database: a job per grading run, durable and marked for
/// recovery, so a crash mid-run re-fires it on the next start. Running twice is harmless (<see cref="GradingService.ProcessAsync"/>).
/// </summary>
public sealed class QuartzGradingQueue(ISchedulerFactory schedulers) : IGradingQueue
{
    public const string Group = "grading";

    public async Task EnqueueAsync(long runId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
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
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Grades one run (job data <c>runId</c>).</summary>
public sealed class GradeSubmissionJob(IServiceScopeFactory scopes) : IJob
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
        await scope.ServiceProvider.GetRequiredService<GradingService>().ProcessAsync(runId, cancellationToken).ConfigureAwait(false);
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

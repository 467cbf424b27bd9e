using System.Globalization;
using Grader.Data;
using NodaTime;
using Quartz;

namespace Grader.Web.Similarity;

/// <summary>
/// Puts a comparison of one assignment in the background: a Quartz job in the same persistent store as the grading
/// jobs, marked for recovery (a crash re-runs it), at most one per assignment at a time.
/// </summary>
public sealed class SimilarityQueue(ISchedulerFactory schedulers, SimilarityComparisons comparisons, IClock clock)
{
    public const string Group = "similarity";

    public static JobKey JobKeyOf(string assignmentId) => new($"compare-{assignmentId}", Group);

    /// <summary>Whether a comparison of the assignment is waiting or running now.</summary>
    public async Task<bool> IsPendingAsync(string assignmentId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        return await scheduler.Exists(JobKeyOf(assignmentId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Queues a comparison; false (nothing queued) when one of the same assignment is already pending.</summary>
    public async Task<bool> EnqueueAsync(string assignmentId, bool includeArchives, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        var key = JobKeyOf(assignmentId);
        if (await scheduler.Exists(key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var previous = comparisons.Status(assignmentId);
        comparisons.WriteStatus(new ComparisonStatus(assignmentId, ComparisonState.Queued, by.DisplayName, now, includeArchives, null, previous?.LatestReportKey, null));
        var job = JobBuilder.Create<CompareSubmissionsJob>()
            .WithIdentity(key)
            .UsingJobData(CompareSubmissionsJob.AssignmentKey, assignmentId)
            .UsingJobData(CompareSubmissionsJob.IncludeArchivesKey, includeArchives.ToString(CultureInfo.InvariantCulture))
            .UsingJobData(CompareSubmissionsJob.RequestedByKey, by.DisplayName)
            .UsingJobData(CompareSubmissionsJob.RequestedAtKey, now.ToString("O", CultureInfo.InvariantCulture))
            .RequestRecovery(true)
            .Build();
        var trigger = TriggerBuilder.Create().WithIdentity(key.Name, Group).StartNow().Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>Runs one comparison (<see cref="SimilarityComparisons.CompareAsync"/>) and records how it ended in the status file.</summary>
public sealed class CompareSubmissionsJob(IServiceScopeFactory scopes, ILogger<CompareSubmissionsJob> logger) : IJob
{
    public const string AssignmentKey = "assignmentId";
    public const string IncludeArchivesKey = "includeArchives";
    public const string RequestedByKey = "requestedBy";
    public const string RequestedAtKey = "requestedAtUtc";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.MergedJobDataMap;
        string assignmentId = data.GetString(AssignmentKey) ?? throw new JobExecutionException($"job {context.JobDetail.Key} has no '{AssignmentKey}'");
        bool includeArchives = bool.TryParse(data.GetString(IncludeArchivesKey), out bool include) && include;
        string requestedBy = data.GetString(RequestedByKey) ?? "";
        var requestedAt = DateTime.TryParse(data.GetString(RequestedAtKey), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? at : DateTime.UnixEpoch;

        using var scope = scopes.CreateScope();
        var comparisons = scope.ServiceProvider.GetRequiredService<SimilarityComparisons>();
        var clock = scope.ServiceProvider.GetRequiredService<IClock>();
        string? latest = comparisons.Status(assignmentId)?.LatestReportKey;
        comparisons.WriteStatus(new ComparisonStatus(assignmentId, ComparisonState.Running, requestedBy, requestedAt, includeArchives, null, latest, null));
        try
        {
            var report = await comparisons.CompareAsync(assignmentId, includeArchives, requestedBy, requestedAt, cancellationToken).ConfigureAwait(false);
            comparisons.WriteStatus(new ComparisonStatus(assignmentId, ComparisonState.Finished, requestedBy, requestedAt, includeArchives, report.FinishedAtUtc, report.Key, null));
        }
        catch (Exception error) when (error is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            // A comparison that cannot run is reported on the page; retrying the same inputs would fail the same way.
            logger.LogError(error, "Similarity comparison of {Assignment} failed", assignmentId);
            comparisons.WriteStatus(new ComparisonStatus(assignmentId, ComparisonState.Failed, requestedBy, requestedAt, includeArchives,
                clock.GetCurrentInstant().ToDateTimeUtc(), latest, error.Message));
        }
    }
}

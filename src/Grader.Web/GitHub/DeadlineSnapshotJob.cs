using System.Globalization;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.GitHub;
using Grader.GitHub;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Quartz;

namespace Grader.Web.GitHub;

/// <summary>
/// At an assignment's deadline: read every student repository's HEAD (<see cref="DeadlineSnapshots"/>), store it as
/// evidence with the course clock, optionally take away write access, then collect and queue each student's
/// submission (<see cref="GitHubSubmissions"/> picks the commit that counts). Durable and recoverable; running it
/// again stores no second snapshot for the same deadline and grades nothing twice. When some repositories could not be
/// read or downloaded (after the rate-limit gate's own retries), it runs again later for them, up to
/// <see cref="MaxAttempts"/> times.
/// </summary>
public sealed class DeadlineSnapshotJob(IServiceScopeFactory scopes, ILogger<DeadlineSnapshotJob> logger) : IJob
{
    public const string AssignmentKey = "assignmentId";
    public const string AttemptKey = "attempt";
    public const string Group = "github-deadline";
    public const int MaxAttempts = 5;

    /// <summary>Runs the snapshot of <paramref name="assignmentId"/> now (a staff action, or a retry), as its own one-off job.</summary>
    public static async Task<JobKey> RunSoonAsync(IScheduler scheduler, string assignmentId, int attempt, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var key = new JobKey($"snapshot-{assignmentId}-now-{Guid.NewGuid():N}", Group);
        var job = JobBuilder.Create<DeadlineSnapshotJob>()
            .WithIdentity(key)
            .UsingJobData(AssignmentKey, assignmentId)
            .UsingJobData(AttemptKey, attempt.ToString(CultureInfo.InvariantCulture))
            .RequestRecovery(true)
            .Build();
        var trigger = TriggerBuilder.Create().WithIdentity(key.Name, Group).StartAt(DateTimeOffset.UtcNow + delay).Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: cancellationToken).ConfigureAwait(false);
        return key;
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.MergedJobDataMap;
        if (!data.TryGetValue(AssignmentKey, out var value) || Convert.ToString(value, CultureInfo.InvariantCulture) is not { Length: > 0 } assignmentId)
        {
            throw new JobExecutionException($"job {context.JobDetail.Key} has no '{AssignmentKey}' in its data");
        }

        int attempt = int.TryParse(data.GetString(AttemptKey), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
        using var scope = scopes.CreateScope();
        int failures = await SnapshotAndCollectAsync(scope.ServiceProvider, assignmentId, cancellationToken).ConfigureAwait(false);
        if (failures > 0 && attempt < MaxAttempts)
        {
            var delay = TimeSpan.FromMinutes(Math.Pow(2, attempt));
            logger.LogWarning("Deadline snapshot of {Assignment}: {Failures} repositories failed; attempt {Next} in {Delay}", assignmentId, failures, attempt + 1, delay);
            await RunSoonAsync(context.Scheduler, assignmentId, attempt + 1, delay, cancellationToken).ConfigureAwait(false);
        }
        else if (failures > 0)
        {
            logger.LogError("Deadline snapshot of {Assignment}: {Failures} repositories still failed after {Attempts} attempts", assignmentId, failures, attempt);
        }
    }

    /// <returns>How many repositories could not be read or collected.</returns>
    private async Task<int> SnapshotAndCollectAsync(IServiceProvider services, string assignmentId, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<GitHubOptions>();
        var tree = services.GetRequiredService<CourseCatalog>().Tree;
        var assignment = tree.Assignment(assignmentId);
        if (assignment.Submission.RepositoryPrefix is not { } prefix)
        {
            return 0;
        }

        var deadline = assignment.DueIn(tree.Course.TimeZone).ToInstant().ToDateTimeUtc();
        var owners = await services.GetRequiredService<GitHubRoster>().OwnersAsync(assignment, cancellationToken).ConfigureAwait(false);
        var round = await services.GetRequiredService<DeadlineSnapshots>()
            .TakeAsync(options.Organization, prefix, owners, options.RemoveWriteAccessAtDeadline, cancellationToken)
            .ConfigureAwait(false);
        logger.LogInformation("Deadline snapshot of {Assignment}: {Read} repositories read, {Problems} problems, {Unmatched} repositories match nobody, {Without} owners without one",
            assignmentId, round.Snapshots.Count, round.Problems.Count, round.Discovery.UnmatchedRepositories.Count, round.Discovery.OwnersWithoutRepository.Count);
        foreach (var problem in round.Problems)
        {
            logger.LogWarning("Deadline snapshot of {Assignment}: {Problem}", assignmentId, problem);
        }

        var db = services.GetRequiredService<GraderDbContext>();
        foreach (var snapshot in round.Snapshots)
        {
            string fullName = $"{options.Organization}/{snapshot.Match.Repository.Name}";
            bool alreadyTaken = await db.Set<RepositoryEvidence>().AnyAsync(
                e => e.Kind == EvidenceKind.DeadlineSnapshot && e.RepositoryFullName == fullName && e.AssignmentId == assignmentId && e.AsOfUtc == deadline,
                cancellationToken).ConfigureAwait(false);
            if (!alreadyTaken)
            {
                db.Set<RepositoryEvidence>().Add(new RepositoryEvidence
                {
                    Kind = EvidenceKind.DeadlineSnapshot,
                    RepositoryFullName = fullName,
                    Ref = $"refs/heads/{snapshot.Branch}",
                    Sha = snapshot.Sha,
                    ReceivedAtUtc = snapshot.TakenAt.UtcDateTime,
                    AsOfUtc = deadline,
                    AssignmentId = assignmentId,
                });
            }
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var submissions = services.GetRequiredService<GitHubSubmissions>();
        int failures = round.Problems.Count(p => p.Contains("could not read", StringComparison.Ordinal));
        foreach (var snapshot in round.Snapshots)
        {
            var match = snapshot.Match;
            try
            {
                await submissions.CollectAsync(assignmentId, match.Owner.SubmitterId, options.Organization, match.Repository.Name, snapshot.Branch, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested && (failure is Octokit.ApiException || RateLimitGate.IsTransient(failure)))
            {
                // One archive that cannot be fetched must not keep the others from being graded; the retry collects it.
                logger.LogWarning("Deadline snapshot of {Assignment}: could not collect {Repository}: {Failure}", assignmentId, match.Repository.Name, failure.Message);
                failures++;
            }
        }

        return failures;
    }
}

/// <summary>
/// At start: one <see cref="DeadlineSnapshotJob"/> per assignment submitted through GitHub whose deadline is still
/// ahead on the course clock. Quartz fires triggers by the machine's clock while deadlines are on the course clock
/// (<c>Course:Now</c> may run years behind), so the trigger is set to now plus the time left on the course clock.
/// Quartz's persistent store keeps the jobs across restarts; each start sets their trigger again from the clocks and
/// due dates of the day, and a deadline that passed while the app was down fires at once.
/// </summary>
public sealed class DeadlineSnapshotScheduler(ISchedulerFactory schedulers, CourseCatalog course, IClock clock, TimeProvider machineTime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = await schedulers.GetScheduler(stoppingToken).ConfigureAwait(false);
        var tree = course.Tree;
        var courseNow = clock.GetCurrentInstant();
        var machineNow = machineTime.GetUtcNow();
        foreach (var assignment in tree.Assignments.Where(a => a.Submission.RepositoryPrefix is not null))
        {
            var deadline = assignment.DueIn(tree.Course.TimeZone).ToInstant();
            var key = new JobKey($"snapshot-{assignment.Id}-{deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}", DeadlineSnapshotJob.Group);
            bool scheduled = await scheduler.Exists(key, stoppingToken).ConfigureAwait(false);
            if (deadline < courseNow && !scheduled)
            {
                continue;
            }

            var fireAt = machineNow + (deadline - courseNow).ToTimeSpan();
            var trigger = TriggerBuilder.Create()
                .WithIdentity(key.Name, DeadlineSnapshotJob.Group)
                .ForJob(key)
                // A one-shot trigger in the past fires as soon as the scheduler runs.
                .StartAt(fireAt)
                .Build();
            if (scheduled)
            {
                await scheduler.RescheduleJob(trigger.Key, trigger, stoppingToken).ConfigureAwait(false);
                continue;
            }

            var job = JobBuilder.Create<DeadlineSnapshotJob>()
                .WithIdentity(key)
                .UsingJobData(DeadlineSnapshotJob.AssignmentKey, assignment.Id)
                .RequestRecovery(true)
                .Build();
            await scheduler.ScheduleJob(job, trigger, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
    }
}

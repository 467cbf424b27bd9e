using System.Globalization;
using Grader.GitHub;
using Grader.Web.Course;
using Grader.Web.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Quartz;

namespace Grader.Web.GitHub;

/// <summary>
/// At an assignment's deadline: read every student repository's HEAD (<see cref="DeadlineSnapshots"/>), store it as
/// evidence with Grader's own clock, optionally take away write access, then collect and queue each student's
/// submission (<see cref="GitHubSubmissions"/> picks the commit that counts). Durable and recoverable; running it
/// twice stores no second snapshot for the same deadline and grades nothing twice.
/// </summary>
public sealed class DeadlineSnapshotJob(IServiceScopeFactory scopes, ILogger<DeadlineSnapshotJob> logger) : IJob
{
    public const string AssignmentKey = "assignmentId";
    public const string Group = "github-deadline";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.MergedJobDataMap.TryGetValue(AssignmentKey, out var value) || Convert.ToString(value, CultureInfo.InvariantCulture) is not { Length: > 0 } assignmentId)
        {
            throw new JobExecutionException($"job {context.JobDetail.Key} has no '{AssignmentKey}' in its data");
        }

        using var scope = scopes.CreateScope();
        var services = scope.ServiceProvider;
        var options = services.GetRequiredService<GitHubOptions>();
        var tree = services.GetRequiredService<CourseCatalog>().Tree;
        var assignment = tree.Assignment(assignmentId);
        if (assignment.Submission.RepositoryPrefix is not { } prefix)
        {
            return;
        }

        var deadline = assignment.DueIn(tree.Course.TimeZone).ToInstant().ToDateTimeUtc();
        var round = await services.GetRequiredService<DeadlineSnapshots>()
            .TakeAsync(options.Organization, prefix, RepositoryOwner.FromRoster(tree.Roster), options.RemoveWriteAccessAtDeadline, cancellationToken)
            .ConfigureAwait(false);
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
        foreach (var snapshot in round.Snapshots)
        {
            var match = snapshot.Match;
            await submissions.CollectAsync(assignmentId, match.Owner.SubmitterId, options.Organization, match.Repository.Name, snapshot.Branch, cancellationToken)
                .ConfigureAwait(false);
        }
    }
}

/// <summary>
/// At start: one <see cref="DeadlineSnapshotJob"/> per assignment submitted through GitHub whose deadline is still
/// ahead on the course clock, firing at that deadline. Quartz's persistent store keeps them across restarts; a
/// deadline that passed while the app was down fires on the next start.
/// </summary>
public sealed class DeadlineSnapshotScheduler(ISchedulerFactory schedulers, CourseCatalog course, IClock clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduler = await schedulers.GetScheduler(stoppingToken).ConfigureAwait(false);
        var tree = course.Tree;
        foreach (var assignment in tree.Assignments.Where(a => a.Submission.RepositoryPrefix is not null))
        {
            var deadline = assignment.DueIn(tree.Course.TimeZone).ToInstant();
            var key = new JobKey($"snapshot-{assignment.Id}-{deadline.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}", DeadlineSnapshotJob.Group);
            if (deadline < clock.GetCurrentInstant() || await scheduler.Exists(key, stoppingToken).ConfigureAwait(false))
            {
                continue;
            }

            var job = JobBuilder.Create<DeadlineSnapshotJob>()
                .WithIdentity(key)
                .UsingJobData(DeadlineSnapshotJob.AssignmentKey, assignment.Id)
                .RequestRecovery(true)
                .Build();
            var trigger = TriggerBuilder.Create()
                .WithIdentity(key.Name, DeadlineSnapshotJob.Group)
                // A one-shot trigger's default misfire policy fires it as soon as the scheduler runs again.
                .StartAt(deadline.ToDateTimeOffset())
                .Build();
            await scheduler.ScheduleJob(job, trigger, cancellationToken: stoppingToken).ConfigureAwait(false);
        }
    }
}

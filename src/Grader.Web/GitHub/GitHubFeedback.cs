using System.Globalization;
using Grader.Data;
using Grader.Data.GitHub;
using Grader.Data.Grading;
using Grader.GitHub;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Grader.Web.GitHub;

/// <summary>
/// When the grade of a submission that came from GitHub changes (its run finished, a TA overrode an item), queues a
/// <see cref="GitHubFeedbackJob"/> for it. Only queues: GitHub being slow or down never delays or fails grading.
/// </summary>
public sealed class GitHubFeedbackSink(GraderDbContext db, ISchedulerFactory schedulers) : IGradingFeedbackSink
{
    public async Task GradeChangedAsync(long submissionId, GradeChange change, CancellationToken cancellationToken)
    {
        var submission = await db.Submissions.AsNoTracking()
            .Where(s => s.Id == submissionId)
            .Select(s => new { s.Source, s.GitCommit })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (submission?.GitCommit is null || submission.Source is not (SubmissionSource.GitHubPush or SubmissionSource.DeadlineSnapshot))
        {
            return;
        }

        var scheduler = await schedulers.GetScheduler(cancellationToken).ConfigureAwait(false);
        await GitHubFeedbackJob.ScheduleAsync(scheduler, submissionId, attempt: 1, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Posts one submission's feedback to GitHub as it stands when the job runs (<see cref="GitHubFeedbackPublisher"/>),
/// so several changes in a row post once with the latest. When GitHub cannot be reached or refuses (after the
/// <see cref="RateLimitGate"/>'s own retries) the job schedules itself again with a growing delay, up to
/// <see cref="MaxAttempts"/> times; the jobs live in Quartz's persistent store, so a restart does not lose them.
/// </summary>
public sealed class GitHubFeedbackJob(IServiceScopeFactory scopes, ILogger<GitHubFeedbackJob> logger) : IJob
{
    public const string Group = "github-feedback";
    public const string SubmissionKey = "submissionId";
    public const string AttemptKey = "attempt";
    public const int MaxAttempts = 8;

    public static async Task ScheduleAsync(IScheduler scheduler, long submissionId, int attempt, TimeSpan delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        string id = submissionId.ToString(CultureInfo.InvariantCulture);
        var key = new JobKey($"feedback-{id}", Group);
        var job = JobBuilder.Create<GitHubFeedbackJob>()
            .WithIdentity(key)
            .UsingJobData(SubmissionKey, id)
            .StoreDurably(false)
            .RequestRecovery(true)
            .Build();
        // A trigger of its own per request: a change while an attempt waits adds a run rather than cancelling the retry.
        var trigger = TriggerBuilder.Create()
            .WithIdentity($"feedback-{id}-{Guid.NewGuid():N}", Group)
            .ForJob(key)
            .UsingJobData(AttemptKey, attempt.ToString(CultureInfo.InvariantCulture))
            .StartAt(DateTimeOffset.UtcNow + delay)
            .Build();
        await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var data = context.MergedJobDataMap;
        if (!long.TryParse(data.GetString(SubmissionKey), NumberStyles.None, CultureInfo.InvariantCulture, out long submissionId))
        {
            throw new JobExecutionException($"job {context.JobDetail.Key} has no '{SubmissionKey}' in its data");
        }

        int attempt = int.TryParse(data.GetString(AttemptKey), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 1;
        using var scope = scopes.CreateScope();
        try
        {
            var posted = await scope.ServiceProvider.GetRequiredService<GitHubFeedbackPublisher>().PublishAsync(submissionId, cancellationToken).ConfigureAwait(false);
            if (posted is not null)
            {
                logger.LogInformation("Feedback of submission {Submission} posted to {Repository} (comment {Comment})", submissionId, posted.Repository, posted.Publication.CommentId);
            }
        }
        catch (Exception failure) when (failure is Octokit.ApiException || RateLimitGate.IsTransient(failure))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            if (attempt >= MaxAttempts)
            {
                logger.LogError(failure, "Feedback of submission {Submission} could not be posted to GitHub after {Attempts} attempts; a TA override or re-run posts it again", submissionId, attempt);
                return;
            }

            var delay = RetryDelay(attempt, TimeSpan.FromSeconds(scope.ServiceProvider.GetRequiredService<GitHubOptions>().FeedbackRetrySeconds));
            logger.LogWarning("Feedback of submission {Submission} could not be posted to GitHub ({Failure}); attempt {Next} in {Delay}", submissionId, failure.Message, attempt + 1, delay);
            await ScheduleAsync(context.Scheduler, submissionId, attempt + 1, delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/>: 1, 2, 4… times <paramref name="first"/>, at most an hour.</summary>
    public static TimeSpan RetryDelay(int attempt, TimeSpan first) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, first.Ticks * (1L << Math.Clamp(attempt - 1, 0, 20))));
}

/// <summary>Where one submission's feedback went.</summary>
public sealed record PostedFeedback(string Repository, FeedbackPublication Publication);

/// <summary>
/// Builds what goes back to GitHub for one submission from what its page shows (<see cref="Gradebook.ViewAsync"/>:
/// the latest successful run, every TA decision, the late rule) and posts it: a commit status with the score on the
/// graded SHA, and the rubric comment, edited in place after a TA override. The repository is the one whose evidence
/// (a push or the deadline snapshot) named that SHA.
/// </summary>
public sealed class GitHubFeedbackPublisher(GraderDbContext db, Gradebook gradebook, GitHubCourseClient github, GitHubOptions options)
{
    /// <returns>Null when there is nothing to post yet (no successful run) or the submission did not come from GitHub.</returns>
    public async Task<PostedFeedback?> PublishAsync(long submissionId, CancellationToken cancellationToken)
    {
        var view = await gradebook.ViewAsync(submissionId, cancellationToken).ConfigureAwait(false);
        if (view?.Report is null || view.Submission.GitCommit is not { } sha)
        {
            return null;
        }

        string prefix = options.Organization + "/";
        var repository = await db.Set<RepositoryEvidence>().AsNoTracking()
            .Where(e => e.Sha == sha && e.RepositoryFullName.StartsWith(prefix))
            .OrderByDescending(e => e.Id)
            .Select(e => e.RepositoryFullName)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Submission {submissionId} names commit {sha}, but no push or snapshot in {options.Organization} recorded it: the repository is unknown.");
        string name = repository[prefix.Length..];
        var content = Content(view, sha);
        Uri? details = string.IsNullOrWhiteSpace(options.AppBaseUrl) ? null : new Uri(new Uri(options.AppBaseUrl), $"Submissions/{submissionId.ToString(CultureInfo.InvariantCulture)}");
        var publication = await github.PublishFeedbackAsync(options.Organization, name, content, details, cancellationToken).ConfigureAwait(false);
        return new PostedFeedback(repository, publication);
    }

    /// <summary>The report's items with the newest TA decision per item, the score and pending state of the rubric after them, and the late rule.</summary>
    public static FeedbackContent Content(SubmissionView view, string sha)
    {
        ArgumentNullException.ThrowIfNull(view);
        var report = view.Report ?? throw new ArgumentException("the submission has no report yet", nameof(view));
        var content = FeedbackContent.FromReport(report, view.Assignment.Title, sha);
        foreach (var item in report.Items)
        {
            if (view.OverridesOf(item.Id).LastOrDefault() is { } decision)
            {
                content = content.WithOverride(item.Id, decision.NewPoints, decision.Comment);
            }
        }

        var notes = view.Late.IsLate ? [.. content.Notes, view.Late.Explanation] : content.Notes;
        return content with { Total = view.ScoreAfterLateRule, Max = view.Rubric.FullMarks, Provisional = view.Rubric.PendingItemIds.Count > 0, Notes = notes };
    }
}

using Grader.Core.Reports;
using Grader.Submissions.Storage;
using Grader.Data.Course;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Query;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Grader.Data.Grading;

/// <summary>
/// A submission's way from "received" to "graded": record it, queue a grading run, run it. Running is idempotent on
/// (assignment, content hash, grader version): a report already made for that key (in this database or in the report
/// cache folder) is reused instead of running the grader again.
/// </summary>
public sealed class GradingService(
    GraderDbContext db,
    ISubmissionGradingClient client,
    SubmissionStore store,
    CourseCatalog course,
    IClock clock,
    GradingNode node,
    ILogger<GradingService> logger,
    IEnumerable<IGradingFeedbackSink> feedbackSinks)
{
    /// <summary>Stores the bytes, records the submission and a queued run. The caller schedules the run (see <see cref="IGradingQueue"/>).</summary>
    public async Task<(SubmissionRecord Submission, GradingRun Run)> RecordAsync(
        string assignmentId, string submitterId, Stream content, string originalFileName, SubmissionSource source,
        DateTime receivedAtUtc, string? submittedByUserId, string? gitCommit, CancellationToken cancellationToken)
    {
        var hash = await store.StoreAsync(content, originalFileName, cancellationToken).ConfigureAwait(false);
        var submission = new SubmissionRecord
        {
            AssignmentId = assignmentId,
            SubmitterId = submitterId,
            ContentHash = hash.Hex,
            OriginalFileName = Path.GetFileName(originalFileName),
            Source = source,
            ReceivedAtUtc = receivedAtUtc,
            SubmittedByUserId = submittedByUserId,
            GitCommit = gitCommit,
        };
        var run = NewRun(submission);
        submission.Runs.Add(run);
        db.Submissions.Add(submission);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return (submission, run);
    }

    /// <summary>A new queued run for an existing submission (a TA's re-run).</summary>
    public async Task<GradingRun> RequeueAsync(long submissionId, CancellationToken cancellationToken)
    {
        var submission = await db.Submissions.SingleAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false);
        var run = NewRun(submission);
        db.GradingRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return run;
    }

    /// <summary>
    /// After a course reload: a new run for every graded submission of an autograded assignment whose course inputs
    /// (assignment.yaml, rubric) changed, <paramref name="inputsBefore"/> holding each assignment's inputs as they were
    /// before. Their report keys no longer match, so the grader runs again under the new files; the old runs and their
    /// reports stay as history. The caller queues the returned runs.
    /// </summary>
    public async Task<IReadOnlyList<GradingRun>> RequeueChangedByReloadAsync(IReadOnlyDictionary<string, string> inputsBefore, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inputsBefore);
        var changed = course.Tree.Assignments
            .Where(a => a.Kind == Grader.Core.Configuration.AssignmentKind.AutogradedCode
                && inputsBefore.TryGetValue(a.Id, out var before) && before != course.CourseInputsOf(a.Id))
            .Select(a => a.Id).ToList();
        var submissions = await db.Submissions.Where(s => changed.Contains(s.AssignmentId) && s.Runs.Any())
            .OrderBy(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var runs = submissions.Select(NewRun).ToList();
        db.GradingRuns.AddRange(runs);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return runs;
    }

    private GradingRun NewRun(SubmissionRecord submission) => new()
    {
        Submission = submission,
        AssignmentId = submission.AssignmentId,
        ContentHash = submission.ContentHash,
        GraderVersion = client.GraderVersion,
        CourseInputs = course.CourseInputsOf(submission.AssignmentId),
        Status = GradingRunStatus.Queued,
        QueuedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc(),
    };

    /// <summary>
    /// Runs a queued run to the end on this node, then tells the <see cref="IGradingFeedbackSink"/>s when this node has
    /// any (the web app); a worker has none and leaves that to the web app (<see cref="RunFeedback"/>). A run already
    /// finished, or being graded by a live node, is left as it is, so a job that fires twice is harmless.
    /// </summary>
    public Task ProcessAsync(long runId, CancellationToken cancellationToken) => ProcessAsync(runId, recovering: false, cancellationToken);

    /// <summary>
    /// Exactly once across every node sharing the database: the claim is one conditional UPDATE (queued, or running on
    /// a node that is dead, becomes running on this one), and the outcome is written only while the run is still this
    /// node's. When <paramref name="cancellationToken"/> fires (the node is stopping) the run is handed back (queued, no
    /// node) and the cancellation propagates.
    /// </summary>
    /// <param name="recovering">Quartz re-fired the job of a node it found dead: the run may still say "running" there.</param>
    /// <returns>False when the run was not this node's to grade (unknown, finished, or claimed by a live node).</returns>
    public async Task<bool> ProcessAsync(long runId, bool recovering, CancellationToken cancellationToken)
    {
        if (!await ClaimAsync(runId, recovering, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        long? submissionId;
        try
        {
            submissionId = await FinishRunAsync(runId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: hand the run back for another node (or this one, restarted); its child grader is already killed.
            await db.GradingRuns.Where(r => r.Id == runId && r.Status == GradingRunStatus.Running && r.WorkerId == node.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, GradingRunStatus.Queued).SetProperty(r => r.WorkerId, (string?)null)
                    .SetProperty(r => r.StartedAtUtc, (DateTime?)null), CancellationToken.None).ConfigureAwait(false);
            logger.LogInformation("Grading run {RunId} handed back: node {NodeId} is stopping", runId, node.Id);
            throw;
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Anything on the trusted side (store, intake, a path too long, a report that does not serialise, the
            // database) ends the run as a grader error staff can see and grade again; left alone it would say
            // "running" for ever.
            submissionId = await FailAsync(runId, failure).ConfigureAwait(false);
        }
        finally
        {
            await RefreshTrackedAsync(runId).ConfigureAwait(false);
        }

        if (submissionId is { } id && TellsFeedback)
        {
            // Claimed with the outcome (WriteIfStillMineAsync), so the web app's catch-up job leaves it to us.
            await RunFeedback.TellAsync(db, feedbackSinks, runId, id, () => node.UtcNow, logger, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>
    /// Whether this node tells the feedback sinks itself when it finishes a run: only where there are sinks (the web
    /// app). A worker has none, so it leaves the run's feedback columns null and the web app's
    /// <see cref="FinishedRunFeedbackJob"/> tells its sinks.
    /// </summary>
    private bool TellsFeedback => feedbackSinks.Any();

    /// <summary>Tells every feedback sink; a sink's failure is logged and goes no further.</summary>
    public Task NotifyGradeChangedAsync(long submissionId, GradeChange change, CancellationToken cancellationToken) =>
        GradeChangeNotifier.NotifyAsync(feedbackSinks, submissionId, change, logger, cancellationToken);

    private async Task<bool> ClaimAsync(long runId, bool recovering, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant().ToDateTimeUtc();
        var deadBefore = node.UtcNow - node.DeadAfter;
        int claimed = await db.GradingRuns
            .Where(r => r.Id == runId
                && (r.Status == GradingRunStatus.Queued
                    || (r.Status == GradingRunStatus.Running
                        && (recovering || r.WorkerId == null || !db.WorkerNodes.Any(n => n.Id == r.WorkerId && n.LastSeenUtc >= deadBefore)))))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, GradingRunStatus.Running).SetProperty(r => r.WorkerId, node.Id)
                .SetProperty(r => r.StartedAtUtc, now), cancellationToken).ConfigureAwait(false);
        if (claimed == 0)
        {
            logger.LogDebug("Grading run {RunId} is not this node's to grade (unknown, finished, or claimed by a live node)", runId);
        }

        return claimed == 1;
    }

    /// <returns>The run's submission id when this node recorded the outcome; null when another node had taken the run over.</returns>
    private async Task<long?> FinishRunAsync(long runId, CancellationToken cancellationToken)
    {
        var run = await db.GradingRuns.AsNoTracking().Include(r => r.Submission).SingleAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        var reused = await db.GradingRuns.AsNoTracking()
            .Where(r => r.AssignmentId == run.AssignmentId && r.ContentHash == run.ContentHash && r.GraderVersion == run.GraderVersion
                && r.CourseInputs == run.CourseInputs && r.Status == GradingRunStatus.Succeeded && r.ReusedFromRunId == null)
            .OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.ReportJson })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (reused?.ReportJson is { } json)
        {
            return await CompleteAsync(run, GradingReport.FromJson(json), json, reused.Id, cancellationToken).ConfigureAwait(false);
        }

        string cacheFile = CacheFile(run);
        if (File.Exists(cacheFile))
        {
            string cached = await File.ReadAllTextAsync(cacheFile, cancellationToken).ConfigureAwait(false);
            return await CompleteAsync(run, GradingReport.FromJson(cached), cached, null, cancellationToken).ConfigureAwait(false);
        }

        var result = await GradeFromStoreAsync(run, cancellationToken).ConfigureAwait(false);
        if (result.Report is { } report)
        {
            string reportJson = report.ToJson();
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            // Written under a temporary name and moved: another node may read the cache at the same moment.
            string partial = $"{cacheFile}.{Guid.NewGuid():N}.tmp";
            await File.WriteAllTextAsync(partial, reportJson, cancellationToken).ConfigureAwait(false);
            File.Move(partial, cacheFile, overwrite: true);
            return await CompleteAsync(run, report, reportJson, null, cancellationToken).ConfigureAwait(false);
        }

        logger.LogWarning("Grading run {RunId} failed: {Error}", run.Id, result.Error);
        string error = $"{result.Error}{Environment.NewLine}{Tail(result.Output, 3000)}";
        var finishedAt = clock.GetCurrentInstant().ToDateTimeUtc();
        bool written = await WriteIfStillMineAsync(run.Id, s => s.SetProperty(r => r.Status, GradingRunStatus.Failed).SetProperty(r => r.Error, error)
            .SetProperty(r => r.FinishedAtUtc, finishedAt), [], cancellationToken).ConfigureAwait(false);
        return written ? run.SubmissionId : null;
    }

    /// <summary>Records a grader error for a run whose grading threw; null when the run was no longer this node's or even that failed.</summary>
    private async Task<long?> FailAsync(long runId, Exception failure)
    {
        logger.LogError(failure, "Grading run {RunId} ended with a grader error", runId);
        string error = $"Grader error (not the student's work): {Describe(failure)}";
        error = error.Length > 4000 ? error[..4000] : error;
        try
        {
            // The tracker may hold half-done changes of the failed attempt; they must not ride along.
            db.ChangeTracker.Clear();
            var finishedAt = clock.GetCurrentInstant().ToDateTimeUtc();
            bool written = await WriteIfStillMineAsync(runId, s => s.SetProperty(r => r.Status, GradingRunStatus.Failed).SetProperty(r => r.Error, error)
                .SetProperty(r => r.FinishedAtUtc, finishedAt), [], CancellationToken.None).ConfigureAwait(false);
            return written ? await db.GradingRuns.Where(r => r.Id == runId).Select(r => (long?)r.SubmissionId).SingleOrDefaultAsync(CancellationToken.None).ConfigureAwait(false) : null;
        }
        catch (Exception recording) when (recording is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            // The database itself failed: the run stays running until the node is taken for dead and it is claimed again.
            logger.LogError(recording, "Grading run {RunId}: the grader error could not be recorded", runId);
            return null;
        }
    }

    /// <summary>The failure in words for the staff, with its kind for whoever fixes it.</summary>
    private static string Describe(Exception failure) => failure switch
    {
        PathTooLongException => $"a file name or path is too long to grade ({failure.GetType().Name}: {failure.Message})",
        IOException => $"reading or writing the submission's files failed ({failure.GetType().Name}: {failure.Message})",
        System.Text.Json.JsonException or NotSupportedException => $"the report could not be read or written ({failure.GetType().Name}: {failure.Message})",
        _ => $"{failure.GetType().Name}: {failure.Message}",
    };

    private async Task<GradingClientResult> GradeFromStoreAsync(GradingRun run, CancellationToken cancellationToken)
    {
        var hash = ContentHash.Parse(run.ContentHash);
        if (!store.Exists(hash))
        {
            return new GradingClientResult(null, $"the submission's bytes ({run.ContentHash}) are missing from the store", "");
        }

        // The runner reads the syllabus naming (netid_hwN.zip) from the file name, so it gets the student's own name.
        string folder = Path.Combine(course.DataFolder, "grading-work", $"run-{run.Id}");
        Directory.CreateDirectory(folder);
        try
        {
            string file = Path.Combine(folder, Path.GetFileName(run.Submission!.OriginalFileName));
            await using (var source = store.Open(hash))
            await using (var target = File.Create(file))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            return await client.GradeAsync(run.AssignmentId, file, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<long?> CompleteAsync(GradingRun run, GradingReport report, string json, long? reusedFrom, CancellationToken cancellationToken)
    {
        var finishedAt = clock.GetCurrentInstant().ToDateTimeUtc();
        var items = report.Items.Select(item => new RubricItemResult
        {
            GradingRunId = run.Id,
            ItemId = item.Id,
            Kind = item.Kind,
            Points = item.Points,
            Max = item.Max,
            Status = item.Status,
            Reason = item.Reason.Length > 4000 ? item.Reason[..4000] : item.Reason,
        }).ToList();
        string outcome = report.Outcome.ToString();
        bool written = await WriteIfStillMineAsync(run.Id, s => s.SetProperty(r => r.Status, GradingRunStatus.Succeeded).SetProperty(r => r.ReportJson, json)
            .SetProperty(r => r.Total, report.Total).SetProperty(r => r.Max, report.Max).SetProperty(r => r.Outcome, outcome)
            .SetProperty(r => r.ReusedFromRunId, reusedFrom).SetProperty(r => r.FinishedAtUtc, finishedAt), items, cancellationToken).ConfigureAwait(false);
        return written ? run.SubmissionId : null;
    }

    /// <summary>
    /// Records the outcome in one transaction, only while the run is still running on this node: a node taken for dead
    /// that comes back finds its run claimed by another and writes nothing, so a run never gets two outcomes.
    /// </summary>
    private async Task<bool> WriteIfStillMineAsync(
        long runId, Action<UpdateSettersBuilder<GradingRun>> outcome, List<RubricItemResult> items, CancellationToken cancellationToken)
    {
        // A node that tells the sinks claims that with the outcome, so no catch-up round can take the run in between.
        DateTime? feedbackClaim = TellsFeedback ? node.UtcNow : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int mine = await db.GradingRuns.Where(r => r.Id == runId && r.Status == GradingRunStatus.Running && r.WorkerId == node.Id)
            .ExecuteUpdateAsync(s =>
            {
                outcome(s);
                if (feedbackClaim is not null)
                {
                    s.SetProperty(r => r.FeedbackClaimedAtUtc, feedbackClaim);
                }
            }, cancellationToken).ConfigureAwait(false);
        if (mine == 0)
        {
            logger.LogWarning("Grading run {RunId} was taken over by another node while {NodeId} graded it; this result is dropped", runId, node.Id);
            return false;
        }

        db.RubricItemResults.AddRange(items);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        // The run's own row changed by ExecuteUpdate, which SaveChanges does not see: a failed run adds no items.
        await db.BumpDataVersionAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A caller that tracks the run (the demo seeder) would see it as it was before the UPDATEs above: reload it.</summary>
    private async Task RefreshTrackedAsync(long runId)
    {
        var tracked = db.ChangeTracker.Entries<GradingRun>().FirstOrDefault(e => e.Entity.Id == runId);
        if (tracked is not null)
        {
            await tracked.ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            await tracked.Collection(r => r.Items).LoadAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private string CacheFile(GradingRun run) =>
        Path.Combine(course.ReportCacheFolder, run.AssignmentId,
            run.CourseInputs is { Length: > 0 } inputs ? $"{run.ContentHash}.{run.GraderVersion}.{inputs[..16]}.json" : $"{run.ContentHash}.{run.GraderVersion}.json");

    private static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];
}

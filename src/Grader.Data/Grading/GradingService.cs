using Grader.Core.Reports;
using Grader.Submissions.Storage;
using Grader.Web.Course;
using Grader.Web.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Grading;

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
    ILogger<GradingService> logger)
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

    private GradingRun NewRun(SubmissionRecord submission) => new()
    {
        Submission = submission,
        AssignmentId = submission.AssignmentId,
        ContentHash = submission.ContentHash,
        GraderVersion = client.GraderVersion,
        Status = GradingRunStatus.Queued,
        QueuedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc(),
    };

    /// <summary>Runs a queued run to the end. A run already finished is left as it is, so a job that fires twice is harmless.</summary>
    public async Task ProcessAsync(long runId, CancellationToken cancellationToken)
    {
        var run = await db.GradingRuns.Include(r => r.Submission).SingleOrDefaultAsync(r => r.Id == runId, cancellationToken).ConfigureAwait(false);
        if (run is null || run.Status is GradingRunStatus.Succeeded or GradingRunStatus.Failed)
        {
            return;
        }

        run.Status = GradingRunStatus.Running;
        run.StartedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);

        var reused = await db.GradingRuns.AsNoTracking()
            .Where(r => r.AssignmentId == run.AssignmentId && r.ContentHash == run.ContentHash && r.GraderVersion == run.GraderVersion
                && r.Status == GradingRunStatus.Succeeded && r.ReusedFromRunId == null)
            .OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.ReportJson })
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (reused?.ReportJson is { } json)
        {
            Complete(run, GradingReport.FromJson(json), json, reused.Id);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        string cacheFile = CacheFile(run);
        if (File.Exists(cacheFile))
        {
            string cached = await File.ReadAllTextAsync(cacheFile, cancellationToken).ConfigureAwait(false);
            Complete(run, GradingReport.FromJson(cached), cached, null);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var result = await GradeFromStoreAsync(run, cancellationToken).ConfigureAwait(false);
        if (result.Report is { } report)
        {
            string reportJson = report.ToJson();
            Directory.CreateDirectory(Path.GetDirectoryName(cacheFile)!);
            await File.WriteAllTextAsync(cacheFile, reportJson, cancellationToken).ConfigureAwait(false);
            Complete(run, report, reportJson, null);
        }
        else
        {
            logger.LogWarning("Grading run {RunId} failed: {Error}", run.Id, result.Error);
            run.Status = GradingRunStatus.Failed;
            run.Error = $"{result.Error}{Environment.NewLine}{Tail(result.Output, 3000)}";
            run.FinishedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc();
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }

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

    private void Complete(GradingRun run, GradingReport report, string json, long? reusedFrom)
    {
        run.Status = GradingRunStatus.Succeeded;
        run.ReportJson = json;
        run.Total = report.Total;
        run.Max = report.Max;
        run.Outcome = report.Outcome.ToString();
        run.ReusedFromRunId = reusedFrom;
        run.FinishedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc();
        run.Items = report.Items.Select(item => new RubricItemResult
        {
            ItemId = item.Id,
            Kind = item.Kind,
            Points = item.Points,
            Max = item.Max,
            Status = item.Status,
            Reason = item.Reason.Length > 4000 ? item.Reason[..4000] : item.Reason,
        }).ToList();
    }

    private string CacheFile(GradingRun run) =>
        Path.Combine(course.ReportCacheFolder, run.AssignmentId, $"{run.ContentHash}.{run.GraderVersion}.json");

    private static string Tail(string text, int chars) => text.Length <= chars ? text : text[^chars..];
}

using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Ta;

/// <summary>What waits for a TA: manual items not scored, runs the grader could not finish, regrade requests, similarity cases.</summary>
public sealed class QueueModel(GraderDbContext db, CourseCatalog course, Gradebook gradebook) : PageModel
{
    public sealed record PendingRow(SubmissionRecord Submission, IReadOnlyList<string> PendingItems);

    public IReadOnlyList<PendingRow> Pending { get; private set; } = [];

    public IReadOnlyList<(SubmissionRecord Submission, GradingRun Run)> Failed { get; private set; } = [];

    public IReadOnlyList<RegradeRequest> Regrades { get; private set; } = [];

    public IReadOnlyList<SimilarityCase> Similarity { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var submissions = await db.Submissions.AsNoTracking().ToListAsync(cancellationToken);
        // Review work is the submission that counts (the policy's counting rule); a failed run shows for the latest too.
        var counted = (await gradebook.CountedSubmissionsAsync(cancellationToken)).Values.ToHashSet();
        var latest = submissions.GroupBy(s => (s.SubmitterId, s.AssignmentId))
            .SelectMany(g => g.Where(s => counted.Contains(s.Id)).Append(g.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).First()).Distinct())
            .OrderBy(s => s.AssignmentId, StringComparer.Ordinal).ThenBy(s => s.SubmitterId, StringComparer.Ordinal).ToList();
        var runs = (await db.GradingRuns.AsNoTracking().Include(r => r.Items).ToListAsync(cancellationToken)).ToLookup(r => r.SubmissionId);
        var overrides = (await db.ItemOverrides.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(o => o.SubmissionId);

        var pending = new List<PendingRow>();
        var failed = new List<(SubmissionRecord, GradingRun)>();
        foreach (var submission in latest)
        {
            var mine = runs[submission.Id].OrderByDescending(r => r.Id).ToList();
            if (mine.FirstOrDefault() is { Status: GradingRunStatus.Failed } failedRun)
            {
                failed.Add((submission, failedRun));
            }

            // A document (PDF) is never run by the grader: all of its items wait for a TA from the moment it arrives.
            var graded = mine.FirstOrDefault(r => r.Status == GradingRunStatus.Succeeded);
            if (graded is null && mine.Count > 0)
            {
                continue;
            }

            var rubric = course.Tree.RubricFor(submission.AssignmentId);
            var score = RubricScorer.Score(rubric, Gradebook.Outcomes(rubric, graded, overrides[submission.Id]));
            if (score.IsProvisional && counted.Contains(submission.Id))
            {
                pending.Add(new PendingRow(submission, score.PendingItemIds));
            }
        }

        Pending = pending;
        Failed = failed;
        Regrades = await db.RegradeRequests.AsNoTracking().Where(r => r.Status == RegradeStatus.Open).OrderBy(r => r.Id).ToListAsync(cancellationToken);
        Similarity = await db.SimilarityCases.AsNoTracking().Where(c => c.ConfirmedAtUtc == null && c.DismissedAtUtc == null).OrderBy(c => c.Id).ToListAsync(cancellationToken);
    }
}

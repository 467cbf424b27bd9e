using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Instructor;

/// <summary>Grading progress per assignment (who handed in, how many are graded, queued, failed, late) and score distributions.</summary>
public sealed class IndexModel(GraderDbContext db, CourseCatalog course, ScoreDistributions distributions) : PageModel
{
    public sealed record Progress(string AssignmentId, string Title, string Due, decimal Weight, int Submitters, int Graded, int Waiting, int Failed, int Late, decimal? MeanPercent);

    public IReadOnlyList<Progress> Rows { get; private set; } = [];

    public int RosterSize => course.Tree.Roster.Count;

    public IReadOnlyList<AssignmentDistribution> Distributions { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var assignments = await db.Assignments.AsNoTracking().ToListAsync(cancellationToken);
        var submissions = await db.Submissions.AsNoTracking().ToListAsync(cancellationToken);
        var runs = await db.GradingRuns.AsNoTracking().Select(r => new { r.Id, r.SubmissionId, r.Status, r.Total, r.Max }).ToListAsync(cancellationToken);
        Rows = course.Tree.Assignments.Select(a =>
        {
            var row = assignments.Single(x => x.Id == a.Id);
            var latest = submissions.Where(s => s.AssignmentId == a.Id).GroupBy(s => s.SubmitterId)
                .Select(g => g.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).First()).ToList();
            var latestRuns = latest.Select(s => runs.Where(r => r.SubmissionId == s.Id).MaxBy(r => r.Id)).ToList();
            var percents = latestRuns.Where(r => r?.Status == GradingRunStatus.Succeeded && r.Max > 0).Select(r => r!.Total!.Value / r.Max!.Value * 100).ToList();
            return new Progress(a.Id, a.Title, row.DueLocal, row.Weight, latest.Count,
                latestRuns.Count(r => r?.Status == GradingRunStatus.Succeeded),
                latestRuns.Count(r => r?.Status is GradingRunStatus.Queued or GradingRunStatus.Running),
                latestRuns.Count(r => r?.Status == GradingRunStatus.Failed),
                latest.Count(s => s.ReceivedAtUtc > row.DueUtc),
                percents.Count == 0 ? null : Math.Round(percents.Average(), 1));
        }).ToList();
        Distributions = await distributions.ForCourseAsync(cancellationToken);
    }
}

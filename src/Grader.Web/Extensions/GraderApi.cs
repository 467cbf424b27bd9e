using System.Globalization;
using System.Security.Claims;
using Grader.Web.Data;
using Grader.Web.Export;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Extensions;

/// <summary>The HTTP API: JSON reports and CSV exports, authorized like the pages.</summary>
public static class GraderApi
{
    public static IEndpointRouteBuilder MapGraderApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization();

        // The stored JSON report of a submission's latest successful run. Another student's id answers 404.
        api.MapGet("/submissions/{id:long}/report", async Task<Results<ContentHttpResult, NotFound>> (
            long id, ClaimsPrincipal user, SubmissionAccess access, GraderDbContext db, CancellationToken cancellationToken) =>
        {
            if (!await access.CanSeeAsync(user, id, cancellationToken))
            {
                return TypedResults.NotFound();
            }

            var json = await db.GradingRuns.AsNoTracking()
                .Where(r => r.SubmissionId == id && r.Status == GradingRunStatus.Succeeded)
                .OrderByDescending(r => r.Id).Select(r => r.ReportJson).FirstOrDefaultAsync(cancellationToken);
            return json is null ? TypedResults.NotFound() : TypedResults.Content(json, "application/json");
        });

        // The signed-in student's own submissions (staff: all), newest first.
        api.MapGet("/submissions", async (ClaimsPrincipal user, SubmissionAccess access, GraderDbContext db, CancellationToken cancellationToken) =>
        {
            var query = db.Submissions.AsNoTracking();
            if (!SubmissionAccess.IsStaff(user))
            {
                var mine = await access.SubmitterIdsOfAsync(user, cancellationToken);
                query = query.Where(s => mine.Contains(s.SubmitterId));
            }

            var rows = await query.Select(s => new { s.Id, s.AssignmentId, s.SubmitterId, s.ContentHash, s.OriginalFileName, s.ReceivedAtUtc }).ToListAsync(cancellationToken);
            return TypedResults.Ok(rows.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id));
        });

        // Gradebook exports: plain CSV, and Canvas's gradebook-import layout.
        api.MapGet("/gradebook.csv", async (string? format, Gradebook gradebook, Course.CourseCatalog course, CancellationToken cancellationToken) =>
        {
            var grades = await gradebook.GradeAllAsync(cancellationToken);
            string csv = string.Equals(format, "canvas", StringComparison.OrdinalIgnoreCase)
                ? GradebookCsv.Canvas(course.Tree, grades)
                : GradebookCsv.Plain(course.Tree, grades);
            string name = string.Create(CultureInfo.InvariantCulture, $"{course.Tree.Course.Id}-gradebook{(format is "canvas" ? "-canvas" : "")}.csv");
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", name);
        }).RequireAuthorization("instructor");

        return endpoints;
    }
}

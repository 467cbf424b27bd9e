using System.Globalization;
using System.Security.Claims;
using Grader.Data;
using Grader.Web.Export;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Extensions;

/// <summary>One row of <c>GET /api/submissions</c>.</summary>
/// <param name="Id">The submission's id (as in <c>/api/submissions/{id}/report</c>).</param>
/// <param name="AssignmentId">The course's assignment id, e.g. <c>hw1</c>.</param>
/// <param name="SubmitterId">A student's netid or a team's id.</param>
/// <param name="ContentHash">SHA-256 of the uploaded bytes.</param>
/// <param name="OriginalFileName">The file name as uploaded.</param>
/// <param name="ReceivedAtUtc">When the app received it.</param>
/// <param name="Counts">Whether it is the submission that counts for its submitter (the course's counting rule, or a staff choice).</param>
/// <param name="Score">The policy engine's points for it: the grade when it counts, else what it earned on its own after the rules.</param>
/// <param name="State">The grade's state in words, as every page shows it ("final", "late: no credit (your on-time submission counts)").</param>
public sealed record SubmissionSummary(long Id, string AssignmentId, string SubmitterId, string ContentHash, string OriginalFileName, DateTime ReceivedAtUtc,
    bool Counts = false, decimal? Score = null, string? State = null);

/// <summary>One student's line of the gradebook (<c>GET /api/gradebook</c>).</summary>
/// <param name="FinalPercent">Work still to come counts as zero here, so mid-term it reads low: see <paramref name="State"/>.</param>
/// <param name="Letter">The letter once the grade is final; null while it is in progress, as on the gradebook page.</param>
/// <param name="State">"final" once nothing is pending or open, else "in progress".</param>
/// <param name="CurrentPercent">The grade on graded work (work still to come left out); null before anything is graded.</param>
/// <param name="ProjectedPercent">The final percent if the remaining work scored the current percent; null when nothing remains.</param>
public sealed record GradebookRow(
    string StudentId,
    IReadOnlyList<GradebookComponent> Components,
    decimal BasePercent,
    decimal CarriedBonus,
    decimal FinalPercent,
    string? Letter,
    bool Passed,
    bool IsProvisional,
    IReadOnlyList<string> Explanation,
    string State = "",
    decimal? CurrentPercent = null,
    decimal? ProjectedPercent = null);

/// <summary>One graded component of a <see cref="GradebookRow"/>: the assignment's score and its weighted share.</summary>
/// <param name="State">The grade's state in words, the same as on every page.</param>
/// <param name="CountedSubmissionId">The submission that counts; null when nothing was submitted.</param>
public sealed record GradebookComponent(string AssignmentId, decimal Score, decimal FullMarks, decimal Weight, decimal WeightedPoints, bool IsProvisional,
    string State = "", long? CountedSubmissionId = null);

/// <summary>The HTTP API: JSON reports and CSV exports, authorized like the pages, described at <c>/openapi/v1.json</c>.</summary>
public static class GraderApi
{
    /// <summary>Where the OpenAPI document of the API is served (signed-in users only, like the API).</summary>
    public const string OpenApiDocumentPath = "/openapi/v1.json";

    public static IEndpointRouteBuilder MapGraderApi(this IEndpointRouteBuilder endpoints)
    {
        // Without a sign-in cookie the API answers a bare 401 (GraderWebComposition's cookie events), never a redirect.
        var api = endpoints.MapGroup("/api").RequireAuthorization().WithTags("Grader")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status401Unauthorized, typeof(void)));

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
        })
        .WithName("GetSubmissionReport")
        .WithSummary("The JSON grading report of a submission's latest successful run")
        .WithDescription("Students see their own (or their team's) submissions only; anyone else's id answers 404 as if it did not exist.")
        // The report is stored as JSON text and passed through as is, so the response is declared here (any JSON).
        .Produces<System.Text.Json.JsonElement>(StatusCodes.Status200OK, "application/json");

        // The signed-in student's own submissions (staff: all), newest first.
        api.MapGet("/submissions", async Task<Ok<List<SubmissionSummary>>> (ClaimsPrincipal user, SubmissionAccess access, GraderDbContext db, Gradebook gradebook,
            CancellationToken cancellationToken) =>
        {
            var query = db.Submissions.AsNoTracking();
            if (!SubmissionAccess.IsStaff(user))
            {
                var mine = await access.SubmitterIdsOfAsync(user, cancellationToken);
                query = query.Where(s => mine.Contains(s.SubmitterId));
            }

            var rows = await query.Select(s => new SubmissionSummary(s.Id, s.AssignmentId, s.SubmitterId, s.ContentHash, s.OriginalFileName, s.ReceivedAtUtc, false, null, null))
                .ToListAsync(cancellationToken);
            // The engine's grade per (submitter, assignment); a team's grade is the same for each member, so any one will do.
            var grades = (await gradebook.GradeAllAsync(cancellationToken)).SelectMany(g => g.Components).Select(c => c.Assignment)
                .GroupBy(a => (a.SubmitterId, a.AssignmentId)).ToDictionary(g => g.Key, g => g.First());
            return TypedResults.Ok(rows.Select(row =>
            {
                if (!grades.TryGetValue((row.SubmitterId, row.AssignmentId), out var grade))
                {
                    return row;
                }

                string key = Gradebook.SubmissionKey(row.Id);
                bool counts = grade.Counting?.Counted.Submission.Id == key;
                decimal? score = counts ? grade.Score : grade.Attempts.FirstOrDefault(a => a.Submission.Id == key)?.Score;
                return row with { Counts = counts, Score = score, State = grade.StateOf(key) };
            }).OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).ToList());
        })
        .WithName("ListSubmissions")
        .WithSummary("Submissions, newest first: a student's own and their teams'; staff see all");

        api.MapGet("/gradebook", async Task<Ok<List<GradebookRow>>> (bool? explain, Gradebook gradebook, CancellationToken cancellationToken) =>
        {
            var grades = await gradebook.GradeAllAsync(cancellationToken);
            return TypedResults.Ok(grades.Select(g => new GradebookRow(
                g.StudentId,
                g.Components.Select(c => new GradebookComponent(c.Assignment.AssignmentId, c.Assignment.Score, c.Assignment.FullMarks, c.Weight, c.WeightedPoints,
                    c.Assignment.IsProvisional, c.Assignment.State,
                    long.TryParse(c.Assignment.Counting?.Counted.Submission.Id, NumberStyles.None, CultureInfo.InvariantCulture, out long counted) ? counted : null)).ToList(),
                g.BasePercent,
                g.CarriedBonus,
                g.FinalPercent,
                g.LetterIfFinal,
                g.Passed,
                g.IsProvisional,
                explain == true ? g.Explanation : [],
                g.State,
                g.CurrentPercentOnGradedWork,
                g.Projection?.Percent)).ToList());
        })
        .RequireAuthorization("instructor")
        .WithName("Gradebook")
        .WithSummary("Every student's weighted final grade with its components (instructor only)")
        .WithDescription("explain=true adds the policy engine's explanation: every rule applied, with its numbers (about 6 KB per student).")
        .Produces(StatusCodes.Status403Forbidden);

        // Gradebook exports: plain CSV, and Canvas's gradebook-import layout.
        api.MapGet("/gradebook.csv", async Task<FileContentHttpResult> (string? format, Gradebook gradebook, Grader.Data.Course.CourseCatalog course, CancellationToken cancellationToken) =>
        {
            var grades = await gradebook.GradeAllAsync(cancellationToken);
            string csv = string.Equals(format, "canvas", StringComparison.OrdinalIgnoreCase)
                ? GradebookCsv.Canvas(course.Tree, grades)
                : GradebookCsv.Plain(course.Tree, grades);
            string name = string.Create(CultureInfo.InvariantCulture, $"{course.Tree.Course.Id}-gradebook{(format is "canvas" ? "-canvas" : "")}.csv");
            return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(csv), "text/csv", name);
        })
        .RequireAuthorization("instructor")
        .WithName("ExportGradebook")
        .WithSummary("The gradebook as CSV (instructor only)")
        .WithDescription("format=canvas gives Canvas's gradebook-import layout; anything else the plain layout.")
        .Produces(StatusCodes.Status403Forbidden)
        .Produces<string>(StatusCodes.Status200OK, "text/csv");

        return endpoints;
    }
}

using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Extensions;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Grader.Web.Workspace;

/// <summary>
/// The workspace's file responses: a submission as submitted (<c>/Submissions/{id}/Download</c>, staff and the
/// submitter), a project PDF inline (<c>/Submissions/{id}/Pdf</c>, same people), and an assignment's submissions that
/// count as one streamed zip (<c>/Assignments/{id}/Submissions.zip</c>, staff). Bytes always come from the store by the
/// submission's content hash; a submission someone may not see answers 404, as its page does.
/// </summary>
public static class WorkspaceEndpoints
{
    public static IEndpointRouteBuilder MapWorkspace(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/Submissions/{id:long}/Download", async (long id, HttpContext http, SubmissionAccess access, GraderDbContext db, SubmissionDownloads downloads) =>
        {
            var submission = await VisibleAsync(id, http, access, db);
            if (submission is null || downloads.Open(submission) is not { } content)
            {
                return Results.NotFound();
            }

            http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
            return Results.File(content, SubmissionDownloads.ContentTypeOf(submission.OriginalFileName),
                SubmissionDownloads.SafeFileName(submission.OriginalFileName, $"submission-{id}"));
        }).RequireAuthorization();

        endpoints.MapGet("/Submissions/{id:long}/Pdf", async (long id, HttpContext http, SubmissionAccess access, GraderDbContext db, SubmissionDownloads downloads) =>
        {
            var submission = await VisibleAsync(id, http, access, db);
            if (submission is null || !submission.OriginalFileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase) || downloads.Open(submission) is not { } content)
            {
                return Results.NotFound();
            }

            // Inline, so the browser's viewer shows it in the page; the name only labels it.
            var disposition = new ContentDispositionHeaderValue("inline");
            disposition.SetHttpFileName(SubmissionDownloads.SafeFileName(submission.OriginalFileName, $"document-{id}.pdf"));
            http.Response.Headers[HeaderNames.ContentDisposition] = disposition.ToString();
            http.Response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
            WebHardening.AllowFramingBySameOrigin(http);  // The document page frames it beside the checks.
            return Results.File(content, "application/pdf", enableRangeProcessing: true);
        }).RequireAuthorization();

        endpoints.MapGet("/Assignments/{assignmentId}/Submissions.zip", async (string assignmentId, HttpContext http, CourseCatalog course, SubmissionDownloads downloads) =>
        {
            var tree = course.Tree;
            if (!tree.Assignments.Any(a => a.Id == assignmentId))
            {
                return Results.NotFound();
            }

            IReadOnlyList<(AssignmentGrade Grade, SubmissionRecord Submission)> counting;
            try
            {
                counting = await downloads.CountingAsync(assignmentId, http.RequestAborted);
            }
            catch (GradingInputException refused)
            {
                return Results.Problem(refused.Message, statusCode: StatusCodes.Status409Conflict, title: "The gradebook cannot be computed, so neither can which submissions count");
            }

            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName($"{SubmissionDownloads.SafeFileName(assignmentId, "assignment")}-submissions.zip");
            http.Response.ContentType = "application/zip";
            http.Response.Headers[HeaderNames.ContentDisposition] = disposition.ToString();
            // ZipArchive (.NET 10) still flushes an entry's end synchronously even on the async path; this one response
            // may block a thread for that write. Nothing is buffered: entries go to the body as they are written.
            if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } bodyControl)
            {
                bodyControl.AllowSynchronousIO = true;
            }

            await downloads.WriteAssignmentZipAsync(assignmentId, counting, http.Response.Body, http.RequestAborted);
            return Results.Empty;
        }).RequireAuthorization("staff");

        return endpoints;
    }

    private static async Task<SubmissionRecord?> VisibleAsync(long id, HttpContext http, SubmissionAccess access, GraderDbContext db) =>
        await access.CanSeeAsync(http.User, id, http.RequestAborted)
            ? await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, http.RequestAborted)
            : null;
}

using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Grader.Web.Pages.Student;

/// <summary>The team's project PDFs: upload, and the automatic checks to fix before the deadline.</summary>
public sealed class DocumentsModel(ProjectDocuments documents, TeamFormation teams, CourseCatalog course, UserManager<AppUser> users, IClock clock) : PageModel
{
    public sealed record DeliverableRow(Assignment Assignment, string Due, bool DeadlinePassed, ExtensionRecord? Extension, DocumentView? Latest);

    public TeamRecord? MyTeam { get; private set; }

    public IReadOnlyList<DeliverableRow> Deliverables { get; private set; } = [];

    public DateTimeZone Zone => course.Tree.Course.TimeZone;

    [BindProperty]
    public string? AssignmentId { get; set; }

    [BindProperty]
    public IFormFile? Upload { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var me = await users.GetUserAsync(User);
        if (me?.StudentIdentifier is not { } id)
        {
            return Forbid();
        }

        await LoadAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(CancellationToken cancellationToken)
    {
        var me = await users.GetUserAsync(User);
        if (me?.StudentIdentifier is not { } id || !User.IsInRole(Roles.Student))
        {
            return Forbid();
        }

        try
        {
            if (Upload is null || Upload.Length == 0)
            {
                throw new ReviewRejectedException("Choose the PDF to upload.");
            }

            if (Upload.Length > ProjectDocuments.MaxUploadBytes)
            {
                throw new ReviewRejectedException($"The upload is {Upload.Length / 1024 / 1024} MB; the limit is {ProjectDocuments.MaxUploadBytes / 1024 / 1024} MB.");
            }

            await using var content = Upload.OpenReadStream();
            var view = await documents.UploadAsync(id, AssignmentId ?? "", content, Upload.FileName, me, cancellationToken);
            Notice = $"{view.Submission.OriginalFileName} received for {view.Assignment.Title}. "
                + (view.Late.IsLate ? $"Late: {view.Late.Explanation}" : "The checks below are on this upload; fix what they find before the deadline.");
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(nameof(Upload), rejected.Message);
            await LoadAsync(id, cancellationToken);
            return Page();
        }

        return RedirectToPage();
    }

    private async Task LoadAsync(string me, CancellationToken cancellationToken)
    {
        MyTeam = await teams.TeamOfAsync(me, cancellationToken);
        var latest = MyTeam is null ? [] : await documents.LatestAsync([MyTeam.Id], cancellationToken);
        var now = clock.GetCurrentInstant();
        var rows = new List<DeliverableRow>();
        foreach (var assignment in documents.UploadableAssignments)
        {
            var extension = MyTeam is null ? null : await documents.ExtensionAsync(MyTeam.Id, assignment.Id, cancellationToken);
            // The late rule's own deadline (extension and grace period included) says whether an upload now is late.
            bool passed = documents.LateOutcome(assignment, extension, now).IsLate;
            var deadline = documents.LateOutcome(assignment, extension, now).Deadline;
            rows.Add(new DeliverableRow(assignment, Display.Time(deadline.ToInstant(), Zone), passed, extension, latest.FirstOrDefault(v => v.Assignment.Id == assignment.Id)));
        }

        Deliverables = rows;
    }
}

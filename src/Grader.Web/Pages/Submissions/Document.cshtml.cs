using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Submissions;

/// <summary>A project PDF shown inline (served by <c>/Submissions/{id}/Pdf</c> from the store) beside its document checks.</summary>
public sealed class DocumentModel(Gradebook gradebook, SubmissionAccess access) : PageModel
{
    public SubmissionView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        if (!await access.CanSeeAsync(User, id, cancellationToken) || await gradebook.ViewAsync(id, cancellationToken) is not { } view
            || !view.Submission.OriginalFileName.EndsWith(".pdf", StringComparison.OrdinalIgnoreCase))
        {
            return NotFound();
        }

        View = view;
        return Page();
    }
}

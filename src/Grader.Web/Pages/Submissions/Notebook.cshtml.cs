using Grader.Web.Grading;
using Grader.Web.Workspace;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Submissions;

/// <summary>
/// The submitted notebook(s) as Jupyter shows them, with the report's compiler and policy findings beside their lines
/// and the graded class's cell marked. Staff see every submission, a student their own; others answer 404.
/// </summary>
public sealed class NotebookModel(Gradebook gradebook, SubmissionAccess access, SubmissionContents contents) : PageModel
{
    public SubmissionView View { get; private set; } = null!;

    public IReadOnlyList<RenderedNotebook> Notebooks { get; private set; } = [];

    public IReadOnlyList<string> Problems { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        if (!await access.CanSeeAsync(User, id, cancellationToken) || await gradebook.ViewAsync(id, cancellationToken) is not { } view)
        {
            return NotFound();
        }

        View = view;
        var content = contents.Read(view.Submission);
        var findings = new ReportFindings(view.Report);
        Notebooks = [.. content.Notebooks.Select(notebook => NotebookRendering.Render(notebook, findings))];
        Problems = content.Problems;
        return Page();
    }
}

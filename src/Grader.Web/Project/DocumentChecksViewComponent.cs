using Microsoft.AspNetCore.Mvc;

namespace Grader.Web.Project;

/// <summary>
/// The rubric hints of a project PDF on its submission page: the automatic checks, and for staff the contribution
/// statement finding to confirm. Renders nothing for other submissions, so the page can always ask for it.
/// </summary>
public sealed class DocumentChecksViewComponent(ProjectDocuments documents) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync(long submissionId) =>
        await documents.ViewAsync(submissionId, HttpContext.RequestAborted) is { } view ? View(view) : Content("");
}

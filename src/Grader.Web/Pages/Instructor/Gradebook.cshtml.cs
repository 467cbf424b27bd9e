using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Instructor;

/// <summary>
/// Students × components with the current and final grade from the policy engine (CourseGrader), sorted, filtered,
/// searched and paged on the server from the query string (<see cref="GradebookRequest"/>), so it works without script.
/// </summary>
public sealed class GradebookModel(Gradebook gradebook, GraderDbContext db, CourseCatalog course) : PageModel
{
    public GradebookRequest Query { get; private set; } = null!;

    public GradebookPage Result { get; private set; } = null!;

    public CourseCatalog Course => course;

    // From the query string only: "page" is also Razor Pages' own route value (the page's path).
    public async Task OnGetAsync([FromQuery] string? sort, [FromQuery] string? dir, [FromQuery] string? status, [FromQuery] string? q,
        [FromQuery] string? page, [FromQuery] string? size, CancellationToken cancellationToken)
    {
        Query = GradebookRequest.Parse(course.Tree.Course, sort, dir, status, q, page, size);
        Result = Query.Apply(await GradebookRequest.LinesAsync(gradebook, db, course.Tree, cancellationToken));
    }

    /// <summary>This view with some values changed; the defaults are left out so that links stay short.</summary>
    public string Link(string? sort = null, bool? descending = null, int? page = null)
    {
        var values = new List<KeyValuePair<string, string?>>();
        string column = sort ?? Query.Sort;
        if (column != GradebookRequest.SortByStudent)
        {
            values.Add(new("sort", column));
        }

        if (descending ?? Query.Descending)
        {
            values.Add(new("dir", "desc"));
        }

        if (Query.Filter != GradebookFilter.All)
        {
            values.Add(new("status", Query.FilterValue));
        }

        if (Query.Search.Length > 0)
        {
            values.Add(new("q", Query.Search));
        }

        if (Query.PageSize != GradebookRequest.DefaultPageSize)
        {
            values.Add(new("size", Query.PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        if ((page ?? 1) != 1)
        {
            values.Add(new("page", page!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return "/Instructor/Gradebook" + QueryString.Create(values);
    }

    /// <summary>A column header's link: sorts by it, ascending first, then the other way; back to page 1.</summary>
    public string SortLink(string column) => Link(column, Query.Sort == column && !Query.Descending, 1);

    /// <summary>The header's aria-sort value: only the sorted column has one.</summary>
    public string? AriaSort(string column) => Query.Sort != column ? null : Query.Descending ? "descending" : "ascending";
}

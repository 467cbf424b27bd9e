using Grader.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages;

/// <summary>The start page is the role's own: students their assignments, TAs the queue, instructors the overview.</summary>
public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() =>
        User.IsInRole(Roles.Instructor) ? Redirect("/Instructor")
        : User.IsInRole(Roles.Ta) ? Redirect("/Ta/Queue")
        : User.IsInRole(Roles.Student) ? Redirect("/Student")
        : Redirect("/Account/AccessDenied");
}

using Grader.Data;
using Grader.Data.Course;
using Grader.GitHub;
using Grader.Web.GitHub;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Instructor.GitHub;

/// <summary>GitHub for the instructor: whether the API is configured, the Classroom roster import, and the assignments submitted through GitHub.</summary>
public sealed class IndexModel(GitHubRoster roster, GitHubOptions options, CourseCatalog course, UserManager<AppUser> users) : PageModel
{
    /// <summary>Larger than any course roster needs; a bigger upload is refused before it is read.</summary>
    public const int MaxRosterBytes = 1024 * 1024;

    public GitHubOptions Options => options;

    public CourseCatalog Course => course;

    [BindProperty]
    public IFormFile? RosterFile { get; set; }

    public RosterImportSummary? Imported { get; private set; }

    /// <summary>The import's problems, each with its file, line and field.</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostImportAsync(CancellationToken cancellationToken)
    {
        // The folder convention already admits only instructors; this is the second lock on the door.
        var by = await users.GetUserAsync(User);
        if (by is null || !User.IsInRole(Roles.Instructor))
        {
            return Forbid();
        }

        if (RosterFile is null || RosterFile.Length == 0)
        {
            Problems = ["Choose the roster CSV exported from GitHub Classroom (identifier,github_username,github_id,name[,group_name])."];
            return Page();
        }

        if (RosterFile.Length > MaxRosterBytes)
        {
            Problems = [$"{RosterFile.FileName}: {RosterFile.Length} bytes is more than a roster needs (at most {MaxRosterBytes})."];
            return Page();
        }

        string text;
        using (var reader = new StreamReader(RosterFile.OpenReadStream()))
        {
            text = await reader.ReadToEndAsync(cancellationToken);
        }

        try
        {
            Imported = await roster.ImportAsync(text, Path.GetFileName(RosterFile.FileName), by.DisplayName, cancellationToken);
        }
        catch (RosterImportException refused)
        {
            Problems = refused.Problems.Select(p => p.ToString()).ToList();
        }

        return Page();
    }
}

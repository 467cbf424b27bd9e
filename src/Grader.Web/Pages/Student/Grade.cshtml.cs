using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Student;

/// <summary>
/// The signed-in student's course grade: the policy engine's grade of the whole class (the gradebook's cached
/// computation), of which this page shows the student's own line only, with the student's explanation.
/// </summary>
public sealed class GradeModel(Gradebook gradebook, CourseCatalog course, UserManager<AppUser> users) : PageModel
{
    public FinalGrade? Grade { get; private set; }

    /// <summary>Why there is no grade to show (the engine refused the class's facts); null when there is one.</summary>
    public string? Unavailable { get; private set; }

    public CourseTree Tree => course.Tree;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if ((await users.GetUserAsync(User))?.StudentIdentifier is not { } netId)
        {
            return Forbid();
        }

        try
        {
            Grade = (await gradebook.GradeAllAsync(cancellationToken)).FirstOrDefault(g => g.StudentId == netId);
            Unavailable = Grade is null ? "You are not on the course roster, so there is no course grade to show." : null;
        }
        catch (GradingInputException)
        {
            // The staff see the engine's reason on the gradebook; it may name other students, so the student does not.
            Unavailable = "Your course grade cannot be computed right now; the course staff have been shown why.";
        }

        return Page();
    }
}

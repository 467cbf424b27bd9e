using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Instructor;

/// <summary>One student's final grade: the components and every rule the policy engine applied, with its numbers.</summary>
public sealed class FinalGradeModel(Gradebook gradebook, CourseCatalog course) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Student { get; set; } = "";

    public FinalGrade? Grade { get; private set; }

    public string StudentName { get; private set; } = "";

    public Grader.Core.Configuration.CourseTree Tree => course.Tree;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Grade = (await gradebook.GradeAllAsync(cancellationToken)).FirstOrDefault(g => g.StudentId == Student);
        if (Grade is null)
        {
            return NotFound();
        }

        StudentName = course.Tree.Roster.FirstOrDefault(s => s.Identifier == Student)?.Name ?? Student;
        return Page();
    }
}

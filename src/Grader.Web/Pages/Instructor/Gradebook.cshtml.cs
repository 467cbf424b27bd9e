using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Instructor;

/// <summary>Students × components with the weighted final and the policy engine's explanation (CourseGrader).</summary>
public sealed class GradebookModel(Gradebook gradebook, CourseCatalog course) : PageModel
{
    public IReadOnlyList<FinalGrade> Grades { get; private set; } = [];

    public CourseCatalog Course => course;

    public async Task OnGetAsync(CancellationToken cancellationToken) => Grades = await gradebook.GradeAllAsync(cancellationToken);
}

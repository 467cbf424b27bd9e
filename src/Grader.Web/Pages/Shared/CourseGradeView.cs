using Grader.Core.Configuration;
using Grader.Core.Grading;

namespace Grader.Web.Pages.Shared;

/// <summary>What <c>_CourseGrade.cshtml</c> shows: the engine's grade, for the staff or for the student it belongs to.</summary>
public sealed record CourseGradeView(FinalGrade Grade, CourseTree Tree, bool ForStudent)
{
    /// <summary>"HW1: Back-propagation and MLP (hw1-mlp)".</summary>
    public string Title(string assignmentId) =>
        Tree.Assignments.FirstOrDefault(a => a.Id == assignmentId) is { } assignment ? $"{assignment.Title} ({assignment.Id})" : assignmentId;
}

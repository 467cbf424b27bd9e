using FluentValidation;
using FluentValidation.Results;
using Grader.Core.Configuration.Documents;

namespace Grader.Core.Configuration.Validation;

/// <summary>
/// Rules that span files: grade components and assignment folders match one to one, every referenced file exists,
/// each rubric belongs to exactly the assignment that names it, and the contribution-statement rule names a team deliverable.
/// </summary>
public sealed class CourseTreeValidator : AbstractValidator<CourseDocuments>
{
    public CourseTreeValidator()
    {
        RuleFor(x => x).Custom((tree, context) =>
        {
            foreach (var failure in Check(tree))
            {
                context.AddFailure(failure);
            }
        });
    }

    private static IEnumerable<ValidationFailure> Check(CourseDocuments tree)
    {
        var assignmentsById = tree.Assignments
            .Where(a => a.Id is not null)
            .GroupBy(a => a.Id!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        if (tree.Course is { } course)
        {
            if (course.Roster is { } roster && !File.Exists(RosterPath(tree.RootDirectory, roster)))
            {
                yield return Failure(course.Source.Field("roster"),
                    $"\"{roster}\" does not exist (looked for {CourseDocumentReader.AssignmentsFolder}/{CourseDocumentReader.Normalize(roster)})");
            }

            var componentIds = new HashSet<string>(StringComparer.Ordinal);
            foreach (var component in course.Components ?? [])
            {
                if (component.Assignment is not { } id)
                {
                    continue;
                }

                componentIds.Add(id);
                var file = $"{CourseDocumentReader.AssignmentsFolder}/{id}/{CourseDocumentReader.AssignmentFileName}";
                if (!assignmentsById.ContainsKey(id) && !tree.UnreadableFiles.Contains(file))
                {
                    yield return Failure(component.Source.Field("assignment"),
                        $"\"{id}\" has no {CourseDocumentReader.AssignmentsFolder}/{id}/{CourseDocumentReader.AssignmentFileName}");
                }
            }

            if (course.Components is not null)
            {
                foreach (var assignment in tree.Assignments.Where(a => a.Id is not null && !componentIds.Contains(a.Id)))
                {
                    yield return Failure(assignment.Source.Field("id"),
                        $"\"{assignment.Id}\" is not a grade component in {CourseDocumentReader.CourseFile}; add it under components with its weight");
                }
            }

            if (course.TeamPolicy?.ContributionStatement is { Assignment: { } paperId } rule)
            {
                if (!assignmentsById.TryGetValue(paperId, out var paper))
                {
                    // A component whose assignment file is missing or unreadable is reported above.
                    if (!componentIds.Contains(paperId))
                    {
                        yield return Failure(rule.Source.Field("assignment"), $"\"{paperId}\" is not an assignment of this course");
                    }
                }
                else if (paper.Participation is not null && paper.Participation != "team")
                {
                    yield return Failure(rule.Source.Field("assignment"),
                        $"\"{paperId}\" is done individually (participation: {paper.Participation}); contribution statements only make sense for team work");
                }
            }
        }

        var rubricsByPath = tree.Rubrics.ToDictionary(r => r.Source.File, StringComparer.Ordinal);
        var claimedRubrics = new Dictionary<string, AssignmentDocument>(StringComparer.Ordinal);
        foreach (var assignment in tree.Assignments)
        {
            if (assignment.Rubric is not { } rubricPath || !CourseDocumentReader.IsSafeRelativePath(rubricPath))
            {
                continue;
            }

            var normalized = CourseDocumentReader.Normalize(rubricPath);
            if (tree.UnreadableFiles.Contains(normalized))
            {
                continue;
            }

            if (!File.Exists(Path.Combine(tree.RootDirectory, normalized)))
            {
                yield return Failure(assignment.Source.Field("rubric"), $"\"{rubricPath}\" does not exist");
                continue;
            }

            if (!claimedRubrics.TryAdd(normalized, assignment))
            {
                yield return Failure(assignment.Source.Field("rubric"),
                    $"\"{rubricPath}\" is already the rubric of {claimedRubrics[normalized].Id}; each assignment needs its own");
                continue;
            }

            if (rubricsByPath.TryGetValue(normalized, out var rubric) && rubric.Assignment is not null && rubric.Assignment != assignment.Id)
            {
                yield return Failure(rubric.Source.Field("assignment"),
                    $"\"{rubric.Assignment}\" does not match the assignment that uses this rubric ({assignment.Id}, in {assignment.Source.File})");
            }
        }

        foreach (var rubric in tree.Rubrics.Where(r => !claimedRubrics.ContainsKey(r.Source.File)))
        {
            var ownerFile = $"{CourseDocumentReader.AssignmentsFolder}/{rubric.Assignment}/{CourseDocumentReader.AssignmentFileName}";
            if (tree.UnreadableFiles.Contains(ownerFile))
            {
                continue; // Its assignment file could not be read, which is reported already.
            }

            var owner = rubric.Assignment is null ? null : assignmentsById.GetValueOrDefault(rubric.Assignment);
            yield return Failure(rubric.Source.Field("assignment"), owner is null
                ? $"\"{rubric.Assignment}\" has no {CourseDocumentReader.AssignmentsFolder}/{rubric.Assignment}/{CourseDocumentReader.AssignmentFileName}, so nothing uses this rubric"
                : $"{owner.Source.File} names \"{owner.Rubric}\" as its rubric, not this file");
        }
    }

    /// <summary>The roster path is relative to the folder holding course.yaml.</summary>
    public static string RosterPath(string rootDirectory, string roster) =>
        Path.Combine(rootDirectory, CourseDocumentReader.AssignmentsFolder, CourseDocumentReader.Normalize(roster));

    private static ValidationFailure Failure(FieldLocation field, string message) => CourseDocumentValidator.Failure(field, message);
}

using FluentValidation;
using Grader.Core.Configuration.Documents;
using NodaTime;

namespace Grader.Core.Configuration.Validation;

/// <summary>The rules for one <c>assignments/&lt;id&gt;/assignment.yaml</c>.</summary>
public sealed class AssignmentDocumentValidator : DocumentValidator<AssignmentDocument>
{
    /// <param name="courseTimeZone">The course's zone, to reject due times a DST change skips or repeats; null when unknown.</param>
    public AssignmentDocumentValidator(DateTimeZone? courseTimeZone)
    {
        Identifier(x => x.Id, "id", "give the assignment id (the same as its folder name)");
        RuleFor(x => x.Id)
            .Must((assignment, id) => id is null || id == assignment.FolderName)
            .Error("id", x => $"\"{x.Id}\" must match the folder name \"{x.FolderName}\"");
        Required(x => x.Title, "title", "give the title students see");
        OneOf(x => x.Kind, "kind", required: true, ConfigValues.AssignmentKinds, "say what is handed in");
        LocalDateTime(x => x.Due, "due", required: true, () => courseTimeZone, $"give the deadline as {ConfigValues.DateTimeFormat} in the course time zone");
        OneOf(x => x.Participation, "participation", required: true, ConfigValues.Participations, "say who submits");
        OneOf(x => x.SubmissionThatCounts, "submission_that_counts", required: false, ConfigValues.CountingRules, "");
        RuleFor(x => x.Rubric)
            .NotEmpty().Error("rubric", "is missing; name the rubric file, e.g. rubrics/hw1-mlp.yaml")
            .Must(path => CourseDocumentReader.IsSafeRelativePath(path!) && path!.EndsWith(".yaml", StringComparison.Ordinal))
            .Error("rubric", x => $"\"{x.Rubric}\" must be a .yaml path relative to the repository root, inside it (like rubrics/{x.FolderName}.yaml)");

        RequiredBlock(x => x.Submission, "submission", "say how the work is handed in (accepts: [...])");
        RuleFor(x => x.Submission!).SetValidator(new SubmissionValidator()).When(x => x.Submission is not null);

        RuleFor(x => x.Resources)
            .NotNull().When(x => x.Kind == "autograded-code")
            .Error("resources", "is missing; autograded code needs sandbox limits (cpu_seconds, wall_seconds, memory_mb, max_output_kb, gpu)");
        RuleFor(x => x.Resources)
            .Null().When(x => x.Kind is not null && x.Kind != "autograded-code")
            .Error("resources", x => $"does not apply here: only autograded-code runs in the sandbox, this is a {x.Kind}");
        // Limits on work that never runs are reported once above, not field by field.
        RuleFor(x => x.Resources!).SetValidator(new ResourceLimitsValidator())
            .When(x => x.Resources is not null && x.Kind is null or "autograded-code");
        RuleFor(x => x).Custom((assignment, context) =>
        {
            for (var index = 0; index < (assignment.Forbid?.Count ?? 0); index++)
            {
                var feature = assignment.Forbid![index];
                if (!ConfigValues.ForbiddenFeatures.ContainsKey(feature))
                {
                    context.AddFailure(CourseDocumentValidator.Failure(assignment.Source.Field($"forbid[{index}]"),
                        $"\"{feature}\" is not one of: {string.Join(", ", ConfigValues.ForbiddenFeatures.Keys)}"));
                }
            }

            if (assignment.Forbid is { Count: > 0 } && assignment.Kind is not null and not "autograded-code")
            {
                context.AddFailure(CourseDocumentValidator.Failure(assignment.Source.Field("forbid"),
                    $"does not apply here: only autograded code is checked for forbidden features, this is a {assignment.Kind}"));
            }
        });
    }
}

internal sealed class SubmissionValidator : DocumentValidator<SubmissionDocument>
{
    public SubmissionValidator()
    {
        RuleFor(x => x.Accepts)
            .NotEmpty().Error("accepts", $"is missing; list the accepted forms (any of: {string.Join(", ", ConfigValues.SubmissionForms.Keys)})");
        RuleFor(x => x).Custom((submission, context) =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var index = 0; index < (submission.Accepts?.Count ?? 0); index++)
            {
                var form = submission.Accepts![index];
                var field = submission.Source.Field($"accepts[{index}]");
                if (!ConfigValues.SubmissionForms.ContainsKey(form))
                {
                    context.AddFailure(CourseDocumentValidator.Failure(field,
                        $"\"{form}\" is not one of: {string.Join(", ", ConfigValues.SubmissionForms.Keys)}"));
                }
                else if (!seen.Add(form))
                {
                    context.AddFailure(CourseDocumentValidator.Failure(field, $"\"{form}\" is listed twice"));
                }
            }
        });

        RuleFor(x => x.RepositoryPrefix)
            .NotEmpty().OnlyWhen(x => x.Accepts?.Contains("github-classroom") == true)
            .Error("repository_prefix", "is missing; GitHub Classroom repositories are named <prefix>-<login>, so give the prefix (e.g. hw1-mlp)")
            .Matches("^[A-Za-z0-9._-]+$").OnlyWhen(x => x.RepositoryPrefix is not null)
            .Error("repository_prefix", x => $"\"{x.RepositoryPrefix}\" cannot start a GitHub repository name: use letters, digits, '.', '_' and '-'");
        RuleFor(x => x.ZipName)
            .NotEmpty().OnlyWhen(x => x.Accepts?.Contains("zip-upload") == true)
            .Error("zip_name", "is missing; give the expected upload name with {netid}, e.g. {netid}_hw1.zip")
            .Must(name => name!.Contains("{netid}", StringComparison.Ordinal) && name.EndsWith(".zip", StringComparison.Ordinal))
            .OnlyWhen(x => x.ZipName is not null)
            .Error("zip_name", x => $"\"{x.ZipName}\" must contain {{netid}} and end in .zip, e.g. {{netid}}_hw1.zip");
        Integer(x => x.MaxPages, "max_pages", required: false, 1, 1000, "");
        Boolean(x => x.PagesExcludeReferences, "pages_exclude_references", required: false, "");
    }
}

internal sealed class ResourceLimitsValidator : DocumentValidator<ResourceLimitsDocument>
{
    public ResourceLimitsValidator()
    {
        Integer(x => x.CpuSeconds, "cpu_seconds", required: true, 1, 24 * 3600, "give the CPU time limit in seconds");
        Integer(x => x.WallSeconds, "wall_seconds", required: true, 1, 24 * 3600, "give the wall-clock limit in seconds");
        Integer(x => x.MemoryMb, "memory_mb", required: true, 16, 1024 * 1024, "give the memory limit in MB");
        Integer(x => x.MaxOutputKb, "max_output_kb", required: true, 1, 1024 * 1024, "give the limit on printed output in KB");
        Boolean(x => x.Gpu, "gpu", required: true, "say whether the run may use a GPU (true or false)");
        Integer(x => x.NotebookSeconds, "notebook_seconds", required: false, 1, 3600, "give how long the notebook's own top-level code may run, in seconds");
        Integer(x => x.CompileSeconds, "compile_seconds", required: false, 1, 600, "give how long compiling a submission may take, in seconds");
        Integer(x => x.CompileMemoryMb, "compile_memory_mb", required: false, 64, 64 * 1024, "give how much memory compiling a submission may take, in MB");
    }
}

using Grader.Core.Configuration.Documents;
using Grader.Core.Configuration.Validation;
using NodaTime;

namespace Grader.Core.Configuration;

/// <summary>The outcome of <see cref="CourseTreeLoader.LoadAndValidate"/>: the tree when valid, else every error found.</summary>
public sealed record CourseValidationResult(CourseTree? Tree, IReadOnlyList<ConfigError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// The one entry point for reading a course: YAML files to documents (shape), validators (meaning), then the typed
/// <see cref="CourseTree"/>. Errors are sorted by file and line, each naming its field.
/// </summary>
public static class CourseTreeLoader
{
    /// <param name="rootDirectory">The repository root holding <c>assignments/</c> and <c>rubrics/</c>.</param>
    /// <param name="knownCheckIds">The check ids of Grader.Reference's catalog (Core cannot see them itself).</param>
    public static CourseValidationResult LoadAndValidate(string rootDirectory, IReadOnlySet<string> knownCheckIds)
    {
        ArgumentNullException.ThrowIfNull(knownCheckIds);
        var errors = new List<ConfigError>();
        var documents = CourseDocumentReader.Read(rootDirectory, errors);

        DateTimeZone? zone = null;
        if (documents.Course is { } course)
        {
            errors.AddRange(DocumentValidator<CourseDocument>.ToConfigErrors(new CourseDocumentValidator().Validate(course), course.Source));
            zone = ConfigValues.TimeZoneOrNull(course.TimeZone);
        }

        var assignmentValidator = new AssignmentDocumentValidator(zone);
        foreach (var assignment in documents.Assignments)
        {
            errors.AddRange(DocumentValidator<AssignmentDocument>.ToConfigErrors(assignmentValidator.Validate(assignment), assignment.Source));
        }

        var rubricValidator = new RubricDocumentValidator(knownCheckIds);
        foreach (var rubric in documents.Rubrics)
        {
            errors.AddRange(DocumentValidator<RubricDocument>.ToConfigErrors(rubricValidator.Validate(rubric), rubric.Source));
        }

        var treeResult = new CourseTreeValidator().Validate(documents);
        errors.AddRange(DocumentValidator<CourseDocument>.ToConfigErrors(treeResult, new SourceMap(new SourceLocation(CourseDocumentReader.CourseFile, 1, 1), "")));

        IReadOnlyList<RosterStudent> roster = [];
        if (documents.Course?.Roster is { } rosterPath && File.Exists(CourseTreeValidator.RosterPath(documents.RootDirectory, rosterPath)))
        {
            roster = RosterReader.Read(CourseTreeValidator.RosterPath(documents.RootDirectory, rosterPath),
                $"{CourseDocumentReader.AssignmentsFolder}/{CourseDocumentReader.Normalize(rosterPath)}", errors);
        }

        if (errors.Count > 0 || documents.Course is null)
        {
            return new CourseValidationResult(null, Sorted(errors));
        }

        return new CourseValidationResult(CourseTreeBinder.Bind(documents, roster), []);
    }

    private static List<ConfigError> Sorted(List<ConfigError> errors) =>
        errors.Distinct()
            .OrderBy(e => e.File, StringComparer.Ordinal)
            .ThenBy(e => e.Line)
            .ThenBy(e => e.Column)
            .ToList();
}

/// <summary>Turns validated documents into the typed model. Only called when validation found nothing wrong.</summary>
internal static class CourseTreeBinder
{
    public static CourseTree Bind(CourseDocuments documents, IReadOnlyList<RosterStudent> roster)
    {
        var course = BindCourse(documents.Course!);
        var assignments = documents.Assignments.Select(BindAssignment).ToList();
        var rubrics = documents.Rubrics.Select(BindRubric).ToList();

        // Components in course.yaml order; assignments follow the same order.
        var order = course.Components.Select((c, i) => (c.AssignmentId, i)).ToDictionary(p => p.AssignmentId, p => p.i);
        assignments.Sort((a, b) => order[a.Id].CompareTo(order[b.Id]));
        return new CourseTree(course, assignments, rubrics, roster);
    }

    private static Course BindCourse(CourseDocument document)
    {
        var late = document.LatePolicy!;
        var team = document.TeamPolicy!;
        return new Course(
            Id: document.Id!,
            Title: document.Title!,
            Code: document.Code ?? "",
            Term: document.Term ?? "",
            TimeZone: ConfigValues.TimeZoneOrNull(document.TimeZone)!,
            RosterPath: $"{CourseDocumentReader.AssignmentsFolder}/{CourseDocumentReader.Normalize(document.Roster!)}",
            Components: document.Components!.Select(c => new GradeComponent(c.Assignment!, Decimal(c.Weight))).ToList(),
            LatePolicy: new LatePolicy(
                ConfigValues.Enum(ConfigValues.LatePolicyKinds, late.Kind!),
                Duration.FromMinutes(late.GraceMinutes is null ? 0 : Integer(late.GraceMinutes)),
                late.PenaltyPercentPerDay is null ? 0 : Decimal(late.PenaltyPercentPerDay),
                late.MaxPenaltyPercent is null ? 0 : Decimal(late.MaxPenaltyPercent),
                late.MaxDaysLate is null ? null : Integer(late.MaxDaysLate)),
            BonusPolicy: new BonusPolicy(
                ConfigValues.Enum(ConfigValues.BonusCarryOvers, document.BonusPolicy!.CarryOver!),
                Decimal(document.BonusPolicy.PassMark)),
            PlagiarismPolicy: new PlagiarismPolicy(
                ConfigValues.Enum(ConfigValues.PlagiarismActions, document.PlagiarismPolicy!.FirstOffence!),
                ConfigValues.Enum(ConfigValues.PlagiarismActions, document.PlagiarismPolicy.RepeatOffence!)),
            TeamPolicy: new TeamPolicy(
                Integer(team.MaxSize),
                team.FinalizedBy is null ? null : LocalDateTime(team.FinalizedBy),
                team.ContributionStatement is null ? null : new ContributionStatementRule(
                    team.ContributionStatement.Assignment!, Decimal(team.ContributionStatement.DeductionPercent))),
            LetterGrades: (document.LetterGrades ?? [])
                .Select(l => new LetterGradeCutoff(l.Letter!, Decimal(l.Min)))
                .OrderByDescending(l => l.MinimumPercent)
                .ToList())
        {
            Source = document.Source,
            SubmissionThatCounts = document.SubmissionThatCounts is null ? null : ConfigValues.Enum(ConfigValues.CountingRules, document.SubmissionThatCounts),
        };
    }

    private static Assignment BindAssignment(AssignmentDocument document)
    {
        var submission = document.Submission!;
        var resources = document.Resources;
        return new Assignment(
            Id: document.Id!,
            Title: document.Title!,
            Kind: ConfigValues.Enum(ConfigValues.AssignmentKinds, document.Kind!),
            Due: LocalDateTime(document.Due),
            Participation: ConfigValues.Enum(ConfigValues.Participations, document.Participation!),
            Submission: new SubmissionRules(
                submission.Accepts!.Select(form => ConfigValues.Enum(ConfigValues.SubmissionForms, form)).ToList(),
                submission.RepositoryPrefix,
                submission.ZipName,
                submission.MaxPages is null ? null : Integer(submission.MaxPages),
                submission.PagesExcludeReferences is not null && ConfigValues.TryBoolean(submission.PagesExcludeReferences, out var exclude) && exclude,
                submission.Format),
            RubricPath: CourseDocumentReader.Normalize(document.Rubric!),
            Resources: resources is null ? null : new ResourceLimits(
                Integer(resources.CpuSeconds), Integer(resources.WallSeconds), Integer(resources.MemoryMb),
                Integer(resources.MaxOutputKb), ConfigValues.TryBoolean(resources.Gpu, out var gpu) && gpu,
                resources.NotebookSeconds is null ? null : Integer(resources.NotebookSeconds),
                resources.CompileSeconds is null ? null : Integer(resources.CompileSeconds),
                resources.CompileMemoryMb is null ? null : Integer(resources.CompileMemoryMb)))
        {
            Source = document.Source,
            Forbids = (document.Forbid ?? []).Select(feature => ConfigValues.Enum(ConfigValues.ForbiddenFeatures, feature)).ToHashSet(),
            SubmissionThatCounts = document.SubmissionThatCounts is null ? null : ConfigValues.Enum(ConfigValues.CountingRules, document.SubmissionThatCounts),
        };
    }

    private static Rubric BindRubric(RubricDocument document) =>
        new(document.Assignment!, document.Title!, document.Items!.Select(item => new RubricItem(
            Id: item.Id!,
            Description: item.Description!,
            Points: Decimal(item.Points),
            Kind: ConfigValues.Enum(ConfigValues.RubricItemKinds, item.Kind!),
            CheckId: item.Check,
            Credit: item.Credit is null ? CreditRule.AllOrNothing : ConfigValues.Enum(ConfigValues.CreditRules, item.Credit),
            Type: item.Type is null ? RubricItemType.Regular : ConfigValues.Enum(ConfigValues.RubricItemTypes, item.Type))
        {
            Source = item.Source,
        }).ToList())
        {
            Source = document.Source,
        };

    private static decimal Decimal(string? text) => ConfigValues.TryDecimal(text, out var value) ? value : throw Unvalidated(text);

    private static int Integer(string? text) => ConfigValues.TryInteger(text, out var value) ? value : throw Unvalidated(text);

    private static LocalDateTime LocalDateTime(string? text) => ConfigValues.TryLocalDateTime(text, out var value) ? value : throw Unvalidated(text);

    private static InvalidOperationException Unvalidated(string? text) =>
        new($"\"{text}\" reached the binder without passing validation; this is a bug in the validators.");
}

namespace Grader.Core.Configuration.Documents;

/// <summary>
/// Reads the configuration files of a repository root into <see cref="CourseDocuments"/>: <c>assignments/course.yaml</c>,
/// every <c>assignments/*/assignment.yaml</c>, every <c>rubrics/*.yaml</c> and any other rubric an assignment names.
/// Shape problems (YAML syntax, a list where a value belongs, unknown fields) are added to the error list.
/// </summary>
public static class CourseDocumentReader
{
    public const string CourseFile = "assignments/course.yaml";
    public const string AssignmentsFolder = "assignments";
    public const string AssignmentFileName = "assignment.yaml";
    public const string RubricsFolder = "rubrics";

    public static CourseDocuments Read(string rootDirectory, List<ConfigError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var root = Path.GetFullPath(rootDirectory);
        var unreadable = new HashSet<string>(StringComparer.Ordinal);

        CourseDocument? course = null;
        if (File.Exists(Path.Combine(root, CourseFile)))
        {
            course = ReadCourse(root, CourseFile, errors);
            if (course is null)
            {
                unreadable.Add(CourseFile);
            }
        }
        else
        {
            errors.Add(ConfigError.At(new SourceLocation(CourseFile, 1, 1), "the course file is missing; it describes the course and its grade components"));
        }

        var assignments = new List<AssignmentDocument>();
        var assignmentsDirectory = Path.Combine(root, AssignmentsFolder);
        if (Directory.Exists(assignmentsDirectory))
        {
            foreach (var folder in Directory.GetDirectories(assignmentsDirectory).Order(StringComparer.Ordinal))
            {
                var relative = $"{AssignmentsFolder}/{Path.GetFileName(folder)}/{AssignmentFileName}";
                if (!File.Exists(Path.Combine(root, relative)))
                {
                    continue;
                }

                if (ReadAssignment(root, relative, Path.GetFileName(folder), errors) is { } assignment)
                {
                    assignments.Add(assignment);
                }
                else
                {
                    unreadable.Add(relative);
                }
            }
        }

        var rubricFiles = new SortedSet<string>(StringComparer.Ordinal);
        var rubricsDirectory = Path.Combine(root, RubricsFolder);
        if (Directory.Exists(rubricsDirectory))
        {
            foreach (var file in Directory.GetFiles(rubricsDirectory, "*.yaml"))
            {
                rubricFiles.Add($"{RubricsFolder}/{Path.GetFileName(file)}");
            }
        }

        foreach (var assignment in assignments)
        {
            if (assignment.Rubric is { } rubricPath && IsSafeRelativePath(rubricPath) && File.Exists(Path.Combine(root, rubricPath)))
            {
                rubricFiles.Add(Normalize(rubricPath));
            }
        }

        var rubrics = new List<RubricDocument>();
        foreach (var relative in rubricFiles)
        {
            if (ReadRubric(root, relative, errors) is { } rubric)
            {
                rubrics.Add(rubric);
            }
            else
            {
                unreadable.Add(relative);
            }
        }

        return new CourseDocuments(root, course, assignments, rubrics, unreadable);
    }

    /// <summary>A path inside the repository: relative, no <c>..</c> segments.</summary>
    public static bool IsSafeRelativePath(string path) =>
        path.Length > 0 && !Path.IsPathRooted(path) && !Normalize(path).Split('/').Contains("..");

    /// <summary>Forward slashes, no leading <c>./</c>: the form paths take in error messages.</summary>
    public static string Normalize(string path)
    {
        var forward = path.Replace('\\', '/');
        while (forward.StartsWith("./", StringComparison.Ordinal))
        {
            forward = forward[2..];
        }

        return forward;
    }

    internal static CourseDocument? ReadCourse(string root, string relative, List<ConfigError> errors)
    {
        var reader = YamlMappingReader.OpenFile(Path.Combine(root, relative), relative, errors);
        if (reader is null)
        {
            return null;
        }

        var late = reader.Mapping("late_policy");
        var bonus = reader.Mapping("bonus_policy");
        var plagiarism = reader.Mapping("plagiarism_policy");
        var team = reader.Mapping("team_policy");
        var contribution = team?.Mapping("contribution_statement");

        var document = new CourseDocument(
            Id: reader.Scalar("id"),
            Title: reader.Scalar("title"),
            Code: reader.Scalar("code"),
            Term: reader.Scalar("term"),
            TimeZone: reader.Scalar("time_zone"),
            Roster: reader.Scalar("roster"),
            Components: reader.MappingList("components")?.Select(item =>
            {
                var component = new GradeComponentDocument(item.Scalar("assignment"), item.Scalar("weight"), item.Source);
                item.ReportUnknownKeys();
                return component;
            }).ToList(),
            LatePolicy: late is null ? null : new LatePolicyDocument(
                late.Scalar("kind"), late.Scalar("grace_minutes"), late.Scalar("penalty_percent_per_day"),
                late.Scalar("max_penalty_percent"), late.Scalar("max_days_late"), late.Source),
            BonusPolicy: bonus is null ? null : new BonusPolicyDocument(bonus.Scalar("carry_over"), bonus.Scalar("pass_mark"), bonus.Source),
            PlagiarismPolicy: plagiarism is null ? null : new PlagiarismPolicyDocument(
                plagiarism.Scalar("first_offence"), plagiarism.Scalar("repeat_offence"), plagiarism.Source),
            TeamPolicy: team is null ? null : new TeamPolicyDocument(
                team.Scalar("max_size"), team.Scalar("finalized_by"),
                contribution is null ? null : new ContributionStatementDocument(
                    contribution.Scalar("assignment"), contribution.Scalar("deduction_percent"), contribution.Source),
                team.Source),
            LetterGrades: reader.MappingList("letter_grades")?.Select(item =>
            {
                var letter = new LetterGradeDocument(item.Scalar("letter"), item.Scalar("min"), item.Source);
                item.ReportUnknownKeys();
                return letter;
            }).ToList(),
            Source: reader.Source)
        {
            SubmissionThatCounts = reader.Scalar("submission_that_counts"),
        };

        foreach (var block in new[] { reader, late, bonus, plagiarism, team, contribution })
        {
            block?.ReportUnknownKeys();
        }

        return document;
    }

    internal static AssignmentDocument? ReadAssignment(string root, string relative, string folderName, List<ConfigError> errors)
    {
        var reader = YamlMappingReader.OpenFile(Path.Combine(root, relative), relative, errors);
        if (reader is null)
        {
            return null;
        }

        var submission = reader.Mapping("submission");
        var resources = reader.Mapping("resources");
        var document = new AssignmentDocument(
            FolderName: folderName,
            Id: reader.Scalar("id"),
            Title: reader.Scalar("title"),
            Kind: reader.Scalar("kind"),
            Due: reader.Scalar("due"),
            Participation: reader.Scalar("participation"),
            Submission: submission is null ? null : new SubmissionDocument(
                submission.ScalarList("accepts"), submission.Scalar("repository_prefix"), submission.Scalar("zip_name"),
                submission.Scalar("max_pages"), submission.Scalar("pages_exclude_references"), submission.Scalar("format"),
                submission.Source),
            Rubric: reader.Scalar("rubric"),
            Resources: resources is null ? null : new ResourceLimitsDocument(
                resources.Scalar("cpu_seconds"), resources.Scalar("wall_seconds"), resources.Scalar("memory_mb"),
                resources.Scalar("max_output_kb"), resources.Scalar("gpu"), resources.Scalar("notebook_seconds"), resources.Source,
                resources.Scalar("compile_seconds"), resources.Scalar("compile_memory_mb")),
            Forbid: reader.ScalarList("forbid"),
            Source: reader.Source)
        {
            SubmissionThatCounts = reader.Scalar("submission_that_counts"),
        };

        foreach (var block in new[] { reader, submission, resources })
        {
            block?.ReportUnknownKeys();
        }

        return document;
    }

    internal static RubricDocument? ReadRubric(string root, string relative, List<ConfigError> errors)
    {
        var reader = YamlMappingReader.OpenFile(Path.Combine(root, relative), relative, errors);
        if (reader is null)
        {
            return null;
        }

        var document = new RubricDocument(
            FileStem: Path.GetFileNameWithoutExtension(relative),
            Assignment: reader.Scalar("assignment"),
            Title: reader.Scalar("title"),
            Items: reader.MappingList("items")?.Select(item =>
            {
                var rubricItem = new RubricItemDocument(
                    item.Scalar("id"), item.Scalar("description"), item.Scalar("points"), item.Scalar("kind"),
                    item.Scalar("check"), item.Scalar("credit"), item.Scalar("type"), item.Source);
                item.ReportUnknownKeys();
                return rubricItem;
            }).ToList(),
            Source: reader.Source);
        reader.ReportUnknownKeys();
        return document;
    }
}

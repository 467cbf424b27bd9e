using Grader.Core.Configuration;
using Grader.Core.Grading;
using NodaTime;

namespace Grader.Core.Tests.Grading;

/// <summary>
/// The syllabus course built in code (so the policy tests do not depend on YAML): HW1-3 at 20% each, the project at
/// 5/5/25/5, the 2023 due dates in America/New_York, teams of two, no late credit, 5% contribution deduction.
/// Homework rubrics: forward (50, proportional), training (50, all-or-nothing), bonus (10, proportional bonus).
/// Project rubrics: overall (100, manual, proportional); the paper also has an over-page-limit deduction of 10.
/// </summary>
internal static class TestCourse
{
    public static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    public static CourseTree Syllabus(IEnumerable<string> students, LatePolicy? latePolicy = null, BonusPolicy? bonusPolicy = null)
    {
        var course = new Course(
            Id: "dlm-test", Title: "Deep Learning in Medicine", Code: "", Term: "Spring 2023", TimeZone: NewYork, RosterPath: "assignments/roster.csv",
            Components:
            [
                new("hw1-mlp", 20), new("hw2-cnn", 20), new("hw3-rnn", 20),
                new("project-proposal", 5), new("project-proposal-presentation", 5), new("project-paper", 25), new("project-paper-presentation", 5),
            ],
            LatePolicy: latePolicy ?? LatePolicy.NoCredit(Duration.Zero),
            BonusPolicy: bonusPolicy ?? new BonusPolicy(BonusCarryOver.FailToPass, 70),
            PlagiarismPolicy: new PlagiarismPolicy(PlagiarismAction.ZeroAssignment, PlagiarismAction.FailCourse),
            TeamPolicy: new TeamPolicy(2, new LocalDateTime(2023, 3, 8, 23, 59), new ContributionStatementRule("project-paper", 5)),
            LetterGrades:
            [
                new("A", 93), new("A-", 90), new("B+", 87), new("B", 83), new("B-", 80),
                new("C+", 77), new("C", 73), new("C-", 70), new("F", 0),
            ]);

        var assignments = new List<Assignment>
        {
            Homework("hw1-mlp", new LocalDateTime(2023, 2, 16, 23, 59)),
            Homework("hw2-cnn", new LocalDateTime(2023, 3, 23, 23, 59)),
            Homework("hw3-rnn", new LocalDateTime(2023, 4, 17, 23, 59)),
            Project("project-proposal", AssignmentKind.Document, new LocalDateTime(2023, 3, 7, 10, 0)),
            Project("project-proposal-presentation", AssignmentKind.Presentation, new LocalDateTime(2023, 3, 7, 10, 0)),
            Project("project-paper", AssignmentKind.Document, new LocalDateTime(2023, 5, 6, 17, 0)),
            Project("project-paper-presentation", AssignmentKind.Presentation, new LocalDateTime(2023, 5, 2, 10, 0)),
        };

        var rubrics = assignments.Select(a => a.Kind == AssignmentKind.AutogradedCode ? HomeworkRubric(a.Id) : ProjectRubric(a.Id)).ToList();
        var roster = students.Select(s => new RosterStudent(s, $"{s}-gh", "", s)).ToList();
        return new CourseTree(course, assignments, rubrics, roster);
    }

    public static Rubric HomeworkRubric(string id) => new(id, id,
    [
        new RubricItem("forward", "Forward pass", 50, RubricItemKind.Auto, $"{id}.forward", CreditRule.Proportional),
        new RubricItem("training", "Training reaches the target accuracy", 50, RubricItemKind.Auto, $"{id}.training"),
        new RubricItem("bonus", "Bonus question", 10, RubricItemKind.Auto, $"{id}.bonus", CreditRule.Proportional, RubricItemType.Bonus),
    ]);

    private static Rubric ProjectRubric(string id) => new(id, id, id == "project-paper"
        ?
        [
            new RubricItem("overall", "Overall", 100, RubricItemKind.Manual, null, CreditRule.Proportional),
            new RubricItem("over-page-limit", "Longer than 6 pages", 10, RubricItemKind.Manual, null, CreditRule.AllOrNothing, RubricItemType.Deduction),
        ]
        : [new RubricItem("overall", "Overall", 100, RubricItemKind.Manual, null, CreditRule.Proportional)]);

    private static Assignment Homework(string id, LocalDateTime due) => new(id, id, AssignmentKind.AutogradedCode, due, Participation.Individual,
        new SubmissionRules([SubmissionForm.GitHubClassroom], id, null, null, false, null), $"rubrics/{id}.yaml", new ResourceLimits(60, 120, 1024, 256, false));

    private static Assignment Project(string id, AssignmentKind kind, LocalDateTime due) => new(id, id, kind, due, Participation.Team,
        new SubmissionRules([SubmissionForm.PdfUpload], null, null, null, false, null), $"rubrics/{id}.yaml", null);

    /// <summary>A New York wall-clock time, e.g. "2023-02-16 23:59" or "2023-02-16 23:59:30".</summary>
    public static Instant At(string local)
    {
        var pattern = local.Length > 16
            ? NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm':'ss")
            : NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm");
        return pattern.Parse(local).Value.InZoneStrictly(NewYork).ToInstant();
    }

    /// <summary>A homework submission with the given check fractions (forward, training, bonus).</summary>
    public static Submission Homework(string student, string assignment, string submittedAt, double forward, double training, double bonus = 0) =>
        new(student, assignment, At(submittedAt),
        [
            new CheckOutcome("forward", forward, forward == 1 ? CheckStatus.Passed : CheckStatus.PartialCredit, $"forward {forward:0.##}"),
            new CheckOutcome("training", training, training == 1 ? CheckStatus.Passed : CheckStatus.Failed, $"training {training:0.##}"),
            new CheckOutcome("bonus", bonus, bonus == 1 ? CheckStatus.Passed : CheckStatus.PartialCredit, $"bonus {bonus:0.##}"),
        ]);

    /// <summary>A project deliverable a TA scored out of 100.</summary>
    public static Submission Project(string submitter, string assignment, string submittedAt, decimal overall) =>
        new(submitter, assignment, At(submittedAt), ProjectOutcomes(assignment, overall));

    private static List<ItemOutcome> ProjectOutcomes(string assignment, decimal overall)
    {
        var outcomes = new List<ItemOutcome> { new TaScore("overall", overall, "TA review", "ta1") };
        if (assignment == "project-paper")
        {
            outcomes.Add(new TaScore("over-page-limit", 0, "6 pages", "ta1"));
        }

        return outcomes;
    }

    /// <summary>All four project deliverables of one team, on time, with the given scores.</summary>
    public static IEnumerable<Submission> ProjectWork(string submitter, decimal proposal, decimal proposalTalk, decimal paper, decimal paperTalk) =>
    [
        Project(submitter, "project-proposal", "2023-03-07 09:00", proposal),
        Project(submitter, "project-proposal-presentation", "2023-03-07 09:00", proposalTalk),
        Project(submitter, "project-paper", "2023-05-06 12:00", paper),
        Project(submitter, "project-paper-presentation", "2023-05-02 09:00", paperTalk),
    ];
}

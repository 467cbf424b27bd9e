using Grader.Core.Configuration;
using NodaTime;

namespace Grader.Core.Tests.Configuration;

public sealed class CourseTreeLoaderTests
{
    [Test]
    public void The_fixture_course_is_valid_and_binds_to_typed_records()
    {
        using var fixture = new FixtureCourse();

        var result = fixture.Validate();

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
        var tree = result.Tree!;
        Assert.Multiple(() =>
        {
            Assert.That(tree.Course.Id, Is.EqualTo("fixture-course"));
            Assert.That(tree.Course.TimeZone.Id, Is.EqualTo("America/New_York"));
            Assert.That(tree.Course.Components.Select(c => (c.AssignmentId, c.Weight)),
                Is.EqualTo(new[] { ("hw1-mlp", 60m), ("project-paper", 40m) }));
            Assert.That(tree.Course.LatePolicy, Is.EqualTo(LatePolicy.NoCredit(Duration.Zero)));
            Assert.That(tree.Course.BonusPolicy, Is.EqualTo(new BonusPolicy(BonusCarryOver.FailToPass, 70m)));
            Assert.That(tree.Course.PlagiarismPolicy, Is.EqualTo(new PlagiarismPolicy(PlagiarismAction.ZeroAssignment, PlagiarismAction.FailCourse)));
            Assert.That(tree.Course.TeamPolicy.MaxSize, Is.EqualTo(2));
            Assert.That(tree.Course.TeamPolicy.FinalizedBy, Is.EqualTo(new LocalDateTime(2023, 3, 8, 23, 59)));
            Assert.That(tree.Course.TeamPolicy.ContributionStatement, Is.EqualTo(new ContributionStatementRule("project-paper", 5m)));
            Assert.That(tree.Course.LetterGrades.Select(l => l.Letter), Is.EqualTo(new[] { "A", "F" }));
            Assert.That(tree.Course.RosterPath, Is.EqualTo("assignments/roster.csv"));

            var hw1 = tree.Assignment("hw1-mlp");
            Assert.That(hw1.Kind, Is.EqualTo(AssignmentKind.AutogradedCode));
            Assert.That(hw1.Due, Is.EqualTo(new LocalDateTime(2023, 2, 16, 23, 59)));
            Assert.That(hw1.DueIn(tree.Course.TimeZone).ToInstant(), Is.EqualTo(Instant.FromUtc(2023, 2, 17, 4, 59)));
            Assert.That(hw1.Participation, Is.EqualTo(Participation.Individual));
            Assert.That(hw1.Submission.Accepts, Is.EqualTo(new[] { SubmissionForm.GitHubClassroom, SubmissionForm.ZipUpload }));
            Assert.That(hw1.Submission.RepositoryNameFor("octocat"), Is.EqualTo("hw1-mlp-octocat"));
            Assert.That(hw1.Submission.ZipNameFor("ab1234"), Is.EqualTo("ab1234_hw1.zip"));
            Assert.That(hw1.Resources, Is.EqualTo(new ResourceLimits(60, 120, 1024, 256, false)));

            var paper = tree.Assignment("project-paper");
            Assert.That(paper.Participation, Is.EqualTo(Participation.Team));
            Assert.That(paper.Submission.MaxPages, Is.EqualTo(6));
            Assert.That(paper.Submission.PagesExcludeReferences, Is.True);
            Assert.That(paper.Submission.Format, Is.EqualTo("jmlr"));
            Assert.That(paper.Resources, Is.Null);

            var rubric = tree.RubricFor("hw1-mlp");
            Assert.That(rubric.FullMarks, Is.EqualTo(100m));
            Assert.That(rubric.Item("forward-pass")! with { Source = SourceMap.None }, Is.EqualTo(new RubricItem("forward-pass", "Forward pass", 60m, RubricItemKind.Auto,
                "hw1.forward-pass", CreditRule.Proportional, RubricItemType.Regular)));
            Assert.That(rubric.Item("sgd-step")!.Credit, Is.EqualTo(CreditRule.AllOrNothing), "all-or-nothing is the default");
            Assert.That(rubric.Item("extra")!.Type, Is.EqualTo(RubricItemType.Bonus));
            Assert.That(tree.RubricFor("project-paper").Item("over-page-limit")!.Type, Is.EqualTo(RubricItemType.Deduction));

            Assert.That(tree.Roster.Select(s => s.Identifier), Is.EqualTo(new[] { "fx0001", "fx0002", "fx0003" }));
            Assert.That(tree.Roster[0].Name, Is.EqualTo("One, Fixture"));
            Assert.That(tree.Roster[2].GitHubUsername, Is.Empty);
        });
    }

    [Test]
    public void Every_loaded_field_knows_its_file_line_and_column()
    {
        using var fixture = new FixtureCourse();
        var tree = fixture.Validate().Tree!;

        Assert.Multiple(() =>
        {
            Assert.That(tree.Course.Source["time_zone"], Is.EqualTo(new SourceLocation("assignments/course.yaml", 3, 1)));
            Assert.That(tree.Course.Source.Field("components"),
                Is.EqualTo(new FieldLocation(new SourceLocation("assignments/course.yaml", 5, 1), "components")));
            Assert.That(tree.Assignment("hw1-mlp").Source["due"], Is.EqualTo(new SourceLocation("assignments/hw1-mlp/assignment.yaml", 4, 1)));
            var sgd = tree.RubricFor("hw1-mlp").Item("sgd-step")!;
            Assert.That(sgd.Source.Field("points"), Is.EqualTo(new FieldLocation(new SourceLocation("rubrics/hw1-mlp.yaml", 12, 5), "items[1].points")));
            Assert.That(sgd.Source.Field("credit").Location, Is.EqualTo(sgd.Source.Mapping), "an absent field points at its block");
        });
    }

    [Test]
    public void A_YAML_syntax_error_is_a_positioned_error_and_no_tree_is_returned()
    {
        using var fixture = new FixtureCourse();
        fixture.Edit("rubrics/hw1-mlp.yaml", "title: \"HW1 rubric\"", "title: \"HW1 rubric");

        var result = fixture.Validate();

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Tree, Is.Null);
        Assert.That(result.Errors, Has.Count.EqualTo(1), string.Join("\n", result.Errors));
        Assert.That(result.Errors[0].File, Is.EqualTo("rubrics/hw1-mlp.yaml"));
        Assert.That(result.Errors[0].Line, Is.GreaterThanOrEqualTo(2));
        Assert.That(result.Errors[0].Message, Does.StartWith("this is not valid YAML: "));
    }

    [Test]
    public void A_key_given_twice_is_reported()
    {
        using var fixture = new FixtureCourse();
        fixture.Edit("assignments/course.yaml", "title: \"Fixture course\"\n", "title: \"Fixture course\"\ntitle: again\n");

        var result = fixture.Validate();

        Assert.That(result.Errors.Select(e => e.ToString()), Has.One.StartsWith("assignments/course.yaml:").And.Contains("not valid YAML"));
    }

    [Test]
    public void An_empty_file_and_a_list_at_the_top_level_are_reported()
    {
        using var fixture = new FixtureCourse();
        fixture.Write("rubrics/project-paper.yaml", "");
        fixture.Write("assignments/hw1-mlp/assignment.yaml", "- id: hw1-mlp\n");

        var errors = fixture.Validate().Errors.Select(e => e.ToString()).ToList();

        Assert.That(errors, Is.EqualTo(new[]
        {
            "assignments/hw1-mlp/assignment.yaml:1: the top level must be a block of 'key: value' fields",
            "rubrics/project-paper.yaml:1: the file is empty",
        }), "unreadable files are reported once, not again as missing");
    }

    [Test]
    public void Every_error_carries_a_real_position()
    {
        using var fixture = new FixtureCourse();
        fixture.Write("assignments/course.yaml", "id: X\nweights: 3\ncomponents:\n  - weight: x\n");
        fixture.Write("rubrics/hw1-mlp.yaml", "assignment: hw1-mlp\nitems:\n  - points: -1\n    kind: robot\n");

        var errors = fixture.Validate().Errors;

        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors, Has.All.Matches<ConfigError>(e => e.Line > 0 && e.File.Length > 0 && e.Message.Length > 0));
    }
}

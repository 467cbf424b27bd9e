using System.Text.RegularExpressions;
using Grader.Core.Configuration;
using NodaTime;

namespace Grader.Core.Tests.Configuration;

/// <summary>
/// The demo course shipped in assignments/ and rubrics/ must validate and say what the syllabus says. The check
/// catalog lives in Grader.Reference, which Core's tests cannot see, so here every check a rubric names counts as
/// known; `grader validate` checks the names against the real catalog.
/// </summary>
public sealed partial class ShippedCourseTests
{
    private static readonly string[] HomeworkIds = ["hw1-mlp", "hw2-cnn", "hw3-rnn"];

    [Test]
    public void The_shipped_course_validates()
    {
        var result = LoadShippedCourse();

        Assert.That(result.Errors, Is.Empty, string.Join("\n", result.Errors));
    }

    [Test]
    public void The_shipped_course_follows_the_syllabus()
    {
        var tree = LoadShippedCourse().Tree!;
        var course = tree.Course;
        var zone = course.TimeZone;

        Assert.Multiple(() =>
        {
            Assert.That(zone.Id, Is.EqualTo("America/New_York"));
            Assert.That(course.Components.ToDictionary(c => c.AssignmentId, c => c.Weight), Is.EquivalentTo(new Dictionary<string, decimal>
            {
                ["hw1-mlp"] = 20, ["hw2-cnn"] = 20, ["hw3-rnn"] = 20,
                ["project-proposal"] = 5, ["project-proposal-presentation"] = 5, ["project-paper"] = 25, ["project-paper-presentation"] = 5,
            }));
            Assert.That(course.LatePolicy.Kind, Is.EqualTo(LatePolicyKind.NoCredit), "late work gets no credit");
            Assert.That(course.LatePolicy.GracePeriod, Is.EqualTo(Duration.Zero));
            Assert.That(course.BonusPolicy.CarryOver, Is.EqualTo(BonusCarryOver.FailToPass));
            Assert.That(course.PlagiarismPolicy, Is.EqualTo(new PlagiarismPolicy(PlagiarismAction.ZeroAssignment, PlagiarismAction.FailCourse)));
            Assert.That(course.TeamPolicy.MaxSize, Is.EqualTo(2));
            Assert.That(course.TeamPolicy.FinalizedBy, Is.EqualTo(new LocalDateTime(2023, 3, 8, 23, 59)));
            Assert.That(course.TeamPolicy.ContributionStatement, Is.EqualTo(new ContributionStatementRule("project-paper", 5)));

            Assert.That(Due("hw1-mlp"), Is.EqualTo(new LocalDateTime(2023, 2, 16, 23, 59)));
            Assert.That(Due("hw2-cnn"), Is.EqualTo(new LocalDateTime(2023, 3, 23, 23, 59)));
            Assert.That(Due("hw3-rnn"), Is.EqualTo(new LocalDateTime(2023, 4, 17, 23, 59)));
            Assert.That(Due("project-proposal"), Is.EqualTo(new LocalDateTime(2023, 3, 7, 10, 0)));
            Assert.That(Due("project-proposal-presentation"), Is.EqualTo(new LocalDateTime(2023, 3, 7, 10, 0)));
            Assert.That(Due("project-paper-presentation"), Is.EqualTo(new LocalDateTime(2023, 5, 2, 10, 0)));
            Assert.That(Due("project-paper"), Is.EqualTo(new LocalDateTime(2023, 5, 6, 17, 0)));
            // 11:59 pm on 02/16 in New York (EST, UTC-5) is 04:59 UTC the next day.
            Assert.That(tree.Assignment("hw1-mlp").DueIn(zone).ToInstant(), Is.EqualTo(Instant.FromUtc(2023, 2, 17, 4, 59)));

            foreach (var (id, number) in HomeworkIds.Select((id, i) => (id, i + 1)))
            {
                var homework = tree.Assignment(id);
                Assert.That(homework.Kind, Is.EqualTo(AssignmentKind.AutogradedCode), id);
                Assert.That(homework.Participation, Is.EqualTo(Participation.Individual), id);
                Assert.That(homework.Submission.RepositoryPrefix, Is.EqualTo(id), id);
                Assert.That(homework.Submission.ZipNameFor("ab1234"), Is.EqualTo($"ab1234_hw{number}.zip"), id);
                Assert.That(homework.Resources, Is.Not.Null, id);
            }

            foreach (var project in tree.Assignments.Where(a => a.Id.StartsWith("project-", StringComparison.Ordinal)))
            {
                Assert.That(project.Participation, Is.EqualTo(Participation.Team), project.Id);
            }

            var paper = tree.Assignment("project-paper").Submission;
            Assert.That((paper.MaxPages, paper.PagesExcludeReferences, paper.Format), Is.EqualTo((6, true, "jmlr")));
            Assert.That(tree.Assignment("project-proposal").Submission.MaxPages, Is.EqualTo(1));
            Assert.That(tree.Roster, Has.Count.EqualTo(30));
        });

        LocalDateTime Due(string id) => tree.Assignment(id).Due;
    }

    private static CourseValidationResult LoadShippedCourse()
    {
        var root = Path.Combine(Path.GetTempPath(), "grader-core-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var repository = RepositoryRoot();
            FixtureCourse.CopyDirectory(Path.Combine(repository, "assignments"), Path.Combine(root, "assignments"));
            FixtureCourse.CopyDirectory(Path.Combine(repository, "rubrics"), Path.Combine(root, "rubrics"));
            foreach (var id in HomeworkIds.Where(id => !File.Exists(Path.Combine(root, "rubrics", $"{id}.yaml"))))
            {
                // The homework rubrics are written alongside this project; until one exists, a one-item stand-in keeps
                // this test about the course files rather than about their arrival order.
                File.WriteAllText(Path.Combine(root, "rubrics", $"{id}.yaml"),
                    $"assignment: {id}\ntitle: stand-in\nitems:\n  - id: all\n    description: stand-in\n    points: 1\n    kind: manual\n");
            }

            var checks = Directory.GetFiles(Path.Combine(root, "rubrics"), "*.yaml")
                .SelectMany(file => CheckLine().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value))
                .ToHashSet(StringComparer.Ordinal);
            return CourseTreeLoader.LoadAndValidate(root, checks);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Grader.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Grader.sln not found above the test directory.");
    }

    [GeneratedRegex(@"^\s*check:\s*([^\s#]+)", RegexOptions.Multiline)]
    private static partial Regex CheckLine();
}

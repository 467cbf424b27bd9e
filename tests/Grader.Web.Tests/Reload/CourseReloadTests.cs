using System.Net;
using System.Text.RegularExpressions;
using Grader.Data.Course;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Reload;

/// <summary>
/// /Instructor/Reload on an app whose course is a temp copy of the repository's assignments/ and rubrics/: errors change
/// nothing, the differences are shown, and only a confirmation of the very files shown applies them.
/// </summary>
[NonParallelizable]
public sealed partial class CourseReloadTests
{
    private const string Page = "/Instructor/Reload";

    private string courseRoot = "";
    private RunningApp app = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        courseRoot = Path.Combine(Path.GetTempPath(), $"grader-reload-course-{Guid.NewGuid():N}");
        foreach (string folder in new[] { "assignments", "rubrics" })
        {
            CopyFolder(Path.Combine(RunningApp.RepositoryRoot, folder), Path.Combine(courseRoot, folder));
        }

        app = await RunningApp.StartAsync(settings: new Dictionary<string, string> { ["Course__Root"] = courseRoot });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        Directory.Delete(courseRoot, recursive: true);
    }

    [Test]
    public async Task OnlyTheInstructorMayReload()
    {
        foreach (string user in new[] { "ta1", "dm0001" })
        {
            using var client = await app.ClientAsync(user);
            using var response = await client.GetAsync(Page);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), user);
            Assert.That(response.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"), user);
        }

        using var ta = await app.ClientAsync("ta1");
        using var post = await ta.PostFormAsync("/Ta/Queue", $"{Page}?handler=Apply", new Dictionary<string, string> { ["Fingerprint"] = "x" });
        Assert.That(post.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
    }

    [Test]
    public async Task ErrorsAreShownWithFileLineAndFieldAndChangeNothing()
    {
        string rubric = Path.Combine(courseRoot, "rubrics", "hw2-cnn.yaml");
        string original = await File.ReadAllTextAsync(rubric);
        decimal weightBefore;
        await using (var before = app.Database())
        {
            weightBefore = (await before.Assignments.SingleAsync(a => a.Id == "hw2-cnn")).Weight;
        }

        try
        {
            await File.WriteAllTextAsync(rubric, ReplaceOnce(original, "points: 30", "points: lots"));
            using var instructor = await app.ClientAsync("instructor");
            string page = await instructor.GetStringAsync(Page);
            var row = Regex.Match(page, "<tr><td>([^<]*hw2-cnn.yaml)</td><td>([0-9]+)</td><td>([^<]*)</td><td>([^<]+)</td></tr>");
            Assert.That(row.Success, Is.True, "an error row naming rubrics/hw2-cnn.yaml");
            int expectedLine = original[..original.IndexOf("points: 30", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
            Assert.That(int.Parse(row.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(expectedLine));
            Assert.That(row.Groups[3].Value, Does.Contain("points"));
            Assert.That(page, Does.Not.Contain("handler=Apply"), "no way to apply a broken course");

            string fingerprint = Fingerprint(await instructor.GetStringAsync(Page), allowMissing: true) ?? "";
            using var post = await instructor.PostFormAsync(Page, $"{Page}?handler=Apply", new Dictionary<string, string> { ["Fingerprint"] = fingerprint });
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(await post.Content.ReadAsStringAsync(), Does.Contain("Nothing was applied"));
            await using var db = app.Database();
            Assert.That((await db.Assignments.SingleAsync(a => a.Id == "hw2-cnn")).Weight, Is.EqualTo(weightBefore));
        }
        finally
        {
            await File.WriteAllTextAsync(rubric, original);
        }
    }

    [Test]
    public async Task TheDifferencesAreShownAndAppliedOnlyOnConfirmationOfWhatWasShown()
    {
        using var instructor = await app.ClientAsync("instructor");
        Assert.That(await instructor.GetStringAsync(Page), Does.Contain("id=\"no-changes\""));

        Edit(Path.Combine("assignments", "hw2-cnn", "assignment.yaml"), "due: \"2023-03-23 23:59\"", "due: \"2023-03-30 23:59\"");
        Edit(Path.Combine("assignments", "course.yaml"), "assignment: hw2-cnn\n    weight: 20", "assignment: hw2-cnn\n    weight: 25");
        Edit(Path.Combine("assignments", "course.yaml"), "assignment: project-paper\n    weight: 25", "assignment: project-paper\n    weight: 20");
        Edit(Path.Combine("rubrics", "hw2-cnn.yaml"), "points: 30", "points: 35");
        Edit(Path.Combine("rubrics", "hw2-cnn.yaml"), "points: 20", "points: 15");

        string page = await instructor.GetStringAsync(Page);
        var changes = Regex.Matches(page, "<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>")
            .Select(m => string.Join(" | ", m.Groups.Values.Skip(1).Select(g => WebUtility.HtmlDecode(g.Value)))).ToList();
        var rubricItems = await RubricItemsAsync("hw2-cnn");
        Assert.That(changes, Is.EquivalentTo(new[]
        {
            "due date | hw2-cnn | 2023-03-23 23:59 | 2023-03-30 23:59",
            "weight | hw2-cnn | 20% | 25%",
            "weight | project-paper | 25% | 20%",
            $"rubric item points | hw2-cnn/{rubricItems.Points30} | 30 points | 35 points",
            $"rubric item points | hw2-cnn/{rubricItems.Points20} | 20 points | 15 points",
        }));
        string reviewed = Fingerprint(page)!;

        // Nothing is applied by looking.
        await using (var db = app.Database())
        {
            Assert.That((await db.Assignments.SingleAsync(a => a.Id == "hw2-cnn")).Weight, Is.EqualTo(20m));
        }

        // A file changed after the review: the confirmation is refused.
        string hw2File = Path.Combine("assignments", "hw2-cnn", "assignment.yaml");
        Edit(hw2File, "due: \"2023-03-30 23:59\"", "due: \"2023-03-31 23:59\"");
        using (var stale = await instructor.PostFormAsync(Page, $"{Page}?handler=Apply", new Dictionary<string, string> { ["Fingerprint"] = reviewed }))
        {
            Assert.That(stale.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            string body = await stale.Content.ReadAsStringAsync();
            Assert.That(body, Does.Contain("changed since you reviewed them"));
        }

        Edit(hw2File, "due: \"2023-03-31 23:59\"", "due: \"2023-03-30 23:59\"");
        using (var applied = await instructor.PostFormAsync(Page, $"{Page}?handler=Apply", new Dictionary<string, string> { ["Fingerprint"] = reviewed }))
        {
            Assert.That(applied.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = app.Database())
        {
            var hw2 = await db.Assignments.SingleAsync(a => a.Id == "hw2-cnn");
            Assert.That((hw2.Weight, hw2.DueLocal), Is.EqualTo((25m, "2023-03-30 23:59")));
            Assert.That((await db.Assignments.SingleAsync(a => a.Id == "project-paper")).Weight, Is.EqualTo(20m));
        }

        string after = await instructor.GetStringAsync(Page);
        Assert.That(after, Does.Contain("Applied 5 change(s)."));
        Assert.That(after, Does.Contain("id=\"no-changes\""));
        Assert.That(await instructor.GetStringAsync("/Instructor"), Does.Contain("2023-03-30 23:59"));
    }

    [Test]
    public void TheDiffNamesAddedAndRemovedAssignmentsAndRubricItems()
    {
        var current = new CourseCatalog(RunningApp.RepositoryRoot, courseRoot, courseRoot).Tree;
        var hw3 = current.Assignment("hw3-rnn");
        var hw1Rubric = current.RubricFor("hw1-mlp");
        var next = current with
        {
            Assignments = [.. current.Assignments.Where(a => a.Id != "hw3-rnn"), hw3 with { Id = "gan-bonus", Title = "GAN bonus" }],
            Rubrics = [.. current.Rubrics.Where(r => r.AssignmentId != "hw1-mlp"), hw1Rubric with { Items = [.. hw1Rubric.Items.Skip(1), hw1Rubric.Items[0] with { Id = "forward-pass-v2" }] }],
        };
        var changes = CourseDiff.Between(current, next).Select(c => $"{c.Kind} {c.Subject} {c.Before ?? "-"} {c.After ?? "-"}").ToList();
        Assert.That(changes, Is.EquivalentTo(new[]
        {
            $"assignment added gan-bonus - GAN bonus, due {hw3.Due:uuuu-MM-dd HH:mm}",
            $"assignment removed hw3-rnn {hw3.Title}, due {hw3.Due:uuuu-MM-dd HH:mm} -",
            "rubric item added hw1-mlp/forward-pass-v2 - 15 points",
            "rubric item removed hw1-mlp/forward-pass 15 points -",
        }));
    }

    private void Edit(string relativePath, string from, string to)
    {
        string path = Path.Combine(courseRoot, relativePath);
        File.WriteAllText(path, ReplaceOnce(File.ReadAllText(path), from, to));
    }

    private static string ReplaceOnce(string text, string from, string to)
    {
        int at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"'{from}' not found");
        return string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length));
    }

    private async Task<(string Points30, string Points20)> RubricItemsAsync(string assignmentId)
    {
        string rubric = await File.ReadAllTextAsync(Path.Combine(RunningApp.RepositoryRoot, "rubrics", $"{assignmentId}.yaml"));
        var items = ItemPattern().Matches(rubric).Select(m => (Id: m.Groups[1].Value, Points: m.Groups[2].Value)).ToList();
        return (items.First(i => i.Points == "30").Id, items.First(i => i.Points == "20").Id);
    }

    private static string? Fingerprint(string page, bool allowMissing = false)
    {
        var match = Regex.Match(page, "name=\"Fingerprint\" value=\"([0-9a-f]+)\"");
        Assert.That(match.Success || allowMissing, Is.True, "the page offers to apply");
        return match.Success ? match.Groups[1].Value : null;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [GeneratedRegex(@"- id: ([a-z0-9-]+)\s*\n(?:[^\n]*\n)*?\s*points: ([0-9.]+)")]
    private static partial Regex ItemPattern();
}

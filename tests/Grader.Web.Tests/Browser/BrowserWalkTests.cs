using System.Globalization;
using System.IO.Compression;
using Grader.Web.Tests.Support;
using Microsoft.Playwright;

namespace Grader.Web.Tests.Browser;

/// <summary>
/// The whole path in a real browser (Debian's chromium, driven by Playwright): a student uploads a zip and sees the
/// graded rubric; a TA overrides an item with a comment and the student sees it; the instructor sees the weighted final
/// and downloads the CSV. Screenshots of the three main pages are attached to the test.
/// </summary>
[Category("Browser")]
public sealed class BrowserWalkTests : BrowserTests
{
    private const string Student = "dm0029";

    // Noon in New York on the day HW1 is due (23:59): the upload is on time, and it is later than the demo's seeded
    // on-time hand-in (dated up to 05:00 that day), so it is the one that counts.
    private const string CourseNow = "2023-02-16T12:00:00-05:00";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Course__Now"] = CourseNow };

    /// <summary>The model solution folder as a student zips it: assignments/hw1-mlp/solution/ → dm0029_hw1.zip.</summary>
    private static string SolutionZip()
    {
        string folder = Path.Combine(RunningApp.RepositoryRoot, "assignments", "hw1-mlp", "solution");
        string zip = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"{Student}_hw1.zip");
        File.Delete(zip);
        ZipFile.CreateFromDirectory(folder, zip);
        return zip;
    }

    [Test]
    public async Task StudentUploadsTaOverridesInstructorExportsTheGrade()
    {
        // 1. The student uploads and watches the rubric come in.
        var student = await SignInAsync(Student);
        await student.GotoAsync("/Student");
        await student.Locator("#AssignmentId").SelectOptionAsync("hw1-mlp");
        await student.Locator("#Upload").SetInputFilesAsync(SolutionZip());
        await student.GetByRole(AriaRole.Button, new() { Name = "Upload and grade" }).ClickAsync();
        await student.WaitForURLAsync(url => url.Contains("/Submissions/", StringComparison.Ordinal));
        string submissionPath = new Uri(student.Url).AbsolutePath;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && await student.GetByText("graded: graded").CountAsync() == 0; await Task.Delay(1000))
        {
            await student.ReloadAsync();
        }

        Assert.That(await student.GetByText("graded: graded").CountAsync(), Is.EqualTo(1), App.Log);
        Assert.That(await student.Locator("#item-forward-pass td.points").InnerTextAsync(), Is.EqualTo("15 / 15"));
        Assert.That(await student.Locator("#item-training-curves td.points").InnerTextAsync(), Is.EqualTo("pending / 10"));
        Assert.That(await student.Locator("#late").InnerTextAsync(), Does.StartWith("On time"));
        await ScreenshotAsync(student, "1-student-submission.png", "The student's graded submission");

        // 2. A TA scores the manual item with a comment.
        var ta = await SignInAsync("ta1");
        await ta.GotoAsync(submissionPath);
        await ta.Locator("#ItemId").SelectOptionAsync("training-curves");
        await ta.Locator("#Points").FillAsync("10");
        await ta.Locator("#Comment").FillAsync("Loss and accuracy curves are in the last cell.");
        await ta.GetByRole(AriaRole.Button, new() { Name = "Record override" }).ClickAsync();
        await ta.Locator("#item-training-curves .override").WaitForAsync();
        Assert.That(await ta.Locator("#item-training-curves td.points").InnerTextAsync(), Is.EqualTo("10 / 10"));
        await ScreenshotAsync(ta, "2-ta-review.png", "The TA's view after the override");

        await student.ReloadAsync();
        Assert.That(await student.Locator("#item-training-curves").InnerTextAsync(), Does.Contain("Loss and accuracy curves are in the last cell."));
        Assert.That(await student.Locator("#total").InnerTextAsync(), Does.StartWith("100 / 100"));

        // 3. The instructor: HW1 100% of its 20% weight, nothing else due yet: current 100%, final in progress (20.00% in the CSV).
        var instructor = await SignInAsync("instructor");
        await instructor.GotoAsync("/Instructor/Gradebook");
        var row = instructor.Locator($"#student-{Student}");
        await ScreenshotAsync(instructor, "3-instructor-gradebook.png", "The instructor's gradebook");
        Assert.That(await row.Locator("td.final").InnerTextAsync(), Is.EqualTo("in progress"), await row.InnerTextAsync());
        Assert.That(await row.Locator("td.current").InnerTextAsync(), Is.EqualTo("100.00%"), await row.InnerTextAsync());

        var download = await instructor.RunAndWaitForDownloadAsync(() => instructor.GetByRole(AriaRole.Link, new() { Name = "Download CSV", Exact = true }).ClickAsync());
        string csvPath = Path.Combine(TestContext.CurrentContext.WorkDirectory, download.SuggestedFilename);
        await download.SaveAsAsync(csvPath);
        TestContext.AddTestAttachment(csvPath, "The gradebook CSV as the instructor downloaded it");
        var lines = (await File.ReadAllLinesAsync(csvPath)).Select(line => line.Split(',')).ToList();
        var header = lines[0].ToList();
        var mine = lines.Single(l => l[0] == Student);
        string Cell(string column) => mine[header.IndexOf(column)];
        Assert.Multiple(() =>
        {
            Assert.That(download.SuggestedFilename, Is.EqualTo("dlm-spring-2023-gradebook.csv"));
            Assert.That(Cell("hw1-mlp_percent"), Is.EqualTo("100.00"));
            Assert.That(Cell("hw1-mlp_weighted"), Is.EqualTo("20.00"));
            Assert.That(Cell("hw2-cnn_percent"), Is.EqualTo("0.00"));
            Assert.That(decimal.Parse(Cell("final_percent"), CultureInfo.InvariantCulture), Is.EqualTo(20.00m));
            Assert.That(Cell("provisional"), Is.EqualTo("yes"));
        });
    }
}

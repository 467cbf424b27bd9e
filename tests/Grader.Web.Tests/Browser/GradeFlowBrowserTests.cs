using System.Globalization;
using System.IO.Compression;
using System.Text.RegularExpressions;
using Grader.Data;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Grader.Web.Tests.Browser;

/// <summary>
/// The grade that counts, walked in a real browser over the demo term (course clock: four days after the HW1 deadline):
/// a late re-upload is warned about first and keeps the on-time grade; staff accept another submission and every page
/// and both exports follow; bad numbers on each staff form are refused with a message and change nothing; a run made to
/// throw ends as a grader error and the TA's "Grade again" grades it.
/// </summary>
[Category("Browser")]
[NonParallelizable]
public sealed class GradeFlowBrowserTests : BrowserTests
{
    private const string Hw1 = "hw1-mlp";

    // A report cache of its own (a copy of the shared one, so the demo seeds quickly): one test breaks it on purpose.
    private readonly string cacheFolder = Path.Combine(Path.GetTempPath(), $"grader-browser-cache-{Guid.NewGuid():N}");

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["Course__ReportCacheFolder"] = cacheFolder };

    protected override void BeforeAppStarts()
    {
        Directory.CreateDirectory(cacheFolder);
        if (Directory.Exists(RunningApp.SharedReportCacheFolder))
        {
            foreach (string file in Directory.EnumerateFiles(RunningApp.SharedReportCacheFolder, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(cacheFolder, Path.GetRelativePath(RunningApp.SharedReportCacheFolder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }

    protected override void AfterAppStopped()
    {
        if (Directory.Exists(cacheFolder))
        {
            Directory.Delete(cacheFolder, recursive: true);
        }
    }

    /// <summary>The model solution as a student zips it, under the student's name.</summary>
    private static string SolutionZip(string fileName)
    {
        string zip = Path.Combine(TestContext.CurrentContext.WorkDirectory, fileName);
        File.Delete(zip);
        ZipFile.CreateFromDirectory(Path.Combine(RunningApp.RepositoryRoot, "assignments", Hw1, "solution"), zip);
        return zip;
    }

    private static async Task<string> TextAsync(ILocator locator) => Regex.Replace(await locator.InnerTextAsync(), @"\s+", " ").Trim();

    /// <summary>Waits until no grading run is queued or running, so a test's uploads are done before the next looks.</summary>
    private async Task WaitForGradingAsync()
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(180); DateTime.UtcNow < deadline; await Task.Delay(1000))
        {
            await using var db = App.Database();
            if (!await db.GradingRuns.AnyAsync(r => r.Status == GradingRunStatus.Queued || r.Status == GradingRunStatus.Running))
            {
                return;
            }
        }

        Assert.Fail($"grading did not finish within 180 s:\n{App.Log}");
    }

    /// <summary>The upload form as a student uses it; returns the new submission's page path.</summary>
    private static async Task<string> UploadAsync(IPage student, FilePayload file)
    {
        await student.GotoAsync("/Student");
        await student.Locator("#AssignmentId").SelectOptionAsync(Hw1);
        await student.Locator("#Upload").SetInputFilesAsync(file);
        await student.GetByRole(AriaRole.Button, new() { Name = "Upload and grade" }).ClickAsync();
        await student.WaitForURLAsync(url => url.Contains("/Submissions/", StringComparison.Ordinal));
        return new Uri(student.Url).AbsolutePath;
    }

    private static FilePayload Payload(string path, string? name = null) =>
        new() { Name = name ?? Path.GetFileName(path), MimeType = "application/zip", Buffer = File.ReadAllBytes(path) };

    [Test]
    public async Task A_late_re_upload_is_warned_about_first_and_keeps_the_on_time_grade()
    {
        const string Student = "dm0010";
        var student = await SignInAsync(Student);
        await student.GotoAsync("/Student");
        string gradeBefore = await TextAsync(student.Locator($"#assignment-{Hw1} td.grade"));
        var warning = student.Locator($"#upload-warning-{Hw1}");
        Assert.That(await warning.IsVisibleAsync(), Is.True, "the warning is on the form before anything is uploaded");
        Assert.That(await TextAsync(warning), Does.Contain("The deadline passed on 2023-02-16 23:59:00 EST").And.Contain("this upload will be recorded but your on-time submission of")
            .And.EndWith("keeps counting."));

        string latePath = await UploadAsync(student, Payload(SolutionZip($"{Student}_hw1.zip")));
        Assert.That(await TextAsync(student.Locator("#late")), Does.StartWith("Late:"));
        Assert.That(await TextAsync(student.Locator("#counts")), Does.StartWith("This submission does not count: the one received"));

        await student.GotoAsync("/Student");
        Assert.That(await TextAsync(student.Locator($"#assignment-{Hw1} td.grade")), Is.EqualTo(gradeBefore), "the on-time grade stands");
        string lateId = latePath.Split('/')[^1];
        Assert.That(await TextAsync(student.Locator($"#submission-{lateId} td.counts")), Does.StartWith("no: late: no credit (your on-time submission counts)"));
        Assert.That(await student.Locator($"#submission-{lateId} td.compare a").First.GetAttributeAsync("href"), Does.Match($@"^/Submissions/{lateId}/Code\?compare=\d+$"));
        await WaitForGradingAsync();
    }

    [Test]
    public async Task Staff_accept_another_submission_and_every_page_and_both_exports_show_the_new_grade()
    {
        const string Student = "dm0012";
        var student = await SignInAsync(Student);
        string latePath = await UploadAsync(student, Payload(SolutionZip($"{Student}_hw1.zip")));
        await student.GotoAsync("/Student");
        string before = await TextAsync(student.Locator($"#assignment-{Hw1} td.grade"));
        Assert.That(before, Does.Not.StartWith("0 / 100"), "the on-time submission counts, with its points");

        // The TA sees what accepting does, in words, then accepts it with a reason.
        var ta = await SignInAsync("ta1");
        await ta.GotoAsync(latePath);
        Assert.That(await TextAsync(ta.Locator("#accept-late")), Does.Contain("This upload arrived after the deadline.").And.Contain("late work gets no credit")
            .And.Contain("it then earns 0 / 100"));
        await ta.Locator("#CountingReason").FillAsync("the student emailed it during the outage");
        await ta.GetByRole(AriaRole.Button, new() { Name = "Accept this late upload" }).ClickAsync();
        await ta.Locator("#counts").GetByText("This submission counts: chosen by").WaitForAsync();
        string state = await TextAsync(ta.Locator("#state"));
        string taName = await TaNameAsync("ta1");
        Assert.That(state, Does.StartWith("late: no credit").And.EndWith($"(submission chosen by {taName})"));
        Assert.That(await TextAsync(ta.Locator("#total")), Does.StartWith("0 / 100"));

        // The student's dashboard and submission page.
        await student.GotoAsync("/Student");
        Assert.That(await TextAsync(student.Locator($"#assignment-{Hw1} td.grade")), Is.EqualTo($"0 / 100: {state}"));
        await student.GotoAsync(latePath);
        Assert.That(await TextAsync(student.Locator("#total")), Does.StartWith($"0 / 100 {state}"));

        // The gradebook and both exports, downloaded as the instructor does.
        var instructor = await SignInAsync("instructor");
        await instructor.GotoAsync("/Instructor/Gradebook");
        Assert.That(await TextAsync(instructor.Locator($"#student-{Student} td.component[data-assignment='{Hw1}']")), Does.Match("^0%\\*?$"));
        var plain = await DownloadAsync(instructor, "Download CSV");
        var canvas = await DownloadAsync(instructor, "Download Canvas CSV");
        Assert.Multiple(() =>
        {
            Assert.That(Cell(plain, Student, 0, $"{Hw1}_percent"), Is.EqualTo("0.00"));
            Assert.That(Cell(canvas, Student, 3, canvas[0].Single(h => h.EndsWith($"({Hw1})", StringComparison.Ordinal))), Is.EqualTo("0.00"));
        });

        // Reversible: back to the course's rule, and the on-time grade is back everywhere.
        await ta.GotoAsync(latePath);
        await ta.Locator("#CountingReason").FillAsync("accepted on the wrong student");
        await ta.GetByRole(AriaRole.Button, new() { Name = "Go back to the course's rule" }).ClickAsync();
        await ta.Locator("#counts").GetByText("This submission does not count").WaitForAsync();
        await student.GotoAsync("/Student");
        Assert.That(await TextAsync(student.Locator($"#assignment-{Hw1} td.grade")), Is.EqualTo(before));
        await WaitForGradingAsync();
    }

    private async Task<string> TaNameAsync(string userName)
    {
        await using var db = App.Database();
        return await db.Users.Where(u => u.UserName == userName).Select(u => u.DisplayName).SingleAsync();
    }

    private static async Task<List<string[]>> DownloadAsync(IPage page, string link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = link, Exact = true }).ClickAsync());
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        TestContext.AddTestAttachment(path, link);
        return (await File.ReadAllLinesAsync(path)).Select(line => line.Split(',')).ToList();
    }

    /// <summary>The cell of <paramref name="column"/> in the row whose <paramref name="idColumn"/> is the student (demo names have no commas).</summary>
    private static string Cell(List<string[]> csv, string student, int idColumn, string column) =>
        csv.Single(row => row.Length > idColumn && row[idColumn] == student)[Array.IndexOf(csv[0], column)];

    [Test]
    public async Task Bad_numbers_on_each_staff_form_are_refused_with_a_message_and_nothing_changes()
    {
        var instructor = await SignInAsync("instructor");
        long Count(Func<GraderDbContext, long> rows)
        {
            using var db = App.Database();
            return rows(db);
        }

        long ChangeCount() => Count(db => db.Extensions.LongCount() + db.ItemOverrides.LongCount() + db.PanelScores.LongCount()
            + db.SimilarityCases.LongCount() + db.TeamChanges.LongCount() + db.TeamMembers.LongCount() + db.CountingChoices.LongCount());
        long before = ChangeCount();

        // Extensions: a number of days no int holds.
        await instructor.GotoAsync("/Instructor/Extensions");
        await instructor.Locator("#SubmitterId").SelectOptionAsync("dm0017");
        await instructor.Locator("#AssignmentId").SelectOptionAsync(Hw1);
        await ForceValueAsync(instructor.Locator("#Days"), "99999999999999");
        await instructor.Locator("#Reason").FillAsync("typo in the days");
        await instructor.GetByRole(AriaRole.Button, new() { Name = "Grant extension" }).ClickAsync();
        Assert.That(await TextAsync(instructor.Locator("[data-valmsg-for=Days]")), Is.EqualTo("\"99999999999999\" is not a valid Days; nothing was changed."));

        // An override: points in words.
        long submission = Count(db => db.Submissions.Where(s => s.SubmitterId == "dm0020" && s.AssignmentId == Hw1).Select(s => s.Id).First());
        await instructor.GotoAsync($"/Submissions/{submission}");
        await instructor.Locator("#ItemId").SelectOptionAsync("training-curves");
        await ForceValueAsync(instructor.Locator("#Points"), "fifteen");
        await instructor.Locator("#Comment").FillAsync("words for points");
        await instructor.GetByRole(AriaRole.Button, new() { Name = "Record override" }).ClickAsync();
        Assert.That(await TextAsync(instructor.Locator("[data-valmsg-for=Points]")), Is.EqualTo("\"fifteen\" is not a valid Points; nothing was changed."));

        // A presentation panel score.
        var ta = await SignInAsync("ta1");
        await ta.GotoAsync("/Ta/Presentations");
        var sheet = ta.Locator("section.panel-team").First;
        await ForceValueAsync(sheet.Locator("input[name^='Points[']").First, "1e999");
        await sheet.GetByRole(AriaRole.Button).ClickAsync();
        Assert.That(await TextAsync(ta.Locator(".validation")), Does.Match(@"^Team team-dm\d+: [a-z-]+: '1e999' is not a number of points\.$"));

        // A similarity case opened by hand with words for the percent.
        await ta.GotoAsync("/Ta/Similarity");
        await ForceValueAsync(ta.Locator("#SimilarityPercent"), "ninety");
        await ta.Locator("#Summary").FillAsync("percent in words");
        await ta.GetByRole(AriaRole.Button, new() { Name = "Open case" }).ClickAsync();
        Assert.That(await TextAsync(ta.Locator(".validation").First), Does.Contain("\"ninety\" is not a valid SimilarityPercent; nothing was changed."));

        // A team form: a student who is not on the roster.
        await instructor.GotoAsync("/Instructor/Teams");
        await instructor.Locator("#add-student").FillAsync("dm9999");
        await instructor.Locator("#add-note").FillAsync("not a student");
        await instructor.GetByRole(AriaRole.Button, new() { Name = "Add", Exact = true }).ClickAsync();
        Assert.That(await TextAsync(instructor.Locator(".validation").First), Does.Contain("dm9999"));

        // A GitHub form: a yes/no field that is neither.
        await instructor.GotoAsync($"/Instructor/GitHub/Assignment?id={Hw1}");
        await instructor.Locator("#TemplateRepository").FillAsync("course/hw1-template");
        await ForceValueAsync(instructor.Locator("#OpenFeedbackPullRequest"), "perhaps", check: true);
        await instructor.GetByRole(AriaRole.Button, new() { Name = "Provision repositories" }).ClickAsync();
        // The page is drawn again (it used to throw drawing the check box back) with the value as sent, the box's hidden "false" included.
        Assert.That(await TextAsync(instructor.Locator(".validation").First), Is.EqualTo("\"perhaps,false\" is not a valid OpenFeedbackPullRequest; nothing was changed."));

        Assert.That(ChangeCount(), Is.EqualTo(before), "nothing was recorded by any refused form");
    }

    /// <summary>
    /// What a client that ignores the browser's own checks sends: the field's value as given, its type, range and
    /// required checks removed, so the server's refusal is what is tested.
    /// </summary>
    private static Task ForceValueAsync(ILocator input, string value, bool check = false) =>
        input.EvaluateAsync(
            "(el, [v, check]) => { if (check) { el.checked = true; } else { el.type = 'text'; } "
            + "['min', 'max', 'step', 'required', 'pattern'].forEach(a => el.removeAttribute(a)); el.value = v; el.form.noValidate = true; }",
            new object[] { value, check });

    [Test]
    public async Task A_run_made_to_throw_ends_as_a_grader_error_that_a_ta_grades_again()
    {
        const string Student = "dm0030";
        await WaitForGradingAsync();
        // The report cache's folder for HW1 becomes a file: writing the report throws on the trusted side.
        string hw1Cache = Path.Combine(cacheFolder, Hw1);
        string movedAway = hw1Cache + ".away";
        if (Directory.Exists(hw1Cache))
        {
            Directory.Move(hw1Cache, movedAway);
        }

        string path;
        try
        {
            await File.WriteAllTextAsync(hw1Cache, "not a folder");
            var student = await SignInAsync(Student);
            byte[] bytes = File.ReadAllBytes(SolutionZip($"{Student}_hw1.zip"));
            // Other bytes than any graded before (a comment file added), so nothing is reused and the grader runs.
            using (var buffer = new MemoryStream())
            {
                buffer.Write(bytes);
                using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
                {
                    await using var note = new StreamWriter(zip.CreateEntry("Note.txt").Open());
                    await note.WriteAsync($"run made to throw {Guid.NewGuid():N}");
                }

                bytes = buffer.ToArray();
            }

            path = await UploadAsync(student, new FilePayload { Name = $"{Student}_hw1.zip", MimeType = "application/zip", Buffer = bytes });
            await WaitForGradingAsync();
        }
        finally
        {
            File.Delete(hw1Cache);
            if (Directory.Exists(movedAway))
            {
                Directory.Move(movedAway, hw1Cache);
            }
        }

        var ta = await SignInAsync("ta1");
        await ta.GotoAsync(path);
        Assert.That(await TextAsync(ta.Locator("p.error").First), Is.EqualTo("The grader could not grade this submission; a TA will look at it."));
        Assert.That(await ta.Locator("h2", new() { HasText = "Grader error" }).Locator("xpath=following-sibling::pre[1]").InnerTextAsync(),
            Does.StartWith("Grader error (not the student's work): reading or writing the submission's files failed (IOException"));
        await ta.GotoAsync("/Ta/Queue");
        Assert.That(await ta.Locator("body").InnerTextAsync(), Does.Contain(Student), "the failed run waits in the TA's queue");

        await ta.GotoAsync(path);
        await ta.GetByRole(AriaRole.Button, new() { Name = "Grade again" }).ClickAsync();
        await WaitForGradingAsync();
        await ta.GotoAsync(path);
        Assert.That(await TextAsync(ta.Locator("body")), Does.Contain("graded: graded"));
        Assert.That(await TextAsync(ta.Locator("#item-forward-pass td.points")), Is.EqualTo("15 / 15"));
        await using var db = App.Database();
        long id = long.Parse(path.Split('/')[^1], CultureInfo.InvariantCulture);
        var runs = await db.GradingRuns.AsNoTracking().Where(r => r.SubmissionId == id).OrderBy(r => r.Id).Select(r => r.Status).ToListAsync();
        Assert.That(runs, Is.EqualTo(new[] { GradingRunStatus.Failed, GradingRunStatus.Succeeded }), "the failed run stays as history");
    }
}

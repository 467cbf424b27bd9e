using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Grader.Data;
using Grader.Web.Tests.Support;
using Grader.Web.Tests.Workspace;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Grader.Web.Tests.Browser;

/// <summary>
/// The TA workspace in a real browser against the demo app: a notebook submission renders with its cells, highlighted
/// code, the graded class marked and an image output; the XSS corpus runs nothing; a project PDF shows inline beside
/// its checks; the bulk zip of HW1 downloads with a folder per student whose submission counts and scores.csv.
/// </summary>
[Category("Browser")]
public sealed class WorkspaceBrowserTests : BrowserTests
{
    /// <summary>A student uploads a zip holding <paramref name="notebookZip"/>; the new submission's id.</summary>
    private async Task<long> UploadAsync(string student, byte[] notebookZip)
    {
        using var client = await App.ClientAsync(student);
        using var response = await client.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", $"{student}_hw1.zip", notebookZip);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
        return long.Parse(response.Headers.Location!.ToString().Split('/')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The HW1 model solution notebook with a training-curve cell whose saved output is a PNG plot.</summary>
    private static byte[] SolutionWithPlotZip()
    {
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(RunningApp.RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb")))!.AsObject();
        notebook["cells"]!.AsArray().Add(new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = 4,
            ["metadata"] = new JsonObject(),
            ["source"] = new JsonArray("// training curve\n", "display(losses);"),
            ["outputs"] = new JsonArray(new JsonObject
            {
                ["output_type"] = "display_data",
                ["metadata"] = new JsonObject(),
                ["data"] = new JsonObject { ["image/png"] = Convert.ToBase64String(Png.LossCurve(120, 60)), ["text/plain"] = "<plot>" },
            }),
        });
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("hw1.ipynb").Open());
            writer.Write(notebook.ToJsonString());
        }

        return buffer.ToArray();
    }

    [Test]
    public async Task ATaOpensANotebookSubmissionAndSeesTheRenderedCellsWithAnImageOutput()
    {
        long id = await UploadAsync("dm0012", SolutionWithPlotZip());
        var ta = await SignInAsync("ta1");
        var dialogs = new List<string>();
        ta.Dialog += (_, dialog) => { dialogs.Add(dialog.Message); _ = dialog.DismissAsync(); };
        await ta.GotoAsync($"/Submissions/{id}");
        await ta.GetByRole(AriaRole.Link, new() { Name = "Notebook", Exact = true }).ClickAsync();
        await ta.WaitForURLAsync($"**/Submissions/{id}/Notebook");

        var image = ta.Locator(".output img[src^='data:image/png;base64,']");
        await image.WaitForAsync();
        int naturalWidth = await image.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : -1");
        await ScreenshotAsync(ta, "workspace-notebook.png", "A notebook submission as the TA sees it");
        Assert.Multiple(async () =>
        {
            Assert.That(naturalWidth, Is.EqualTo(120), "the PNG output decodes in the browser");
            Assert.That(await ta.Locator("#cell-1.markdown h1").CountAsync(), Is.EqualTo(1), "markdown rendered as HTML");
            Assert.That(await ta.Locator("#cell-3 .cell-label").InnerTextAsync(), Does.StartWith("Cell 3"));
            Assert.That(await ta.Locator("#cell-5 .cs-kw").CountAsync(), Is.GreaterThan(10), "C# highlighted");
            Assert.That(await ta.Locator("#cell-8 .output img").CountAsync(), Is.EqualTo(1), "the plot is the output of the added 8th cell");
            Assert.That(dialogs, Is.Empty);
        });

        // A demo submission graded with the model solution: the cell with the graded class is marked.
        await using var db = App.Database();
        long demo = await db.Submissions.Where(s => s.SubmitterId == "dm0001").Select(s => s.Id).FirstAsync();
        await ta.GotoAsync($"/Submissions/{demo}/Notebook");
        Assert.That(await ta.Locator(".cell.graded .graded-class").AllInnerTextsAsync(), Has.Some.Contains("Graded class for"));
    }

    [Test]
    public async Task TheXssCorpusRunsNothingInTheBrowser()
    {
        long id = await UploadAsync("dm0013", XssCorpus.Zip());
        var ta = await SignInAsync("ta2");
        var dialogs = new List<string>();
        ta.Dialog += (_, dialog) => { dialogs.Add(dialog.Message); _ = dialog.DismissAsync(); };
        foreach (string view in new[] { "Notebook", "Code", "" })
        {
            await ta.GotoAsync(view.Length == 0 ? $"/Submissions/{id}" : $"/Submissions/{id}/{view}");
            // Every image has loaded or failed by then: an onerror or onload payload would have run.
            await ta.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }

        Assert.That(dialogs, Is.Empty, "no payload ran");
    }

    [Test]
    public async Task APdfRendersInlineBesideItsChecks()
    {
        await using var db = App.Database();
        long pdf = await db.Submissions.Where(s => s.OriginalFileName.EndsWith(".pdf")).OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
        var ta = await SignInAsync("ta1");
        int downloads = 0;
        ta.Download += (_, _) => downloads++;
        var pdfResponse = ta.WaitForResponseAsync(response => response.Url.EndsWith($"/Submissions/{pdf}/Pdf", StringComparison.Ordinal));
        await ta.GotoAsync($"/Submissions/{pdf}");
        await ta.GetByRole(AriaRole.Link, new() { Name = "Document", Exact = true }).ClickAsync();
        var response = await pdfResponse;
        var headers = await response.AllHeadersAsync();
        await ta.Locator("iframe#pdf").WaitForAsync();
        await ScreenshotAsync(ta, "workspace-pdf.png", "A project PDF beside its checks");
        Assert.Multiple(async () =>
        {
            Assert.That(response.Status, Is.EqualTo(200));
            Assert.That(headers["content-type"], Is.EqualTo("application/pdf"));
            Assert.That(headers["content-disposition"], Does.StartWith("inline"));
            Assert.That(headers["content-security-policy"], Does.Contain("frame-ancestors 'self'"), "framed by the document page, by nobody else");
            Assert.That(downloads, Is.Zero, "shown in the page, not downloaded");
            Assert.That(ta.Frames.Select(f => f.Url), Has.Some.EndsWith($"/Submissions/{pdf}/Pdf"));
            Assert.That(await ta.Locator(".document-checks").InnerTextAsync(), Does.Contain("contribution").IgnoreCase);
        });
    }

    [Test]
    public async Task TheBulkZipOfHw1HasAFolderPerCountingStudentAndTheScores()
    {
        var ta = await SignInAsync("ta2");
        await ta.GotoAsync("/Ta/Queue");
        var download = await ta.RunAndWaitForDownloadAsync(() => ta.Locator("#download-hw1-mlp").ClickAsync());
        string path = Path.Combine(TestContext.CurrentContext.WorkDirectory, download.SuggestedFilename);
        await download.SaveAsAsync(path);
        TestContext.AddTestAttachment(path, "The HW1 bulk download");
        using var zip = ZipFile.OpenRead(path);
        var folders = zip.Entries.Where(e => e.FullName.Contains('/', StringComparison.Ordinal)).Select(e => e.FullName.Split('/')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        using var reader = new StreamReader(zip.GetEntry("scores.csv")!.Open());
        var rows = (await reader.ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(download.SuggestedFilename, Is.EqualTo("hw1-mlp-submissions.zip"));
            Assert.That(folders, Is.EqualTo(Enumerable.Range(1, 30).Select(i => $"dm{i:0000}")), "30 demo students, each with a submission that counts");
            Assert.That(rows, Has.Length.EqualTo(31), "a header and one row per student");
            Assert.That(zip.Entries.Count(e => e.Name == "report.json"), Is.EqualTo(30));
        });
    }
}

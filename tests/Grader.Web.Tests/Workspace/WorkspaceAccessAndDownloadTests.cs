using System.Globalization;
using System.IO.Compression;
using System.Net;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Workspace;

/// <summary>
/// Who may open the notebook, code and document views and the downloads (a student never another student's), what a
/// download serves, and the bulk zip of HW1: one folder per student whose submission counts, each with the file as
/// submitted and its report, and scores.csv with the engine's scores.
/// </summary>
public sealed class WorkspaceAccessAndDownloadTests
{
    private const string Owner = "dm0001";
    private const string OtherStudent = "dm0002";

    private static long own;
    private static long pdf;
    private static string pdfTeam = "";

    [OneTimeSetUp]
    public async Task FindSubmissionsAsync()
    {
        await using var db = WorkspaceFixture.App.Database();
        own = await db.Submissions.Where(s => s.SubmitterId == Owner && s.AssignmentId == "hw1-mlp").Select(s => s.Id).FirstAsync();
        var document = await db.Submissions.Where(s => s.OriginalFileName.EndsWith(".pdf")).OrderBy(s => s.Id).FirstAsync();
        pdf = document.Id;
        pdfTeam = document.SubmitterId;
    }

    private static IEnumerable<TestCaseData> Views() =>
        new[] { "Notebook", "Code", "Download" }.Select(view => new TestCaseData(view).SetName($"{view}_OwnerAndStaffOnly"));

    [TestCaseSource(nameof(Views))]
    public async Task OnlyStaffAndTheOwnerOpenAView(string view)
    {
        string path = $"/Submissions/{own}/{view}";
        using var stranger = await WorkspaceFixture.App.ClientAsync(null);
        using var other = await WorkspaceFixture.App.ClientAsync(OtherStudent);
        using var owner = await WorkspaceFixture.App.ClientAsync(Owner);
        using var ta = await WorkspaceFixture.App.ClientAsync("ta2");
        using var strangerResponse = await stranger.GetAsync(path);
        using var otherResponse = await other.GetAsync(path);
        using var ownerResponse = await owner.GetAsync(path);
        using var taResponse = await ta.GetAsync(path);
        Assert.Multiple(() =>
        {
            Assert.That(strangerResponse.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
            Assert.That(strangerResponse.Headers.Location?.ToString(), Does.Contain("/Account/Login"));
            Assert.That(otherResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "another student's submission is answered as if it did not exist");
            Assert.That(ownerResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(taResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });
    }

    [Test]
    public async Task TheCodeViewShowsTheCompilerErrorOnItsLineAndTheDiffFromTheStarter()
    {
        // dm0010 hands in the solution with a semicolon removed (DemoSeeder's "compile-error" variant).
        await using var db = WorkspaceFixture.App.Database();
        long broken = await db.Submissions.Where(s => s.SubmitterId == "dm0010" && s.AssignmentId == "hw1-mlp").OrderBy(s => s.Id).Select(s => s.Id).FirstAsync();
        using var ta = await WorkspaceFixture.App.ClientAsync("ta1");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await ta.GetStringAsync($"/Submissions/{broken}/Code"));
        var errorLine = page.QuerySelectorAll("#files tr.has-finding").Single();
        var starterDiff = page.QuerySelector("#starter-diff")!;
        Assert.Multiple(() =>
        {
            Assert.That(page.QuerySelectorAll("#files h3").Select(h => h.TextContent), Has.Some.EqualTo("hw1.ipynb, cell 5"));
            Assert.That(errorLine.QuerySelector(".src code")!.TextContent, Does.Contain("private Tensor[] biases = []"));
            Assert.That(errorLine.QuerySelector(".finding")!.TextContent, Does.Contain("CS1002"));
            Assert.That(starterDiff.QuerySelectorAll("tr.added").Length, Is.GreaterThan(10), "the student's code beyond the starter");
            Assert.That(starterDiff.QuerySelectorAll("tr.added").Select(r => r.TextContent), Has.Some.Contains("private Tensor[] biases = []"));
        });
    }

    [Test]
    public async Task AStudentCannotCompareWithAnotherStudentsAttempt()
    {
        await using var db = WorkspaceFixture.App.Database();
        long others = await db.Submissions.Where(s => s.SubmitterId == OtherStudent && s.AssignmentId == "hw1-mlp").Select(s => s.Id).FirstAsync();
        using var owner = await WorkspaceFixture.App.ClientAsync(Owner);
        using var ta = await WorkspaceFixture.App.ClientAsync("ta1");
        using var ownerResponse = await owner.GetAsync($"/Submissions/{own}/Code?compare={others}");
        using var taResponse = await ta.GetAsync($"/Submissions/{own}/Code?compare={others}");
        Assert.Multiple(() =>
        {
            Assert.That(ownerResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(taResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "compare is for attempts of the same student and assignment");
        });
    }

    [Test]
    public async Task TheDownloadIsTheStoredFileAsSubmitted()
    {
        await using var db = WorkspaceFixture.App.Database();
        var submission = await db.Submissions.SingleAsync(s => s.Id == own);
        byte[] stored = await File.ReadAllBytesAsync(Directory.EnumerateFiles(Path.Combine(WorkspaceFixture.App.DataFolder, "web-store"), submission.ContentHash, SearchOption.AllDirectories).Single());
        using var owner = await WorkspaceFixture.App.ClientAsync(Owner);
        using var response = await owner.GetAsync($"/Submissions/{own}/Download");
        Assert.Multiple(async () =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/zip"));
            Assert.That(response.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo("attachment"));
            Assert.That(response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName, Is.EqualTo(submission.OriginalFileName));
            Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(stored));
        });
    }

    [Test]
    public async Task APdfIsServedInlineFromTheStoreToItsTeamAndStaffOnly()
    {
        using var ta = await WorkspaceFixture.App.ClientAsync("ta1");
        using var outsider = await WorkspaceFixture.App.ClientAsync(Owner);
        await using var db = WorkspaceFixture.App.Database();
        string member = await db.TeamMembers.Where(m => m.TeamId == pdfTeam).Select(m => m.StudentIdentifier).FirstAsync();
        using var teamMember = await WorkspaceFixture.App.ClientAsync(member);
        using var response = await ta.GetAsync($"/Submissions/{pdf}/Pdf");
        using var memberResponse = await teamMember.GetAsync($"/Submissions/{pdf}/Pdf");
        using var outsiderResponse = await outsider.GetAsync($"/Submissions/{pdf}/Pdf");
        using var outsiderPage = await outsider.GetAsync($"/Submissions/{pdf}/Document");
        string page = await ta.GetStringAsync($"/Submissions/{pdf}/Document");
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/pdf"));
            Assert.That(response.Content.Headers.ContentDisposition?.DispositionType, Is.EqualTo("inline"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
            Assert.That(System.Text.Encoding.ASCII.GetString(bytes, 0, 5), Is.EqualTo("%PDF-"));
            Assert.That(memberResponse.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(outsiderResponse.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(outsiderPage.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(page, Does.Contain($"src=\"/Submissions/{pdf}/Pdf\""));
            Assert.That(page, Does.Contain("contribution").IgnoreCase, "the document checks beside the PDF");
        });
    }

    [Test]
    public async Task AStudentCannotDownloadAnAssignmentsSubmissions()
    {
        using var student = await WorkspaceFixture.App.ClientAsync(Owner);
        using var response = await student.GetAsync("/Assignments/hw1-mlp/Submissions.zip");
        Assert.That(response.StatusCode, Is.Not.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.Location?.ToString() ?? "", Does.Contain("/Account/AccessDenied"));
    }

    [Test]
    public async Task TheBulkZipHoldsEachCountingSubmissionItsReportAndTheScores()
    {
        using var ta = await WorkspaceFixture.App.ClientAsync("ta1");
        HttpResponseMessage? response = null;
        byte[] body = [];
        try
        {
            response = await ta.GetAsync("/Assignments/hw1-mlp/Submissions.zip");
            body = await response.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException broken)
        {
            Assert.Fail($"the zip broke off: {broken.Message}\n{WorkspaceFixture.App.Log}");
        }

        using var _ = response;
        Assert.That(response!.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName, Is.EqualTo("hw1-mlp-submissions.zip"));
        using var zip = new ZipArchive(new MemoryStream(body), ZipArchiveMode.Read);
        var folders = zip.Entries.Where(e => e.FullName.Contains('/', StringComparison.Ordinal)).GroupBy(e => e.FullName.Split('/')[0])
            .ToDictionary(g => g.Key, g => g.Select(e => e.FullName.Split('/')[1]).Order(StringComparer.Ordinal).ToList());
        using var reader = new StreamReader(zip.GetEntry("scores.csv")!.Open());
        var rows = (await reader.ReadToEndAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(',')).ToList();
        var header = rows[0].ToList();

        await using var db = WorkspaceFixture.App.Database();
        var counted = await db.Submissions.Where(s => s.AssignmentId == "hw1-mlp").Select(s => s.SubmitterId).Distinct().CountAsync();
        Assert.Multiple(() =>
        {
            Assert.That(folders.Keys, Is.EquivalentTo(Enumerable.Range(1, 30).Select(i => $"dm{i:0000}")), "one folder per demo student whose submission counts");
            Assert.That(folders.Where(f => f.Value.Count != 2 || !f.Value.Contains("report.json")).Select(f => $"{f.Key}: {string.Join(", ", f.Value)}"), Is.Empty,
                "each folder: the file as submitted and its report");
            Assert.That(folders["dm0001"], Is.EqualTo(new[] { "dm0001_hw1.zip", "report.json" }));
            Assert.That(header, Is.EqualTo(new[] { "student_id", "name", "submission_id", "folder", "file", "score", "full_marks", "percent", "late", "state" }));
            Assert.That(rows.Count - 1, Is.EqualTo(counted));
        });

        // The score of a row is the one the submission's page shows (the engine's), with its state in words.
        var dm0001 = rows.Single(r => r[0] == "dm0001");
        string details = await ta.GetStringAsync($"/Submissions/{dm0001[header.IndexOf("submission_id")]}");
        string score = decimal.Parse(dm0001[header.IndexOf("score")], CultureInfo.InvariantCulture).ToString("0.##", CultureInfo.InvariantCulture);
        Assert.Multiple(() =>
        {
            Assert.That(details, Does.Contain($"<strong>{score} / 100</strong>"));
            Assert.That(details, Does.Contain(WebUtility.HtmlEncode(dm0001[header.IndexOf("state")])));
        });
    }
}

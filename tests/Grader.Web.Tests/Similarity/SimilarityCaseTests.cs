using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Grader.Data;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Similarity;

/// <summary>
/// Similarity end to end against the running app: students upload HW2 zips through their page; a TA runs the
/// comparison (a background job) and reads the pairs; a TA opens a case from a pair; the instructor confirms or
/// dismisses it with a note; the gradebook and the student's page follow. HW1 uses the demo's graded submissions,
/// most of which are copies of the model solution and three of which are the bare starter.
/// </summary>
public sealed partial class SimilarityCaseTests
{
    private const string Copied = "dm0021";
    private const string Copier = "dm0022";
    private static readonly string[] Independent = ["dm0023", "dm0024"];
    private static readonly string[] StarterOnly = ["dm0025", "dm0026"];

    // The demo's HW1 hand-ins of the bare starter (roster positions 6, 16, 26).
    private static readonly string[] DemoStarterOnly = ["dm0007", "dm0017", "dm0027"];

    private static RunningApp App => SimilarityFixture.App;

    private string hw2Page = "";
    private string hw1Page = "";

    [OneTimeSetUp]
    public async Task UploadAndCompareAsync()
    {
        await UploadHw2Async(Copied, ("ConvolutionByHand.cs", Hw2Sources.Original));
        await UploadHw2Async(Copier, ("MyLayers.cs", Hw2Sources.RenamedAndReordered));
        await UploadHw2Async(Independent[0], ("FeatureMaps.cs", Hw2Sources.IndependentFunctional));
        await UploadHw2Async(Independent[1], ("Cnn.cs", Hw2Sources.IndependentFlat));
        await UploadHw2Async(StarterOnly[0], ("Settings.cs", Hw2Sources.StarterNoteA));
        await UploadHw2Async(StarterOnly[1], ("Hyper.cs", Hw2Sources.StarterNoteB));

        using var ta = await App.ClientAsync("ta1");
        hw2Page = await CompareAsync(ta, "hw2-cnn");
        hw1Page = await CompareAsync(ta, "hw1-mlp");
    }

    /// <summary>A zip of the HW2 starter files as handed out, plus the student's own files.</summary>
    private static async Task UploadHw2Async(string netId, params (string Name, string Text)[] ownFiles)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (string starter in Directory.GetFiles(Path.Combine(RunningApp.RepositoryRoot, "assignments", "hw2-cnn", "starter"), "*.cs"))
            {
                zip.CreateEntryFromFile(starter, Path.GetFileName(starter));
            }

            foreach (var (name, text) in ownFiles)
            {
                await using var entry = new StreamWriter(zip.CreateEntry(name).Open(), Encoding.UTF8);
                await entry.WriteAsync(text);
            }
        }

        using var student = await App.ClientAsync(netId);
        using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw2-cnn" }, "Upload", $"{netId}_hw2.zip", buffer.ToArray());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"upload by {netId}");
    }

    /// <summary>Queues a comparison and waits for the background job; returns the page with its pairs.</summary>
    private static async Task<string> CompareAsync(Support.WebClient staff, string assignment)
    {
        using (var queued = await staff.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Compare",
            new Dictionary<string, string> { ["Assignment"] = assignment, ["IncludeArchives"] = "false" }))
        {
            Assert.That(queued.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"compare {assignment}");
        }

        string page = "";
        // The job waits behind the gradings of the uploads on the app's single Quartz thread.
        for (var deadline = DateTime.UtcNow.AddSeconds(300); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            page = WebUtility.HtmlDecode(await staff.GetStringAsync($"/Ta/Similarity?assignment={assignment}"));
            Assert.That(page, Does.Not.Contain("The last comparison failed"), App.Log);
            if (page.Contains("Last compared", StringComparison.Ordinal) && !page.Contains("Comparison queued", StringComparison.Ordinal)
                && !page.Contains("Comparison running", StringComparison.Ordinal))
            {
                return page;
            }
        }

        Assert.Fail($"the comparison of {assignment} did not finish in 300 s:\n{page}\n{App.Log}");
        return page;
    }

    private static List<(string First, string Second)> PairsOn(string page) =>
        PairRow().Matches(page).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();

    private static bool IsPair((string First, string Second) pair, string a, string b) =>
        (pair.First == a && pair.Second == b) || (pair.First == b && pair.Second == a);

    private static string PairLink(string page, string a, string b)
    {
        // Ids in links are escaped: an archived one is "2022%2Fab1234".
        (a, b) = (Uri.EscapeDataString(a), Uri.EscapeDataString(b));
        var link = PairLinkPattern().Matches(page).Select(m => m.Groups[1].Value)
            .FirstOrDefault(href => (href.Contains($"first={a}&", StringComparison.Ordinal) && href.EndsWith($"second={b}", StringComparison.Ordinal))
                || (href.Contains($"first={b}&", StringComparison.Ordinal) && href.EndsWith($"second={a}", StringComparison.Ordinal)));
        Assert.That(link, Is.Not.Null, $"no side-by-side link for {a} and {b}:\n{page}");
        return link!;
    }

    private static Dictionary<string, string> QueryOf(string link) =>
        link[(link.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));

    private static async Task<string> PercentAsync(string student, string assignment)
    {
        using var instructor = await App.ClientAsync("instructor");
        var lines = (await instructor.GetStringAsync("/api/gradebook.csv")).Split("\r\n");
        int column = Array.IndexOf(lines[0].Split(','), $"{assignment}_percent");
        return lines.Single(line => line.StartsWith($"{student},", StringComparison.Ordinal)).Split(',')[column];
    }

    /// <summary>A TA opens a case from the pair's page against <paramref name="suspect"/>; returns the case.</summary>
    private static async Task<SimilarityCase> OpenCaseFromPairAsync(string page, string suspect, string other, string summary)
    {
        string link = PairLink(page, suspect, other);
        var query = QueryOf(link);
        using var ta = await App.ClientAsync("ta2");
        using var opened = await ta.PostFormAsync(link, "/Ta/SimilarityPair?handler=Open", new Dictionary<string, string>
        {
            ["Assignment"] = query["assignment"],
            ["Key"] = query["key"],
            ["First"] = query["first"],
            ["Second"] = query["second"],
            ["Suspect"] = query["first"] == suspect ? "first" : "second",
            ["Summary"] = summary,
        });
        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await opened.Content.ReadAsStringAsync());
        await using var db = App.Database();
        return await db.SimilarityCases.AsNoTracking().SingleAsync(c => c.StudentIdentifier == suspect && c.Summary == summary);
    }

    [Test]
    public async Task ARenamedAndReorderedCopyIsReportedAndShownSideBySide()
    {
        Assert.That(PairsOn(hw2Page).Where(p => IsPair(p, Copied, Copier)), Has.Exactly(1).Items, hw2Page);

        using var ta = await App.ClientAsync("ta1");
        string sideBySide = WebUtility.HtmlDecode(await ta.GetStringAsync(PairLink(hw2Page, Copied, Copier)));
        Assert.Multiple(() =>
        {
            // Both students' own files, with line numbers, the matching lines marked; the starter is never shown as a match.
            Assert.That(sideBySide, Does.Contain("ConvolutionByHand.cs, lines").And.Contain("MyLayers.cs, lines"));
            Assert.That(MatchLine().Matches(sideBySide), Has.Count.GreaterThan(20), "matching lines are highlighted");
            Assert.That(sideBySide, Does.Contain("sum += image[y, x] * kernel[dy, dx];").And.Contain("acc += pic[r, c] * w[a, b];"));
            Assert.That(sideBySide, Does.Not.Contain("LesionClassifier.cs, lines").And.Not.Contain("Convolution2d.cs, lines"));
        });
    }

    [Test]
    public void IndependentSolutionsAndStarterOnlyHandInsAreNotReported()
    {
        var hw2 = PairsOn(hw2Page);
        var hw1 = PairsOn(hw1Page);
        Assert.Multiple(() =>
        {
            // All six HW2 hand-ins carry the starter files unchanged; only the copy is reported.
            Assert.That(hw2.Where(p => Independent.Concat(StarterOnly).Contains(p.First) || Independent.Concat(StarterOnly).Contains(p.Second)), Is.Empty, hw2Page);
            Assert.That(hw2, Has.Count.EqualTo(1), hw2Page);
            Assert.That(hw1.Where(p => DemoStarterOnly.Contains(p.First) || DemoStarterOnly.Contains(p.Second)), Is.Empty, "the starter alone matches nothing");
            Assert.That(hw1.Where(p => IsPair(p, "dm0001", "dm0002")), Has.Exactly(1).Items, "two copies of the model solution are a pair");
        });
    }

    [Test]
    public async Task AConfirmedCaseZeroesTheAssignmentAndTheStudentSeesOnlyTheOutcome()
    {
        Assert.That(await PercentAsync("dm0001", "hw1-mlp"), Is.Not.EqualTo("0.00"), "before any case");
        var opened = await OpenCaseFromPairAsync(hw1Page, "dm0001", "dm0002", "identical notebooks (confirm test)");
        Assert.Multiple(() =>
        {
            Assert.That(opened.OtherStudentIdentifier, Is.EqualTo("dm0002"));
            Assert.That(opened.SubmissionId, Is.Not.Null);
            Assert.That(opened.OtherSubmissionId, Is.Not.Null);
            Assert.That(opened.OpenedByName, Does.Contain("TA B."));
            Assert.That(opened.Similarity, Is.EqualTo(1.0).Within(1e-9));
        });
        Assert.That(await PercentAsync("dm0001", "hw1-mlp"), Is.Not.EqualTo("0.00"), "an open case changes nothing");

        using var instructor = await App.ClientAsync("instructor");
        using (var noNote = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm",
            new Dictionary<string, string> { ["CaseId"] = $"{opened.Id}", ["DecisionNote"] = " " }))
        {
            Assert.That(WebUtility.HtmlDecode(await noNote.Content.ReadAsStringAsync()), Does.Contain($"A note is required to have case {opened.Id} confirmed"));
        }

        // The first step only asks, showing what the plagiarism policy will do; nothing changes.
        using (var asked = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm",
            new Dictionary<string, string> { ["CaseId"] = $"{opened.Id}", ["DecisionNote"] = "admitted in the meeting" }))
        {
            string page = WebUtility.HtmlDecode(await asked.Content.ReadAsStringAsync());
            Assert.That(asked.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page, Does.Contain($"Confirm case #{opened.Id}?").And.Contain($"becomes 0 / 100 (zero: confirmed plagiarism case #{opened.Id})"));
        }

        Assert.That(await PercentAsync("dm0001", "hw1-mlp"), Is.Not.EqualTo("0.00"), "asking changes nothing");
        using (var confirmed = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm",
            new Dictionary<string, string> { ["CaseId"] = $"{opened.Id}", ["DecisionNote"] = "admitted in the meeting", ["ConfirmationGiven"] = "true" }))
        {
            Assert.That(confirmed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        // The syllabus: a first offence is a zero for that assignment.
        Assert.That(await PercentAsync("dm0001", "hw1-mlp"), Is.EqualTo("0.00"));
        Assert.That(await PercentAsync("dm0002", "hw1-mlp"), Is.Not.EqualTo("0.00"), "the case is against dm0001 only");

        string history = WebUtility.HtmlDecode(await instructor.GetStringAsync("/Ta/Similarity"));
        Assert.That(history, Does.Contain("confirmed</strong> <span>by Dr. Iris Instructor (demo), 2023-").And.Contain("admitted in the meeting"));

        using var student = await App.ClientAsync("dm0001");
        string own = WebUtility.HtmlDecode(await student.GetStringAsync("/Student"));
        Assert.Multiple(() =>
        {
            Assert.That(own, Does.Contain("a plagiarism case was confirmed on").And.Contain("the assignment scores 0 of"));
            Assert.That(own, Does.Not.Contain("dm0002").And.Not.Contain("identical notebooks").And.Not.Contain("admitted in the meeting"),
                "the student sees the outcome, not the other student or the evidence");
        });
        using var other = await App.ClientAsync("dm0002");
        Assert.That(await other.GetStringAsync("/Student"), Does.Not.Contain("plagiarism case"));
    }

    [Test]
    public async Task ADismissedCaseChangesNothingAndStaysInTheHistory()
    {
        string before = await PercentAsync("dm0004", "hw1-mlp");
        var opened = await OpenCaseFromPairAsync(hw1Page, "dm0004", "dm0008", "same structure (dismiss test)");

        using var instructor = await App.ClientAsync("instructor");
        using (var dismissed = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Dismiss",
            new Dictionary<string, string> { ["CaseId"] = $"{opened.Id}", ["DecisionNote"] = "both are the posted model solution (demo)" }))
        {
            Assert.That(dismissed.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        await using (var db = App.Database())
        {
            var after = await db.SimilarityCases.AsNoTracking().SingleAsync(c => c.Id == opened.Id);
            Assert.Multiple(() =>
            {
                Assert.That(after.DismissedAtUtc?.Year, Is.EqualTo(2023), "stamped on the course clock");
                Assert.That(after.DismissedByName, Does.Contain("Instructor"));
                Assert.That(after.DecisionNote, Is.EqualTo("both are the posted model solution (demo)"));
                Assert.That(after.ConfirmedAtUtc, Is.Null);
            });
        }

        Assert.That(await PercentAsync("dm0004", "hw1-mlp"), Is.EqualTo(before));
        string history = WebUtility.HtmlDecode(await instructor.GetStringAsync("/Ta/Similarity"));
        Assert.That(history, Does.Contain($"id=\"case-{opened.Id}\"").And.Contain("dismissed</strong> <span>by Dr. Iris Instructor (demo)")
            .And.Contain("both are the posted model solution (demo)"));

        using (var again = await instructor.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Confirm",
            new Dictionary<string, string> { ["CaseId"] = $"{opened.Id}", ["DecisionNote"] = "changed my mind" }))
        {
            Assert.That(WebUtility.HtmlDecode(await again.Content.ReadAsStringAsync()), Does.Contain("a closed case is final"));
        }

        using var student = await App.ClientAsync("dm0004");
        Assert.That(await student.GetStringAsync("/Student"), Does.Not.Contain("plagiarism case"));
    }

    [Test]
    public async Task StudentsCannotRunComparisonsReadPairsOrOpenCases()
    {
        string link = PairLink(hw2Page, Copied, Copier);
        using var student = await App.ClientAsync(Copier);
        using (var pair = await student.GetAsync(link))
        {
            Assert.That(pair.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        using (var compare = await student.PostFormAsync("/Student", "/Ta/Similarity?handler=Compare", new Dictionary<string, string> { ["Assignment"] = "hw2-cnn" }))
        {
            Assert.That(compare.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        var query = QueryOf(link);
        using (var open = await student.PostFormAsync("/Student", "/Ta/SimilarityPair?handler=Open", new Dictionary<string, string>
        {
            ["Assignment"] = query["assignment"], ["Key"] = query["key"], ["First"] = query["first"], ["Second"] = query["second"],
            ["Suspect"] = "first", ["Summary"] = "accusing a classmate",
        }))
        {
            Assert.That(open.Headers.Location?.ToString(), Does.Contain("/Account/AccessDenied"));
        }

        await using var db = App.Database();
        Assert.That(await db.SimilarityCases.AnyAsync(c => c.Summary == "accusing a classmate"), Is.False);
    }

    [Test]
    public async Task APreviousYearsArchiveIsComparedWithThisTermWhenAsked()
    {
        // Last year's student handed in the original; the archive layout is <year>/<assignment>/<one entry per student>.
        string archived = Path.Combine(App.DataFolder, "similarity-archives", "2022", "hw2-cnn", "ab1234");
        Directory.CreateDirectory(archived);
        await File.WriteAllTextAsync(Path.Combine(archived, "Convolution.cs"), Hw2Sources.Original);

        using var ta = await App.ClientAsync("ta1");
        Assert.That(WebUtility.HtmlDecode(await ta.GetStringAsync("/Ta/Similarity?assignment=hw2-cnn")), Does.Contain("previous years' archives (2022)"));
        using (var queued = await ta.PostFormAsync("/Ta/Similarity", "/Ta/Similarity?handler=Compare",
            new Dictionary<string, string> { ["Assignment"] = "hw2-cnn", ["IncludeArchives"] = "true" }))
        {
            Assert.That(queued.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        }

        string page = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            page = WebUtility.HtmlDecode(await ta.GetStringAsync("/Ta/Similarity?assignment=hw2-cnn"));
            if (page.Contains("and 1 archived", StringComparison.Ordinal) && !page.Contains("Comparison queued", StringComparison.Ordinal)
                && !page.Contains("Comparison running", StringComparison.Ordinal))
            {
                break;
            }
        }

        var pairs = PairsOn(page);
        Assert.Multiple(() =>
        {
            Assert.That(pairs.Where(p => IsPair(p, Copied, "2022/ab1234")), Has.Exactly(1).Items, page);
            Assert.That(pairs.Where(p => IsPair(p, Copier, "2022/ab1234")), Has.Exactly(1).Items, "the copy of the copy");
            Assert.That(pairs.Where(p => IsPair(p, Copied, Copier)), Has.Exactly(1).Items);
        });

        // A case against this term's student, compared with last year's hand-in.
        string link = PairLink(page, Copier, "2022/ab1234");
        var query = QueryOf(link);
        using var opened = await ta.PostFormAsync(link, "/Ta/SimilarityPair?handler=Open", new Dictionary<string, string>
        {
            ["Assignment"] = query["assignment"], ["Key"] = query["key"], ["First"] = query["first"], ["Second"] = query["second"],
            ["Suspect"] = query["first"] == Copier ? "first" : "second", ["Summary"] = "matches a 2022 hand-in",
        });
        Assert.That(opened.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await opened.Content.ReadAsStringAsync());
        await using var db = App.Database();
        var found = await db.SimilarityCases.AsNoTracking().SingleAsync(c => c.Summary == "matches a 2022 hand-in");
        Assert.Multiple(() =>
        {
            Assert.That(found.StudentIdentifier, Is.EqualTo(Copier));
            Assert.That(found.OtherStudentIdentifier, Is.EqualTo("2022/ab1234"));
            Assert.That(found.OtherSubmissionId, Is.Null);
        });
    }

    [Test]
    public async Task AnUnknownReportOrPairIsNotFound()
    {
        using var ta = await App.ClientAsync("ta1");
        var query = QueryOf(PairLink(hw2Page, Copied, Copier));
        foreach (string path in new[]
        {
            $"/Ta/SimilarityPair?assignment=hw2-cnn&key={new string('0', 64)}&first={Copied}&second={Copier}",
            $"/Ta/SimilarityPair?assignment=hw2-cnn&key=../../grader.db&first={Copied}&second={Copier}",
            $"/Ta/SimilarityPair?assignment=hw2-cnn&key={query["key"]}&first={Independent[0]}&second={Independent[1]}",
        })
        {
            using var response = await ta.GetAsync(path);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), path);
        }
    }

    [GeneratedRegex("class=\"pair\" data-first=\"([^\"]+)\" data-second=\"([^\"]+)\"")]
    private static partial Regex PairRow();

    [GeneratedRegex("href=\"(/Ta/SimilarityPair\\?[^\"]+)\"")]
    private static partial Regex PairLinkPattern();

    [GeneratedRegex("class=\"line match\"")]
    private static partial Regex MatchLine();
}

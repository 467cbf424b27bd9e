using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Grader.Web.Tests.Workspace;

/// <summary>
/// A student uploads a submission carrying every payload of <see cref="XssCorpus"/>; the TA's notebook, code and
/// submission pages are parsed and each payload is checked inert on each page, one test per payload and page.
/// </summary>
public sealed class XssCorpusTests
{
    private const string Student = "dm0030";
    private static readonly Dictionary<string, IDocument> Pages = [];

    [OneTimeSetUp]
    public async Task UploadTheCorpusAsync()
    {
        using var student = await WorkspaceFixture.App.ClientAsync(Student);
        using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", $"{Student}_hw1.zip", XssCorpus.Zip());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
        string submission = response.Headers.Location!.ToString();
        using var ta = await WorkspaceFixture.App.ClientAsync("ta1");
        var parser = new HtmlParser();
        foreach (string view in new[] { "Notebook", "Code", "" })
        {
            string path = view.Length == 0 ? submission : $"{submission}/{view}";
            Pages[view.Length == 0 ? "Details" : view] = parser.ParseDocument(await ta.GetStringAsync(path));
        }
    }

    private static IEnumerable<TestCaseData> NotebookCases() =>
        // A .cs file's name is not on the notebook page (it is on the code page): there it only must not act.
        XssCorpus.Payloads.Select(p => new TestCaseData(p.Place == PayloadPlace.FileName && p.Payload.EndsWith(".cs", StringComparison.Ordinal) ? p with { ShownAsText = false } : p)
            .SetName($"NotebookPage_{p.Marker}"));

    private static IEnumerable<TestCaseData> CodeCases() =>
        XssCorpus.Payloads.Where(p => p.Place is PayloadPlace.CellSource or PayloadPlace.FileName).Select(p => new TestCaseData(p).SetName($"CodePage_{p.Marker}"));

    [TestCaseSource(nameof(NotebookCases))]
    public void IsInertOnTheNotebookPage(XssPayload payload)
    {
        Assert.That(Pages["Notebook"].QuerySelectorAll(".cell").Length, Is.GreaterThan(XssCorpus.Payloads.Count(p => p.Place == PayloadPlace.Markdown)),
            "the corpus notebook should render; problems: " + string.Join("; ", Pages["Notebook"].QuerySelectorAll(".error").Select(e => e.TextContent)));
        XssCorpus.AssertInert(Pages["Notebook"], payload);
    }

    [TestCaseSource(nameof(CodeCases))]
    public void IsInertOnTheCodePage(XssPayload payload) => XssCorpus.AssertInert(Pages["Code"], payload);

    [Test]
    public void TheSubmissionPageStaysInert() => XssCorpus.AssertInert(Pages["Details"], XssCorpus.Payloads[0] with { ShownAsText = false });

    [Test]
    public void AnImageThatIsNotOneIsNamedNotShown()
    {
        var notes = Pages["Notebook"].QuerySelectorAll(".output.note").Select(e => e.TextContent).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(notes, Has.Some.Contains("image/png output that is not valid base64"));
            Assert.That(notes, Has.Some.Contains("image/jpeg output that is not valid base64"));
            Assert.That(notes, Has.Some.Contains("application/javascript"));
            Assert.That(Pages["Notebook"].QuerySelectorAll("img[src^='data:image/svg+xml;base64,']"), Has.Length.EqualTo(2), "the SVG output, shown as an image in both notebooks");
        });
    }
}

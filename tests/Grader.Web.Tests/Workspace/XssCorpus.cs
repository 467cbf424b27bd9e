using System.IO.Compression;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Grader.TestKit;

namespace Grader.Web.Tests.Workspace;

/// <summary>Where a payload sits in the submission.</summary>
public enum PayloadPlace
{
    Markdown,
    Output,
    CellSource,
    FileName,
}

/// <param name="Marker">A unique word inside the payload (its alert text): how the test finds what became of it.</param>
/// <param name="Mime">For an output: its MIME type ("stream" and "error" for those outputs).</param>
/// <param name="ShownAsText">True when the marker must still be readable on the page (escaped), not merely removed.</param>
public sealed record XssPayload(string Marker, PayloadPlace Place, string Payload, string? Mime = null, bool ShownAsText = false)
{
    public override string ToString() => Marker;
}

/// <summary>
/// Script in every place a student controls on the workspace pages, one payload per test: markdown, saved outputs of
/// every MIME type the renderer knows (and some it does not), the code of a cell and of a .cs file, and file names.
/// </summary>
public static class XssCorpus
{
    public static IReadOnlyList<XssPayload> Payloads { get; } =
    [
        new("mdscript", PayloadPlace.Markdown, "<script>alert('mdscript')</script>"),
        new("mdonerror", PayloadPlace.Markdown, "<img src=x onerror=\"alert('mdonerror')\">"),
        new("mdjslink", PayloadPlace.Markdown, "[mdjslink](javascript:alert('mdjslink'))", ShownAsText: true),
        new("mdjslinkcase", PayloadPlace.Markdown, "<a href=\" JaVaScRiPt:alert('mdjslinkcase')\">mdjslinkcase</a>", ShownAsText: true),
        new("mdentitylink", PayloadPlace.Markdown, "<a href=\"&#106;avascript:alert('mdentitylink')\">mdentitylink</a>", ShownAsText: true),
        new("mddatalink", PayloadPlace.Markdown, "<a href=\"data:text/html,<script>alert('mddatalink')</script>\">mddatalink</a>", ShownAsText: true),
        new("mdsvg", PayloadPlace.Markdown, "<svg onload=\"alert('mdsvg')\"><circle r=\"4\"/></svg>"),
        new("mdiframe", PayloadPlace.Markdown, "<iframe src=\"javascript:alert('mdiframe')\"></iframe>"),
        new("mdform", PayloadPlace.Markdown, "<form action=\"javascript:alert('mdform')\"><button>mdform</button></form>"),
        new("mdstyle", PayloadPlace.Markdown, "<div style=\"background:url(javascript:alert('mdstyle'))\">mdstyle</div>", ShownAsText: true),
        new("mdclobber", PayloadPlace.Markdown, "<div id=\"total\" name=\"mdclobber\">mdclobber</div>", ShownAsText: true),
        new("mdmeta", PayloadPlace.Markdown, "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('mdmeta')\">"),
        new("mdbase", PayloadPlace.Markdown, "<base href=\"javascript:alert('mdbase')//\">"),
        new("outplain", PayloadPlace.Output, "<script>alert('outplain')</script>", "text/plain", ShownAsText: true),
        new("outhtml", PayloadPlace.Output, "<b>ok</b><script>alert('outhtml')</script><img src=x onerror=\"alert('outhtml')\">", "text/html"),
        new("outhtmlsvg", PayloadPlace.Output, "<svg><script>alert('outhtmlsvg')</script></svg>", "text/html"),
        new("outmarkdown", PayloadPlace.Output, "[outmarkdown](javascript:alert('outmarkdown'))", "text/markdown", ShownAsText: true),
        new("outsvg", PayloadPlace.Output, "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert('outsvg')\"><script>alert('outsvg')</script></svg>", "image/svg+xml"),
        new("outpng", PayloadPlace.Output, "\"><script>alert('outpng')</script>", "image/png"),
        new("outjpeg", PayloadPlace.Output, "\" onerror=\"alert('outjpeg')", "image/jpeg"),
        new("outjs", PayloadPlace.Output, "alert('outjs')", "application/javascript"),
        new("outjson", PayloadPlace.Output, "{\"x\": \"<script>alert('outjson')</script>\"}", "application/json"),
        new("outplotly", PayloadPlace.Output, "{\"data\": [], \"layout\": {\"title\": \"<img src=x onerror=alert('outplotly')>\"}}", "application/vnd.plotly.v1+json"),
        new("outstream", PayloadPlace.Output, "<script>alert('outstream')</script>", "stream", ShownAsText: true),
        new("outerror", PayloadPlace.Output, "<img src=x onerror=\"alert('outerror')\">", "error", ShownAsText: true),
        new("srccell", PayloadPlace.CellSource, "var s = \"</code></td></tr></table><script>alert('srccell')</script>\";", ShownAsText: true),
        new("srccomment", PayloadPlace.CellSource, "// <img src=x onerror=\"alert('srccomment')\">", ShownAsText: true),
        new("fncs", PayloadPlace.FileName, "<img src=x onerror=alert('fncs')>.cs", ShownAsText: true),
        new("fnnotebook", PayloadPlace.FileName, "\"><svg onload=alert('fnnotebook')>.ipynb", ShownAsText: true),
    ];

    /// <summary>A zip with every payload: one notebook (markdown, outputs, cell code), and files named by the file-name payloads.</summary>
    public static byte[] Zip()
    {
        var notebook = new NotebookJson().Markdown("# XSS corpus");
        foreach (var payload in Payloads.Where(p => p.Place == PayloadPlace.Markdown))
        {
            notebook.Markdown(payload.Payload);
        }

        foreach (var payload in Payloads.Where(p => p.Place == PayloadPlace.CellSource))
        {
            notebook.Code(payload.Payload, executionCount: 1);
        }

        var outputs = Payloads.Where(p => p.Place == PayloadPlace.Output).Select(Output).ToArray();
        notebook.Code("Console.WriteLine(\"outputs\");", 2, null, outputs);
        string json = notebook.Build();

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "hw1.ipynb", json);
            foreach (var payload in Payloads.Where(p => p.Place == PayloadPlace.FileName))
            {
                Add(zip, payload.Payload, payload.Payload.EndsWith(".ipynb", StringComparison.Ordinal)
                    ? json
                    : $"// {payload.Marker}\npublic class Helper {{ }}\n");
            }
        }

        return buffer.ToArray();
    }

    private static JsonObject Output(XssPayload payload) => payload.Mime switch
    {
        "stream" => NotebookJson.StreamOutput(payload.Payload),
        "error" => new JsonObject
        {
            ["output_type"] = "error", ["ename"] = payload.Payload, ["evalue"] = payload.Payload, ["traceback"] = new JsonArray(payload.Payload),
        },
        _ => new JsonObject
        {
            ["output_type"] = "display_data",
            ["metadata"] = new JsonObject(),
            ["data"] = new JsonObject { [payload.Mime!] = payload.Payload },
        },
    };

    private static void Add(ZipArchive zip, string name, string text)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(text);
    }

    private static readonly string[] UrlAttributes = ["href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "srcdoc"];

    /// <summary>
    /// What makes a page with student content inert, checked on the parsed DOM: no script, frame, object, SVG or form
    /// element, no event-handler attribute, no URL that runs script or HTML, images only from data:image (base64) or the
    /// web, and no element of the student's that takes an id of the page. Then the payload's own marker: it is nowhere in
    /// an attribute that could act, and, where the payload is text, it is readable.
    /// </summary>
    public static void AssertInert(IDocument page, XssPayload payload)
    {
        Assert.Multiple(() =>
        {
            Assert.That(page.QuerySelectorAll("script, iframe, frame, object, embed, svg, math, base, meta[http-equiv], style").Select(e => e.OuterHtml), Is.Empty);
            var handlers = page.All.SelectMany(e => e.Attributes.Where(a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase)).Select(a => $"{e.LocalName} {a.Name}=\"{a.Value}\""));
            Assert.That(handlers, Is.Empty);
            var urls = page.All.SelectMany(e => e.Attributes.Where(a => UrlAttributes.Contains(a.Name, StringComparer.OrdinalIgnoreCase)).Select(a => (Element: e, a.Name, Value: a.Value)))
                .Where(u => !IsSafeUrl(u.Element, u.Value)).Select(u => $"{u.Element.LocalName} {u.Name}=\"{u.Value}\"");
            Assert.That(urls, Is.Empty);
            Assert.That(page.QuerySelectorAll("form").Where(f => f.OuterHtml.Contains(payload.Marker, StringComparison.Ordinal)).Select(f => f.OuterHtml), Is.Empty);
            Assert.That(page.QuerySelectorAll(".output [id], .markdown [id], .output [name], .markdown [name]").Select(e => e.OuterHtml), Is.Empty);
            var styled = page.QuerySelectorAll("[style]").Where(e => e.GetAttribute("style")!.Contains("javascript", StringComparison.OrdinalIgnoreCase)).Select(e => e.OuterHtml);
            Assert.That(styled, Is.Empty);
            if (payload.ShownAsText)
            {
                Assert.That(page.Body!.TextContent, Does.Contain(payload.Marker), "the payload should be shown as text");
            }
        });
    }

    private static bool IsSafeUrl(IElement element, string value)
    {
        string url = new string(value.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray()).ToLowerInvariant();
        if (element.LocalName == "img" && url.StartsWith("data:", StringComparison.Ordinal))
        {
            return url.StartsWith("data:image/png;base64,", StringComparison.Ordinal) || url.StartsWith("data:image/jpeg;base64,", StringComparison.Ordinal)
                || url.StartsWith("data:image/svg+xml;base64,", StringComparison.Ordinal);
        }

        int colon = url.IndexOf(':', StringComparison.Ordinal);
        int slash = url.IndexOf('/', StringComparison.Ordinal);
        bool hasScheme = colon > 0 && (slash < 0 || colon < slash);
        return !hasScheme || url.StartsWith("http:", StringComparison.Ordinal) || url.StartsWith("https:", StringComparison.Ordinal) || url.StartsWith("mailto:", StringComparison.Ordinal);
    }
}

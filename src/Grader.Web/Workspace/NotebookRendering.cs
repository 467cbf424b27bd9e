using System.Text;
using System.Text.RegularExpressions;
using Grader.Core.Reports;
using Grader.Submissions.Notebooks;

namespace Grader.Web.Workspace;

/// <summary>A compiler message or policy finding from the report, shown beside the line it names.</summary>
public sealed record LineFinding(string Severity, string Text);

/// <summary>A numbered line of highlighted code (HTML from <see cref="CSharpHighlighter"/>) with its findings.</summary>
public sealed record CodeLine(int Number, string Html, IReadOnlyList<LineFinding> Findings);

public enum RenderedOutputKind
{
    Text,
    Error,
    Image,
    Html,

    /// <summary>Something not shown, and why (too large, scripts, an unknown type).</summary>
    Note,
}

/// <param name="Content">Text (encoded by the page), an image data URI, or sanitised HTML, by <see cref="Kind"/>.</param>
public sealed record RenderedOutput(RenderedOutputKind Kind, string Content, string MimeType);

public sealed record RenderedCell(
    int Number,
    NotebookCellKind Kind,
    string Language,
    int? ExecutionCount,
    string? MarkdownHtml,
    IReadOnlyList<CodeLine> Lines,
    IReadOnlyList<RenderedOutput> Outputs,
    IReadOnlyList<ReportGradedClass> GradedClasses,
    IReadOnlyList<LineFinding> OtherFindings);

public sealed record RenderedNotebook(string FileName, IReadOnlyList<RenderedCell> Cells, int CellsNotShown);

/// <summary>The report's compiler messages and policy findings by file, cell and line.</summary>
public sealed class ReportFindings
{
    private readonly ILookup<(string File, int? Cell), (int Line, LineFinding Finding)> byPlace;

    public ReportFindings(GradingReport? report)
    {
        Report = report;
        var all = new List<(string File, int? Cell, int Line, LineFinding Finding)>();
        foreach (var message in report?.CompilerMessages ?? [])
        {
            all.Add((message.File, message.Cell, message.Line, new LineFinding(message.Severity, $"{message.Id}: {message.Message}")));
        }

        foreach (var finding in report?.PolicyFindings ?? [])
        {
            if (finding.File is { } file)
            {
                all.Add((file, finding.Cell, finding.Line ?? 0, new LineFinding(finding.Severity, $"policy: {finding.Api}: {finding.Reason}")));
            }
        }

        byPlace = all.ToLookup(f => (f.File, f.Cell), f => (f.Line, f.Finding));
    }

    public GradingReport? Report { get; }

    public IEnumerable<ReportGradedClass> GradedClassesIn(string file, int? cell) =>
        (Report?.GradedClasses ?? []).Where(g => g.File == file && g.Cell == cell);

    /// <summary>Numbered, highlighted lines of one file or cell with the findings of each line; findings on lines the
    /// code does not have go to <paramref name="elsewhere"/>.</summary>
    public IReadOnlyList<CodeLine> Lines(string file, int? cell, string code, List<LineFinding> elsewhere)
    {
        var findings = byPlace[(file, cell)].ToList();
        var html = CSharpHighlighter.HighlightLines(code);
        elsewhere.AddRange(findings.Where(f => f.Line < 1 || f.Line > html.Count).Select(f => f.Finding));
        return [.. html.Select((line, index) => new CodeLine(index + 1, line, [.. findings.Where(f => f.Line == index + 1).Select(f => f.Finding)]))];
    }
}

/// <summary>
/// A notebook as Jupyter shows it: markdown rendered and sanitised, code highlighted with line numbers, saved outputs
/// (text, errors, PNG/JPEG/SVG as image data URIs, HTML sanitised), each bounded so a notebook of any size renders in
/// bounded time and memory. Cell numbers are <see cref="NotebookCell.Number"/>, the grader's and the report's.
/// </summary>
public static partial class NotebookRendering
{
    public const int MaxCells = 400;
    public const int MaxOutputsPerCell = 30;
    public const int MaxTextChars = 20_000;
    public const int MaxImageBytes = 4 * 1024 * 1024;
    public const long MaxImageBytesPerNotebook = 24L * 1024 * 1024;

    // Jupyter's order: the richest representation an output has is the one shown.
    private static readonly string[] Preference = ["image/png", "image/jpeg", "image/svg+xml", "text/html", "text/markdown", "text/plain"];

    public static RenderedNotebook Render(NotebookDocument notebook, ReportFindings findings)
    {
        ArgumentNullException.ThrowIfNull(notebook);
        ArgumentNullException.ThrowIfNull(findings);
        long imageBudget = MaxImageBytesPerNotebook;
        var cells = new List<RenderedCell>();
        foreach (var cell in notebook.Cells.Take(MaxCells))
        {
            var elsewhere = new List<LineFinding>();
            switch (cell.Kind)
            {
                case NotebookCellKind.Markdown:
                    cells.Add(new RenderedCell(cell.Number, cell.Kind, cell.Language, null, StudentHtml.Markdown(cell.Source), [], [], [], []));
                    break;
                case NotebookCellKind.Raw:
                    cells.Add(new RenderedCell(cell.Number, cell.Kind, cell.Language, null, null, [], [new RenderedOutput(RenderedOutputKind.Text, Cut(cell.Source), "raw")], [], []));
                    break;
                default:
                    var lines = findings.Lines(notebook.FileName, cell.Number, cell.Source, elsewhere);
                    var outputs = cell.Outputs.Take(MaxOutputsPerCell).Select(output => RenderOutput(output, ref imageBudget)).ToList();
                    if (cell.Outputs.Count > MaxOutputsPerCell)
                    {
                        outputs.Add(new RenderedOutput(RenderedOutputKind.Note, $"{cell.Outputs.Count - MaxOutputsPerCell} more outputs not shown (at most {MaxOutputsPerCell} per cell).", ""));
                    }

                    cells.Add(new RenderedCell(cell.Number, cell.Kind, cell.Language, cell.ExecutionCount, null, lines, outputs,
                        [.. findings.GradedClassesIn(notebook.FileName, cell.Number)], elsewhere));
                    break;
            }
        }

        return new RenderedNotebook(notebook.FileName, cells, Math.Max(0, notebook.Cells.Count - MaxCells));
    }

    private static RenderedOutput RenderOutput(NotebookOutput output, ref long imageBudget)
    {
        switch (output.Kind)
        {
            case NotebookOutputKind.Stream:
                return new RenderedOutput(RenderedOutputKind.Text, Cut(output.Text ?? ""), output.StreamName ?? "stream");
            case NotebookOutputKind.Error:
                var text = $"{output.ErrorName}: {output.ErrorValue}" + (output.Traceback.Count > 0 ? "\n" + string.Join("\n", output.Traceback) : "");
                return new RenderedOutput(RenderedOutputKind.Error, AnsiEscapes().Replace(Cut(text), ""), "error");
            case NotebookOutputKind.Unknown when output.Data.Count == 0:
                return new RenderedOutput(RenderedOutputKind.Note, "An output of a kind this page does not know.", "");
        }

        string? mime = Preference.FirstOrDefault(output.Data.ContainsKey);
        if (mime is null)
        {
            var types = string.Join(", ", output.Data.Keys.Order(StringComparer.Ordinal).Take(5));
            return new RenderedOutput(RenderedOutputKind.Note, $"Not shown: {Cut(types, 200)} (scripts and interactive outputs are not run here).", "");
        }

        string data = output.Data[mime];
        switch (mime)
        {
            case "image/png" or "image/jpeg":
                return Image(mime, data, ref imageBudget, fromBase64: true);
            case "image/svg+xml":
                return Image(mime, data, ref imageBudget, fromBase64: false);
            case "text/html":
                return data.Length > MaxTextChars * 10
                    ? new RenderedOutput(RenderedOutputKind.Note, $"An HTML output of {data.Length:N0} characters, too large to show.", mime)
                    : new RenderedOutput(RenderedOutputKind.Html, StudentHtml.Html(data), mime);
            case "text/markdown":
                return new RenderedOutput(RenderedOutputKind.Html, StudentHtml.Markdown(data), mime);
            default:
                return new RenderedOutput(RenderedOutputKind.Text, Cut(data), mime);
        }
    }

    /// <summary>An image as a data URI for an &lt;img&gt;: PNG and JPEG must decode and start with their signature;
    /// SVG is never put in the page as markup (an image cannot run its scripts).</summary>
    private static RenderedOutput Image(string mime, string data, ref long imageBudget, bool fromBase64)
    {
        byte[] bytes;
        if (fromBase64)
        {
            // Bounded before any work: base64 is 4/3 of the bytes, plus line breaks.
            if (data.Length > MaxImageBytes * 2L)
            {
                return new RenderedOutput(RenderedOutputKind.Note, $"A {mime} image of about {data.Length * 3L / 4 / 1024:N0} KB, above the {MaxImageBytes / 1024 / 1024} MB shown per image.", mime);
            }

            string compact = Whitespace().Replace(data, "");
            if ((long)compact.Length * 3 / 4 > MaxImageBytes)
            {
                return new RenderedOutput(RenderedOutputKind.Note, $"A {mime} image of about {compact.Length * 3L / 4 / 1024:N0} KB, above the {MaxImageBytes / 1024 / 1024} MB shown per image.", mime);
            }

            bytes = new byte[compact.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64String(compact, bytes, out int written))
            {
                return new RenderedOutput(RenderedOutputKind.Note, $"A {mime} output that is not valid base64; not shown.", mime);
            }

            bytes = bytes[..written];
            bool signature = mime == "image/png"
                ? bytes.AsSpan().StartsWith((byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                : bytes.AsSpan().StartsWith((byte[])[0xFF, 0xD8, 0xFF]);
            if (!signature)
            {
                return new RenderedOutput(RenderedOutputKind.Note, $"A {mime} output whose bytes are not a {mime} image; not shown.", mime);
            }
        }
        else
        {
            bytes = Encoding.UTF8.GetBytes(data);
            if (bytes.Length > MaxImageBytes)
            {
                return new RenderedOutput(RenderedOutputKind.Note, $"An SVG image of {bytes.Length / 1024:N0} KB, above the {MaxImageBytes / 1024 / 1024} MB shown per image.", mime);
            }
        }

        if (bytes.Length > imageBudget)
        {
            return new RenderedOutput(RenderedOutputKind.Note, $"A {mime} image not shown: the page already shows {MaxImageBytesPerNotebook / 1024 / 1024} MB of images.", mime);
        }

        imageBudget -= bytes.Length;
        return new RenderedOutput(RenderedOutputKind.Image, $"data:{mime};base64,{Convert.ToBase64String(bytes)}", mime);
    }

    private static string Cut(string text, int max = MaxTextChars) => text.Length <= max ? text : text[..max] + $"\n… ({text.Length - max:N0} more characters not shown)";

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscapes();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

namespace Grader.Submissions.Notebooks;

public enum NotebookCellKind
{
    Code,
    Markdown,
    Raw,
}

public enum NotebookOutputKind
{
    /// <summary>Text written to stdout or stderr.</summary>
    Stream,

    /// <summary>The value of a cell's last expression.</summary>
    ExecuteResult,

    /// <summary>Something shown with <c>display(...)</c> (plots, tables).</summary>
    DisplayData,

    /// <summary>The cell failed.</summary>
    Error,

    /// <summary>An output type this reader does not know; kept so nothing silently disappears.</summary>
    Unknown,
}

/// <summary>One saved output of a code cell.</summary>
/// <param name="Data">Mime type to content: text for text types, base64 for images, raw JSON for JSON types.</param>
public sealed record NotebookOutput(
    NotebookOutputKind Kind,
    string? StreamName,
    string? Text,
    IReadOnlyDictionary<string, string> Data,
    string? ErrorName,
    string? ErrorValue,
    IReadOnlyList<string> Traceback)
{
    private static readonly string[] ImageMimeTypes = ["image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp", "image/bmp"];

    public string? PlainText => Data.GetValueOrDefault("text/plain");

    public string? ImagePngBase64 => Data.GetValueOrDefault("image/png");

    /// <summary>A saved image (a plot rendered to PNG/SVG/...).</summary>
    public bool HasImage => Data.Keys.Any(mime => ImageMimeTypes.Contains(mime, StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// An interactive chart saved as HTML (.NET notebooks plot with Plotly.NET or XPlot, which save <c>text/html</c>) or
    /// as Plotly's own JSON output, or an inline image or SVG inside HTML (ScottPlot's notebook output).
    /// </summary>
    public bool HasHtmlChart => Data.Keys.Any(mime => mime.StartsWith("application/vnd.plotly", StringComparison.OrdinalIgnoreCase))
        || (Data.TryGetValue("text/html", out var html)
            && (html.Contains("plotly", StringComparison.OrdinalIgnoreCase)
                || html.Contains("<svg", StringComparison.OrdinalIgnoreCase)
                || html.Contains("<img", StringComparison.OrdinalIgnoreCase)));

    /// <summary>A plot in any form the report counts.</summary>
    public bool HasPlot => HasImage || HasHtmlChart;
}

/// <summary>One cell. <see cref="Number"/> is 1-based over all cells (markdown included), as Jupyter and VS Code count them.</summary>
/// <param name="Language">
/// The cell's kernel in .NET Interactive's names: <c>csharp</c>, <c>fsharp</c>, <c>pwsh</c>, <c>javascript</c>, <c>html</c>,
/// <c>sql</c>, <c>kql</c>, <c>mermaid</c>, <c>value</c>, <c>http</c>, <c>python</c>, ...; <c>markdown</c> and <c>raw</c> for those cells.
/// </param>
public sealed record NotebookCell(
    int Number,
    NotebookCellKind Kind,
    string Language,
    string Source,
    int? ExecutionCount,
    IReadOnlyList<NotebookOutput> Outputs)
{
    public bool IsBlank => string.IsNullOrWhiteSpace(Source);
}

/// <summary>Thrown for a notebook file that is not a readable nbformat 4 notebook; the message names file and field.</summary>
public sealed class NotebookFormatException : Exception
{
    public NotebookFormatException(string fileName, string? field, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FileName = fileName;
        Field = field;
    }

    public string FileName { get; }

    /// <summary>The JSON field at fault, e.g. <c>cells[3].source</c>, when there is one.</summary>
    public string? Field { get; }
}

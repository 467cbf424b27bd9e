using System.Globalization;

namespace Grader.Submissions.Sources;

public enum CodeUnitKind
{
    /// <summary>A <c>.cs</c> file: an ordinary compilation unit.</summary>
    SourceFile,

    /// <summary>A <c>.csx</c> file: script code (top-level statements and declarations mixed).</summary>
    Script,

    /// <summary>The C# cells of one notebook, in order; script code like a <c>.csx</c>.</summary>
    Notebook,
}

/// <summary>Where a line of generated code came from: a file line, or a line within a notebook cell.</summary>
/// <param name="Cell">The notebook cell (1-based over all cells, as Jupyter counts); null for .cs/.csx files.</param>
/// <param name="Line">1-based line within the file, or within the cell.</param>
public readonly record struct SourceOrigin(string File, int? Cell, int Line)
{
    public override string ToString() => Cell is { } cell
        ? string.Create(CultureInfo.InvariantCulture, $"{File}, cell {cell}, line {Line}")
        : string.Create(CultureInfo.InvariantCulture, $"{File}, line {Line}");
}

/// <summary>A run of generated lines that come, one for one, from consecutive lines of one file or cell.</summary>
/// <param name="FirstLine">First generated line (1-based) of the run.</param>
/// <param name="FirstSourceLine">The line in the file or cell that <paramref name="FirstLine"/> came from.</param>
public sealed record CodeSegment(int FirstLine, int LineCount, string File, int? Cell, int FirstSourceLine)
{
    public int LastLine => FirstLine + LineCount - 1;
}

/// <summary>
/// One piece of C# the compiler gets, with a map from each of its lines back to the student's file or notebook cell.
/// Lines the grader removed (<c>#r</c>, magics, other-language lines) are blanked, never deleted, so the map stays exact.
/// </summary>
public sealed class CSharpCodeUnit
{
    internal CSharpCodeUnit(string path, CodeUnitKind kind, string text, int lineCount, IReadOnlyList<CodeSegment> segments)
    {
        Path = path;
        Kind = kind;
        Text = text;
        LineCount = lineCount;
        Segments = segments;
    }

    /// <summary>The file it came from, relative to the submission folder ('/'-separated).</summary>
    public string Path { get; }

    public CodeUnitKind Kind { get; }

    /// <summary>The code, lines separated by '\n'.</summary>
    public string Text { get; }

    public int LineCount { get; }

    /// <summary>For a notebook, one segment per C# cell in order; for a file, one for the whole file.</summary>
    public IReadOnlyList<CodeSegment> Segments { get; }

    /// <summary>Maps a 1-based line of <see cref="Text"/> (as a compiler diagnostic reports it) back to its origin.</summary>
    public SourceOrigin MapLine(int generatedLine)
    {
        var low = 0;
        var high = Segments.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var segment = Segments[middle];
            if (generatedLine < segment.FirstLine)
            {
                high = middle - 1;
            }
            else if (generatedLine > segment.LastLine)
            {
                low = middle + 1;
            }
            else
            {
                return new SourceOrigin(segment.File, segment.Cell, segment.FirstSourceLine + (generatedLine - segment.FirstLine));
            }
        }
        throw new ArgumentOutOfRangeException(nameof(generatedLine), generatedLine,
            string.Create(CultureInfo.InvariantCulture, $"{Path} has generated lines 1 to {LineCount}."));
    }
}

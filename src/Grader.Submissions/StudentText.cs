using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Grader.Submissions;

/// <summary>
/// The one place where text a student controls (exception types, messages and stacks from the sandbox, type names,
/// file names) is made fit for a report: capped, one line, and with every character that could hide or reorder what
/// the reader sees (control characters and terminal escapes, bidi overrides and isolates, zero-width and other
/// invisible format characters) shown escaped as <c>\uXXXX</c>. libtorch's C++ stack is cut from messages.
/// </summary>
public static partial class StudentText
{
    /// <summary>Enough for any real exception message; more only buries the report (a 1 MB message was seen).</summary>
    public const int MaxShownChars = 300;

    /// <summary>Longer limit for multi-line text kept for staff (a stack trace).</summary>
    public const int MaxShownStackChars = 4000;

    /// <summary>
    /// <paramref name="text"/> as one report-safe line: the native stack cut, line breaks and tabs turned into
    /// spaces, hidden characters escaped, at most <paramref name="maxChars"/> characters of output plus "…".
    /// </summary>
    public static string Show(string? text, int maxChars = MaxShownChars)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        return Escape(WithoutNativeStack(text), maxChars, Breaks.AsSpace).Trim();
    }

    /// <summary>Like <see cref="Show"/>, keeping line breaks (for stack traces shown to staff).</summary>
    public static string ShowLines(string? text, int maxChars = MaxShownStackChars)
        => string.IsNullOrEmpty(text) ? "" : Escape(WithoutNativeStack(text), maxChars, Breaks.Kept).TrimEnd();

    /// <summary>
    /// The student's printed output as a report keeps it: lines and tabs kept, terminal escapes and other hidden
    /// characters escaped, a lone carriage return (which overwrites a line on a terminal) made a line break. The log
    /// is capped where it is read; nothing is cut here.
    /// </summary>
    public static string ShowLog(string? log) => string.IsNullOrEmpty(log) ? "" : Escape(log, int.MaxValue, Breaks.Kept);

    /// <summary>A name (file, type) as written, every hidden character escaped, line breaks and tabs included.</summary>
    public static string ShowName(string? name, int maxChars = MaxShownChars)
        => string.IsNullOrEmpty(name) ? "" : Escape(name, maxChars, Breaks.Escaped);

    /// <summary>
    /// Whether <paramref name="c"/> is shown escaped: control characters (terminal escapes among them), format
    /// characters (bidi overrides U+202A–U+202E and isolates U+2066–U+2069, LRM/RLM, zero-width U+200B–U+200D, word
    /// joiner U+2060, BOM U+FEFF, …), line and paragraph separators, and surrogates (checked in pairs by the caller).
    /// </summary>
    public static bool IsHidden(char c)
        => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>The code point of the first hidden character of <paramref name="text"/> (an unpaired surrogate counts), or null.</summary>
    public static int? FirstHidden(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var rune = new Rune(c, text[++i]);
                if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
                {
                    return rune.Value;
                }

                continue;
            }

            if (IsHidden(c) || char.IsSurrogate(c))
            {
                return c;
            }
        }

        return null;
    }

    /// <summary>The message with libtorch's appended C++ stack ("Exception raised from … frame #0: …") removed.</summary>
    public static string WithoutNativeStack(string text)
    {
        int cut = text.IndexOf("Exception raised from", StringComparison.Ordinal);
        var frame = NativeFrame().Match(text);
        if (frame.Success && (cut < 0 || frame.Index < cut))
        {
            cut = frame.Index;
        }

        return cut > 0 ? text[..cut].TrimEnd() : cut == 0 ? "(libtorch's native stack only)" : text;
    }

    private enum Breaks
    {
        AsSpace,
        Kept,
        Escaped,
    }

    private static string Escape(string text, int maxChars, Breaks breaks)
    {
        var shown = new StringBuilder(Math.Min(text.Length, maxChars) + 8);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            string piece;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                // Tag characters (U+E0000–U+E007F) are invisible format characters outside the BMP.
                int code = char.ConvertToUtf32(c, text[i + 1]);
                piece = Rune.GetUnicodeCategory(new Rune(code)) == UnicodeCategory.Format
                    ? string.Create(CultureInfo.InvariantCulture, $"\\U{code:X8}")
                    : text.Substring(i, 2);
                i++;
            }
            else if (c == '\0')
            {
                piece = "\\0";
            }
            else if (breaks != Breaks.Escaped && (c == '\n' || c == '\r' || c == '\t'))
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    continue;
                }

                piece = breaks != Breaks.Kept ? " " : c == '\t' ? "\t" : "\n";
            }
            else if (IsHidden(c) || char.IsSurrogate(c))
            {
                piece = string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                piece = c.ToString();
            }

            if ((long)shown.Length + piece.Length > maxChars)
            {
                return shown.Append('…').ToString();
            }

            shown.Append(piece);
        }

        return shown.ToString();
    }

    [GeneratedRegex(@"(?m)^\s*frame #\d+:")]
    private static partial Regex NativeFrame();
}

using System.Globalization;
using System.Text;

namespace Grader.Submissions.Intake;

/// <summary>
/// Turns an archive entry's raw name into a safe relative path (segments joined by '/'), or refuses it with the
/// reason. Backslashes count as separators (old Windows zip tools write them), so <c>..\..\x</c> is caught too.
/// </summary>
internal static class EntryName
{
    /// <summary>Most bytes in one path segment on common file systems.</summary>
    private const int MaxSegmentUtf8Bytes = 255;

    private const int MaxShownLength = 120;

    /// <summary>The normalized relative path, or null when the name denotes the archive root itself (e.g. "./").</summary>
    public static string? Normalize(string rawName, string submissionName, IntakeLimits limits)
    {
        var shown = Show(rawName);
        SubmissionRefusedException Refuse(RefusalReason reason, string why) =>
            new(reason, submissionName, $"{submissionName}: entry '{shown}' {why}");

        if (rawName.Contains('\0', StringComparison.Ordinal))
        {
            throw Refuse(RefusalReason.UnsafeName, "has a NUL byte in its name");
        }
        var control = rawName.FirstOrDefault(char.IsControl);
        if (control != default)
        {
            throw Refuse(RefusalReason.UnsafeName,
                string.Create(CultureInfo.InvariantCulture, $"has a control character (U+{(int)control:X4}) in its name"));
        }
        if (StudentText.FirstHidden(rawName) is { } hidden)
        {
            // "README\u202Etxt.cs" reads as "READMEsc.txt"; "MultilayerPerceptron\u200B.cs" looks like a second copy.
            throw Refuse(RefusalReason.UnsafeName, string.Create(CultureInfo.InvariantCulture,
                $"has an invisible or text-direction character (U+{hidden:X4}) in its name; rename the file"));
        }
        var name = rawName.Replace('\\', '/');
        if (name.StartsWith('/'))
        {
            throw Refuse(RefusalReason.PathEscapesFolder, "is an absolute path, which escapes the submission folder");
        }
        if (name.Length >= 2 && char.IsAsciiLetter(name[0]) && name[1] == ':')
        {
            throw Refuse(RefusalReason.PathEscapesFolder, "starts with a drive letter, which escapes the submission folder");
        }
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw Refuse(RefusalReason.UnsafeName, "has a ':' in its name");
        }

        var segments = new List<string>();
        var depth = 0;
        var hasParentSegment = false;
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                hasParentSegment = true;
                if (--depth < 0)
                {
                    throw Refuse(RefusalReason.PathEscapesFolder, "escapes the submission folder");
                }
                continue;
            }
            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentUtf8Bytes)
            {
                throw Refuse(RefusalReason.PathTooLong,
                    string.Create(CultureInfo.InvariantCulture, $"has a name part longer than {MaxSegmentUtf8Bytes} bytes"));
            }
            depth++;
            segments.Add(segment);
        }
        if (hasParentSegment)
        {
            // Stays inside, but a name that walks up is never needed and only serves to confuse.
            throw Refuse(RefusalReason.UnsafeName, "has a '..' part in its path");
        }
        if (segments.Count == 0)
        {
            return null;
        }
        var normalized = string.Join('/', segments);
        if (normalized.Length > limits.MaxPathLength)
        {
            throw Refuse(RefusalReason.PathTooLong,
                string.Create(CultureInfo.InvariantCulture, $"has a path of {normalized.Length} characters; the limit is {limits.MaxPathLength}"));
        }
        if (segments.Count > limits.MaxDepth)
        {
            throw Refuse(RefusalReason.PathTooDeep,
                string.Create(CultureInfo.InvariantCulture, $"is {segments.Count} folders deep; the limit is {limits.MaxDepth}"));
        }
        return normalized;
    }

    /// <summary>A name made safe to print in a report: hidden characters escaped, long names shortened.</summary>
    public static string Show(string rawName) => StudentText.ShowName(rawName, MaxShownLength);
}

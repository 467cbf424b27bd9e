namespace Grader.Submissions.Intake;

/// <summary>
/// Links in archives and folders. None is ever created on disk: a link pointing outside the submission is refused,
/// one pointing inside is left out with a note (a graded submission holds regular files only).
/// </summary>
internal sealed class LinkEntries(string submissionName, IntakeLimits limits)
{
    private readonly List<string> _skipped = [];

    /// <summary>Refuses the link if it escapes; otherwise remembers it for the note.</summary>
    /// <param name="relativeToLinkFolder">Symbolic links resolve from their own folder; tar hard links from the archive root.</param>
    public void Check(string rawName, string target, bool isHardLink, bool relativeToLinkFolder)
    {
        var path = EntryName.Normalize(rawName, submissionName, limits) ?? rawName;
        var kind = isHardLink ? "a hard link" : "a symbolic link";
        if (!StaysInside(path, target, relativeToLinkFolder))
        {
            throw new SubmissionRefusedException(RefusalReason.LinkEntry, submissionName,
                $"{submissionName}: entry '{EntryName.Show(path)}' is {kind} to '{EntryName.Show(target)}', outside the submission folder");
        }
        _skipped.Add($"{EntryName.Show(path)} -> {EntryName.Show(target)}");
    }

    public IntakeNote? Note => _skipped.Count == 0
        ? null
        : new IntakeNote(NoteSeverity.Warning,
            $"{_skipped.Count} link(s) were left out; a submission must hold regular files, not links: {string.Join(", ", _skipped.Take(5))}{(_skipped.Count > 5 ? ", ..." : "")}");

    private static bool StaysInside(string linkPath, string target, bool relativeToLinkFolder)
    {
        var normalized = target.Replace('\\', '/');
        if (normalized.Length == 0 || normalized.StartsWith('/') || normalized.Contains('\0', StringComparison.Ordinal)
            || (normalized.Length >= 2 && char.IsAsciiLetter(normalized[0]) && normalized[1] == ':'))
        {
            return false;
        }
        var folder = new Stack<string>();
        if (relativeToLinkFolder)
        {
            foreach (var segment in linkPath.Split('/')[..^1])
            {
                folder.Push(segment);
            }
        }
        foreach (var segment in normalized.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (!folder.TryPop(out _))
                {
                    return false;
                }
                continue;
            }
            folder.Push(segment);
        }
        return true;
    }
}

namespace Grader.Submissions.Intake;

/// <summary>Unpacks a tar stream (already decompressed and guarded) into a <see cref="StagingArea"/>.</summary>
internal static class TarExtraction
{
    /// <returns>The pax global comment (the commit id of a <c>git archive</c> / GitHub tarball), if any.</returns>
    public static string? Extract(Stream tar, StagingArea staging, LinkEntries links, List<IntakeNote> notes, string submissionName)
    {
        var reader = new TarArchiveReader(tar, submissionName);
        while (reader.ReadNext() is { } item)
        {
            switch (item.Kind)
            {
                case TarItemKind.Folder:
                    staging.AddFolder(item.Name);
                    break;
                case TarItemKind.File:
                    if (!staging.IsSkippedClutter(item.Name))
                    {
                        staging.AddFile(item.Name, reader.OpenData(), compressedSize: null);
                    }
                    break;
                case TarItemKind.SymbolicLink:
                    links.Check(item.Name, item.LinkTarget, isHardLink: false, relativeToLinkFolder: true);
                    break;
                case TarItemKind.HardLink:
                    links.Check(item.Name, item.LinkTarget, isHardLink: true, relativeToLinkFolder: false);
                    break;
                case TarItemKind.CharacterDevice or TarItemKind.BlockDevice or TarItemKind.Fifo:
                    var what = item.Kind == TarItemKind.Fifo ? "a FIFO (named pipe)" : "a device file";
                    throw new SubmissionRefusedException(RefusalReason.SpecialFileEntry, submissionName,
                        $"{submissionName}: entry '{EntryName.Show(item.Name)}' is {what}; only files and folders are accepted");
                default:
                    throw new InvalidOperationException($"Unhandled tar entry kind {item.Kind}.");
            }
        }
        if (reader.EndedWithoutEndMarker)
        {
            notes.Add(new IntakeNote(NoteSeverity.Warning,
                "the tar archive has no end-of-archive marker; it may have been cut short"));
        }
        return reader.GlobalComment;
    }
}

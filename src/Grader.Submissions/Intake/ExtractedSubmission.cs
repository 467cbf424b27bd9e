namespace Grader.Submissions.Intake;

/// <summary>A submission unpacked into its own folder, with its manifest.</summary>
public sealed class ExtractedSubmission(string folder, SubmissionManifest manifest)
{
    /// <summary>Absolute path of the folder holding the submission's files.</summary>
    public string Folder { get; } = folder;

    public SubmissionManifest Manifest { get; } = manifest;

    public string FullPathOf(ManifestFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Path.Combine(Folder, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));
    }

    /// <summary>Makes every file and folder read-only, before the folder is handed to the sandbox.</summary>
    public void MakeReadOnly() => SetWritable(writable: false);

    /// <summary>Deletes the folder (making it writable first if needed).</summary>
    public void Delete()
    {
        if (Directory.Exists(Folder))
        {
            SetWritable(writable: true);
            Directory.Delete(Folder, recursive: true);
        }
    }

    private void SetWritable(bool writable)
    {
        var root = new DirectoryInfo(Folder);
        var folders = root.EnumerateDirectories("*", SearchOption.AllDirectories).Prepend(root).ToList();
        if (OperatingSystem.IsWindows())
        {
            foreach (var file in root.EnumerateFiles("*", SearchOption.AllDirectories))
            {
                file.IsReadOnly = !writable;
            }
            return;
        }
        const UnixFileMode readAll = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode enterAll = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        if (writable)
        {
            // Folders first, so their files can be reached and changed.
            foreach (var folder in folders)
            {
                folder.UnixFileMode = readAll | enterAll | UnixFileMode.UserWrite;
            }
        }
        foreach (var file in root.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            file.UnixFileMode = writable ? readAll | UnixFileMode.UserWrite : readAll;
        }
        if (!writable)
        {
            // Deepest first, so no folder is locked before its contents are done.
            foreach (var folder in folders.OrderByDescending(folder => folder.FullName.Length))
            {
                folder.UnixFileMode = readAll | enterAll;
            }
        }
    }
}

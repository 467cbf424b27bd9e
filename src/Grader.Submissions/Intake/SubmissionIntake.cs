using System.Globalization;
using System.IO.Compression;
using Grader.Submissions.Storage;

namespace Grader.Submissions.Intake;

/// <summary>How a particular submission is taken in.</summary>
public sealed record IntakeOptions
{
    public static IntakeOptions Default { get; } = new();

    /// <summary>The homework number the upload is for, to check the <c>netid_hwN.zip</c> name against.</summary>
    public int? ExpectedHomework { get; init; }

    /// <summary>Check the syllabus file name; off for repositories pulled from GitHub Classroom.</summary>
    public bool CheckSyllabusNaming { get; init; } = true;
}

/// <summary>
/// Turns what a student handed in (a zip, a tarball, a folder, a notebook, a .csx or .cs file) into a folder of
/// plain files with a manifest. Everything is checked while it is read; a refusal throws
/// <see cref="SubmissionRefusedException"/> and leaves nothing on disk.
/// </summary>
public sealed class SubmissionIntake
{
    private const int SniffLength = 512;

    public SubmissionIntake(IntakeLimits? limits = null)
    {
        Limits = limits ?? IntakeLimits.Default;
        Limits.Validate();
    }

    public IntakeLimits Limits { get; }

    /// <summary>Extracts a blob from the content-addressed store (the normal path: store first, then extract).</summary>
    /// <param name="originalFileName">The name the student uploaded it under; decides nothing about safety, only the report and single-file names.</param>
    /// <param name="destinationFolder">A folder that must not exist yet.</param>
    public ExtractedSubmission Extract(SubmissionStore store, ContentHash hash, string originalFileName, string destinationFolder, IntakeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var content = store.Open(hash);
        return ExtractSeekable(content, originalFileName, destinationFolder, options ?? IntakeOptions.Default, hash);
    }

    /// <summary>Extracts a file (any of the accepted forms) or copies a folder.</summary>
    public ExtractedSubmission ExtractPath(string fileOrFolder, string destinationFolder, IntakeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileOrFolder);
        options ??= IntakeOptions.Default;
        var fullPath = Path.GetFullPath(fileOrFolder);
        if (Directory.Exists(fullPath))
        {
            return ExtractFolder(fullPath, destinationFolder, options);
        }
        using var content = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
        var hash = ContentHash.Compute(content);
        content.Position = 0;
        return ExtractSeekable(content, Path.GetFileName(fullPath), destinationFolder, options, hash);
    }

    /// <summary>
    /// Extracts from a stream. A stream that cannot seek (an upload body) is read forward only; a zip among those is
    /// first spooled to a temporary file next to the destination, within <see cref="IntakeLimits.MaxTotalBytes"/>,
    /// because reading a zip needs its central directory at the end.
    /// </summary>
    public ExtractedSubmission Extract(Stream content, string originalFileName, string destinationFolder, IntakeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        options ??= IntakeOptions.Default;
        if (content.CanSeek)
        {
            return ExtractSeekable(content, originalFileName, destinationFolder, options, contentHash: null);
        }
        var head = new byte[SniffLength];
        var headLength = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var whole = new PrefixedStream(head.AsMemory(0, headLength), content);
        if (!IsZip(head.AsSpan(0, headLength)))
        {
            return ExtractCore(whole, head.AsSpan(0, headLength), originalFileName, destinationFolder, options, contentHash: null);
        }
        var spoolFolder = Path.GetDirectoryName(Path.GetFullPath(destinationFolder))!;
        Directory.CreateDirectory(spoolFolder);
        var spoolPath = Path.Combine(spoolFolder, $".upload-{Guid.NewGuid():N}.part");
        try
        {
            using var spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose);
            var buffer = new byte[81920];
            long total = 0;
            int read;
            while ((read = whole.Read(buffer)) > 0)
            {
                total += read;
                if (total > Limits.MaxTotalBytes)
                {
                    var shown = EntryName.Show(originalFileName);
                    throw new SubmissionRefusedException(RefusalReason.SubmissionTooLarge, shown,
                        $"{shown}: the upload is larger than the {ByteSize.Format(Limits.MaxTotalBytes)} limit");
                }
                spool.Write(buffer, 0, read);
            }
            spool.Position = 0;
            return ExtractSeekable(spool, originalFileName, destinationFolder, options, contentHash: null);
        }
        finally
        {
            File.Delete(spoolPath);
        }
    }

    private ExtractedSubmission ExtractSeekable(Stream content, string originalFileName, string destinationFolder, IntakeOptions options, ContentHash? contentHash)
    {
        var start = content.Position;
        var head = new byte[SniffLength];
        var headLength = content.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        content.Position = start;
        return ExtractCore(content, head.AsSpan(0, headLength), originalFileName, destinationFolder, options, contentHash);
    }

    /// <param name="content">Positioned at the start; seekable whenever <paramref name="head"/> shows a zip.</param>
    private ExtractedSubmission ExtractCore(Stream content, ReadOnlySpan<byte> head, string originalFileName, string destinationFolder, IntakeOptions options, ContentHash? contentHash)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(originalFileName);
        var leafName = originalFileName.Replace('\\', '/').Split('/')[^1];
        var submissionName = EntryName.Show(leafName);
        var naming = options.CheckSyllabusNaming ? SubmissionNaming.Check(originalFileName, options.ExpectedHomework) : SubmissionNaming.NotChecked;
        var form = DetectForm(head, submissionName);

        var notes = new List<IntakeNote>();
        if (naming.Warning is { } warning)
        {
            notes.Add(new IntakeNote(NoteSeverity.Warning, warning));
        }
        var links = new LinkEntries(submissionName, Limits);
        using var staging = new StagingArea(destinationFolder, submissionName, Limits);
        string? archiveComment = null;
        try
        {
            switch (form)
            {
                case SubmissionForm.ZipArchive:
                    archiveComment = ZipExtraction.Extract(content, staging, links, submissionName, Limits);
                    break;
                case SubmissionForm.TarGzArchive:
                    {
                        var compressed = new CountingStream(content);
                        using var gzip = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
                        var guarded = new ExpansionGuardStream(gzip, () => compressed.BytesRead, TarByteBudget(), Limits, submissionName);
                        archiveComment = TarExtraction.Extract(guarded, staging, links, notes, submissionName);
                        break;
                    }
                case SubmissionForm.TarArchive:
                    {
                        var raw = new CountingStream(content);
                        // Uncompressed: the ratio is 1, only the byte budget can trip.
                        var guarded = new ExpansionGuardStream(raw, () => raw.BytesRead, TarByteBudget(), Limits, submissionName);
                        archiveComment = TarExtraction.Extract(guarded, staging, links, notes, submissionName);
                        break;
                    }
                default:
                    staging.AddFile(leafName, content, compressedSize: null);
                    break;
            }
        }
        catch (InvalidDataException exception)
        {
            throw new SubmissionRefusedException(RefusalReason.MalformedArchive, submissionName,
                $"{submissionName}: the archive is damaged or truncated ({exception.Message})", exception);
        }
        catch (EndOfStreamException exception)
        {
            throw new SubmissionRefusedException(RefusalReason.MalformedArchive, submissionName,
                $"{submissionName}: the archive ends unexpectedly (truncated upload?)", exception);
        }

        var isArchive = form is SubmissionForm.ZipArchive or SubmissionForm.TarGzArchive or SubmissionForm.TarArchive;
        var (files, strippedTopFolder) = staging.Commit(stripSingleTopFolder: isArchive);
        AddSkipNotes(notes, staging, links);
        var manifest = new SubmissionManifest
        {
            OriginalFileName = submissionName,
            Form = form,
            ContentHash = contentHash?.Hex,
            StrippedTopFolder = strippedTopFolder,
            GitCommit = IsCommitId(archiveComment) ? archiveComment!.ToLowerInvariant() : null,
            Naming = naming,
            Files = files,
            Notes = notes,
        };
        return new ExtractedSubmission(Path.GetFullPath(destinationFolder), manifest);
    }

    private ExtractedSubmission ExtractFolder(string sourceFolder, string destinationFolder, IntakeOptions options)
    {
        var submissionName = EntryName.Show(Path.GetFileName(sourceFolder.TrimEnd(Path.DirectorySeparatorChar)));
        var naming = options.CheckSyllabusNaming ? SubmissionNaming.Check(submissionName, options.ExpectedHomework) : SubmissionNaming.NotChecked;
        var notes = new List<IntakeNote>();
        if (naming.Warning is { } warning)
        {
            notes.Add(new IntakeNote(NoteSeverity.Warning, warning));
        }
        var links = new LinkEntries(submissionName, Limits);
        using var staging = new StagingArea(destinationFolder, submissionName, Limits);
        var skippedGitFolder = CopyFolder(new DirectoryInfo(sourceFolder), "", staging, links);
        var (files, _) = staging.Commit(stripSingleTopFolder: false);
        if (skippedGitFolder)
        {
            notes.Add(new IntakeNote(NoteSeverity.Info, "the .git folder (repository history) was left out"));
        }
        AddSkipNotes(notes, staging, links);
        var manifest = new SubmissionManifest
        {
            OriginalFileName = submissionName,
            Form = SubmissionForm.Folder,
            Naming = naming,
            Files = files,
            Notes = notes,
        };
        return new ExtractedSubmission(Path.GetFullPath(destinationFolder), manifest);
    }

    /// <returns>Whether a .git folder was left out.</returns>
    private static bool CopyFolder(DirectoryInfo folder, string relativePrefix, StagingArea staging, LinkEntries links)
    {
        var skippedGit = false;
        foreach (var entry in folder.EnumerateFileSystemInfos().OrderBy(entry => entry.Name, StringComparer.Ordinal))
        {
            var relativePath = relativePrefix + entry.Name;
            if (entry.LinkTarget is { } target)
            {
                links.Check(relativePath, target, isHardLink: false, relativeToLinkFolder: true);
                continue;
            }
            if (entry is DirectoryInfo subfolder)
            {
                if (entry.Name == ".git")
                {
                    skippedGit = true;
                    continue;
                }
                staging.AddFolder(relativePath);
                skippedGit |= CopyFolder(subfolder, relativePath + "/", staging, links);
                continue;
            }
            if (staging.IsSkippedClutter(relativePath))
            {
                continue;
            }
            // Pipes and device nodes report length 0 and opening one could block forever: an empty file is never opened.
            if (((FileInfo)entry).Length == 0)
            {
                staging.AddFile(relativePath, Stream.Null, compressedSize: null);
                continue;
            }
            using var content = new FileStream(entry.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
            staging.AddFile(relativePath, content, compressedSize: null);
        }
        return skippedGit;
    }

    private static void AddSkipNotes(List<IntakeNote> notes, StagingArea staging, LinkEntries links)
    {
        if (staging.SkippedClutterCount > 0)
        {
            notes.Add(new IntakeNote(NoteSeverity.Info, string.Create(CultureInfo.InvariantCulture,
                $"{staging.SkippedClutterCount} operating-system metadata entries (__MACOSX, .DS_Store) were left out")));
        }
        if (links.Note is { } linkNote)
        {
            notes.Add(linkNote);
        }
    }

    /// <summary>What a tar stream may expand to: the files, plus headers and padding for as many entries as allowed.</summary>
    private long TarByteBudget() => Limits.MaxTotalBytes + ((long)Limits.MaxFiles + Limits.MaxFolders) * 4096 + (16L * 1024 * 1024);

    /// <summary>Decides the form from the bytes; the file name only picks among plain-text forms.</summary>
    private static SubmissionForm DetectForm(ReadOnlySpan<byte> head, string submissionName)
    {
        if (IsZip(head))
        {
            return SubmissionForm.ZipArchive;
        }
        if (head.StartsWith([(byte)0x1f, (byte)0x8b]))
        {
            return SubmissionForm.TarGzArchive;
        }
        if (head.Length >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8))
        {
            return SubmissionForm.TarArchive;
        }
        var lowerName = submissionName.ToLowerInvariant();
        if (lowerName.EndsWith(".ipynb", StringComparison.Ordinal))
        {
            return SubmissionForm.Notebook;
        }
        if (lowerName.EndsWith(".csx", StringComparison.Ordinal))
        {
            return SubmissionForm.CSharpScript;
        }
        if (lowerName.EndsWith(".cs", StringComparison.Ordinal))
        {
            return SubmissionForm.CSharpSource;
        }
        string[] archiveSuffixes = [".zip", ".tar", ".tgz", ".tar.gz", ".gz"];
        if (archiveSuffixes.Any(suffix => lowerName.EndsWith(suffix, StringComparison.Ordinal)))
        {
            throw new SubmissionRefusedException(RefusalReason.MalformedArchive, submissionName, head.IsEmpty
                ? $"{submissionName}: the file is empty"
                : $"{submissionName}: is named like an archive but its contents are not a zip or tar archive (damaged upload?)");
        }
        throw new SubmissionRefusedException(RefusalReason.UnsupportedFormat, submissionName,
            $"{submissionName}: is not a form the grader accepts; submit netid_hwN.zip (notebook and data files), a .ipynb notebook, .csx or .cs files");
    }

    private static bool IsZip(ReadOnlySpan<byte> head) => head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8);

    private static bool IsCommitId(string? comment) =>
        comment is { Length: 40 or 64 } && comment.All(char.IsAsciiHexDigit);
}

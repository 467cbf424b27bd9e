using System.Globalization;
using System.Security.Cryptography;

namespace Grader.Submissions.Intake;

/// <summary>
/// Where an archive is unpacked before it becomes the submission folder. Checks every entry's name, counts files,
/// folders and bytes as they are written, and moves the whole folder into place only when everything passed;
/// disposing an uncommitted area deletes it, so a refusal leaves nothing behind.
/// </summary>
internal sealed class StagingArea : IDisposable
{
    private readonly string _destination;
    private readonly string _root;
    private readonly string _submissionName;
    private readonly IntakeLimits _limits;
    private readonly Dictionary<string, Claim> _claims = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ManifestFile> _files = [];
    private readonly byte[] _buffer = new byte[81920];
    private int _folderCount;
    private bool _committed;

    public StagingArea(string destinationFolder, string submissionName, IntakeLimits limits)
    {
        _destination = Path.GetFullPath(destinationFolder);
        if (Directory.Exists(_destination) || File.Exists(_destination))
        {
            throw new IOException($"The destination folder '{_destination}' already exists; intake needs a fresh folder.");
        }
        var parent = Path.GetDirectoryName(_destination)
            ?? throw new ArgumentException($"'{destinationFolder}' has no parent folder.", nameof(destinationFolder));
        Directory.CreateDirectory(parent);
        // A sibling of the destination: the final move is then a rename on one file system.
        _root = Path.Combine(parent, $".{Path.GetFileName(_destination)}.staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        _submissionName = submissionName;
        _limits = limits;
    }

    public int SkippedClutterCount { get; private set; }

    public long TotalBytes { get; private set; }

    /// <summary>Registers a folder entry (folders are also created implicitly by files).</summary>
    public void AddFolder(string rawName)
    {
        var path = EntryName.Normalize(rawName, _submissionName, _limits);
        if (path is null)
        {
            return;
        }
        if (IsClutter(path))
        {
            SkippedClutterCount++;
            return;
        }
        ClaimWithAncestors(path, rawName, isFolder: true);
        Directory.CreateDirectory(FullPathOf(path));
    }

    /// <summary>True when the entry is operating-system clutter (__MACOSX, .DS_Store) the intake leaves out.</summary>
    public bool IsSkippedClutter(string rawName)
    {
        var path = EntryName.Normalize(rawName, _submissionName, _limits);
        if (path is not null && IsClutter(path))
        {
            SkippedClutterCount++;
            return true;
        }
        return false;
    }

    /// <summary>
    /// Writes a file entry, counting the bytes actually read from <paramref name="content"/> against the limits.
    /// </summary>
    /// <param name="compressedSize">The entry's compressed size when the format has one per entry (zip), for the ratio check.</param>
    public void AddFile(string rawName, Stream content, long? compressedSize)
    {
        var path = EntryName.Normalize(rawName, _submissionName, _limits)
            ?? throw Refuse(RefusalReason.UnsafeName, $"entry '{EntryName.Show(rawName)}' is a file without a name");
        if (IsClutter(path))
        {
            SkippedClutterCount++;
            return;
        }
        if (_files.Count >= _limits.MaxFiles)
        {
            throw Refuse(RefusalReason.TooManyFiles,
                string.Create(CultureInfo.InvariantCulture, $"has more than {_limits.MaxFiles} files"));
        }
        ClaimWithAncestors(path, rawName, isFolder: false);

        var fullPath = FullPathOf(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long size = 0;
        using (var output = new FileStream(fullPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            int read;
            while ((read = content.Read(_buffer)) > 0)
            {
                size += read;
                TotalBytes += read;
                CheckSizes(path, size, compressedSize);
                sha.AppendData(_buffer, 0, read);
                output.Write(_buffer, 0, read);
            }
        }
        _files.Add(new ManifestFile(path, size, Convert.ToHexStringLower(sha.GetHashAndReset())));
    }

    /// <summary>
    /// Moves the unpacked files to the destination. With <paramref name="stripSingleTopFolder"/>, an archive whose
    /// entries all sit in one top folder (GitHub's <c>owner-repo-sha/</c>, or a zipped <c>netid_hw1/</c>) loses that level.
    /// </summary>
    public (IReadOnlyList<ManifestFile> Files, string? StrippedTopFolder) Commit(bool stripSingleTopFolder)
    {
        if (_files.Count == 0)
        {
            throw Refuse(RefusalReason.EmptySubmission, "contains no files");
        }
        string? topFolder = null;
        if (stripSingleTopFolder)
        {
            var topLevel = _claims.Values.Where(claim => !claim.Path.Contains('/', StringComparison.Ordinal)).ToList();
            if (topLevel is [{ IsFolder: true } onlyFolder])
            {
                topFolder = onlyFolder.Path;
            }
        }
        var source = topFolder is null ? _root : Path.Combine(_root, topFolder);
        Directory.Move(source, _destination);
        _committed = true;
        if (topFolder is not null)
        {
            Directory.Delete(_root, recursive: true);
        }
        var files = _files
            .Select(file => topFolder is null ? file : file with { RelativePath = file.RelativePath[(topFolder.Length + 1)..] })
            .OrderBy(file => file.RelativePath, StringComparer.Ordinal)
            .ToList();
        return (files, topFolder);
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static bool IsClutter(string path)
    {
        var segments = path.Split('/');
        return segments.Contains("__MACOSX", StringComparer.Ordinal)
            || segments[^1] is ".DS_Store" or "Thumbs.db" or "desktop.ini";
    }

    private void CheckSizes(string path, long size, long? compressedSize)
    {
        if (size > _limits.MaxFileBytes)
        {
            throw Refuse(RefusalReason.FileTooLarge,
                $"entry '{path}' is larger than the {ByteSize.Format(_limits.MaxFileBytes)} limit per file");
        }
        if (TotalBytes > _limits.MaxTotalBytes)
        {
            throw Refuse(RefusalReason.SubmissionTooLarge,
                $"the files add up to more than the {ByteSize.Format(_limits.MaxTotalBytes)} limit");
        }
        if (compressedSize is { } compressed && size > _limits.CompressionRatioGraceBytes
            && size > _limits.MaxCompressionRatio * Math.Max(1, compressed))
        {
            throw Refuse(RefusalReason.CompressionRatioTooHigh,
                $"entry '{path}' expands more than {_limits.MaxCompressionRatio:0.##} times its compressed size (a likely zip bomb)");
        }
    }

    private void ClaimWithAncestors(string path, string rawName, bool isFolder)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            ClaimOne(path[..slash], rawName, isFolder: true);
        }
        ClaimOne(path, rawName, isFolder);
    }

    private void ClaimOne(string path, string rawName, bool isFolder)
    {
        if (_claims.TryGetValue(path, out var existing))
        {
            if (!string.Equals(existing.Path, path, StringComparison.Ordinal))
            {
                throw Refuse(RefusalReason.DuplicateName,
                    $"entries '{EntryName.Show(existing.Path)}' and '{EntryName.Show(path)}' differ only in letter case");
            }
            if (existing.IsFolder && isFolder)
            {
                return;
            }
            throw Refuse(RefusalReason.DuplicateName, existing.IsFolder == isFolder
                ? $"entry '{EntryName.Show(rawName)}' appears twice"
                : $"'{EntryName.Show(path)}' is both a file and a folder");
        }
        if (isFolder && ++_folderCount > _limits.MaxFolders)
        {
            throw Refuse(RefusalReason.TooManyFiles,
                string.Create(CultureInfo.InvariantCulture, $"has more than {_limits.MaxFolders} folders"));
        }
        _claims[path] = new Claim(path, isFolder);
    }

    private string FullPathOf(string relativePath)
    {
        var fullPath = Path.GetFullPath(Path.Combine(_root, relativePath));
        // Defence in depth: EntryName already refused anything that could leave the staging folder.
        if (!fullPath.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw Refuse(RefusalReason.PathEscapesFolder, $"entry '{EntryName.Show(relativePath)}' escapes the submission folder");
        }
        return fullPath;
    }

    private SubmissionRefusedException Refuse(RefusalReason reason, string why) =>
        new(reason, _submissionName, $"{_submissionName}: {why}");

    private sealed record Claim(string Path, bool IsFolder);
}

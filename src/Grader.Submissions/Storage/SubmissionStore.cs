using System.Security.Cryptography;
using Grader.Submissions.Intake;

namespace Grader.Submissions.Storage;

/// <summary>
/// Content-addressed store of submission bytes: every blob lives at <c>&lt;root&gt;/&lt;aa&gt;/&lt;sha256&gt;</c>, where
/// <c>aa</c> is the first two hex digits. Blobs are written to a temporary file beside the store, then moved into place,
/// so a reader never sees a half-written blob and two writers of the same content both succeed with the same hash.
/// </summary>
public sealed class SubmissionStore
{
    /// <summary>Default size limit of one stored blob: 200 MiB, the same as the intake's total limit.</summary>
    public const long DefaultMaxBlobBytes = 200L * 1024 * 1024;

    private const string TemporaryFolderName = "incoming";

    public SubmissionStore(string rootFolder, long maxBlobBytes = DefaultMaxBlobBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootFolder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBlobBytes);
        RootFolder = Path.GetFullPath(rootFolder);
        MaxBlobBytes = maxBlobBytes;
        Directory.CreateDirectory(RootFolder);
    }

    public string RootFolder { get; }

    public long MaxBlobBytes { get; }

    /// <summary>
    /// Copies <paramref name="content"/> (from its current position) into the store and returns its hash.
    /// Storing the same bytes twice is harmless. Refuses, while streaming, content above <see cref="MaxBlobBytes"/>.
    /// </summary>
    /// <param name="displayName">How the refusal message names the upload, e.g. its original file name.</param>
    /// <exception cref="SubmissionRefusedException">The content is larger than <see cref="MaxBlobBytes"/>.</exception>
    public ContentHash Store(Stream content, string displayName = "upload")
    {
        ArgumentNullException.ThrowIfNull(content);
        var temporaryPath = CreateTemporaryPath();
        try
        {
            ContentHash hash;
            using (var output = CreateTemporaryFile(temporaryPath))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                long written = 0;
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    written += read;
                    if (written > MaxBlobBytes)
                    {
                        throw new SubmissionRefusedException(RefusalReason.SubmissionTooLarge, displayName,
                            $"{displayName}: the upload is larger than the {ByteSize.Format(MaxBlobBytes)} limit");
                    }
                    sha.AppendData(buffer, 0, read);
                    output.Write(buffer, 0, read);
                }
                output.Flush(flushToDisk: true);
                hash = ContentHash.FromDigest(sha.GetHashAndReset());
            }
            MoveIntoPlace(temporaryPath, hash);
            return hash;
        }
        finally
        {
            File.Delete(temporaryPath);
        }
    }

    /// <inheritdoc cref="Store(Stream, string)"/>
    public async Task<ContentHash> StoreAsync(Stream content, string displayName = "upload", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temporaryPath = CreateTemporaryPath();
        try
        {
            ContentHash hash;
            await using (var output = CreateTemporaryFile(temporaryPath))
            using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                long written = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    written += read;
                    if (written > MaxBlobBytes)
                    {
                        throw new SubmissionRefusedException(RefusalReason.SubmissionTooLarge, displayName,
                            $"{displayName}: the upload is larger than the {ByteSize.Format(MaxBlobBytes)} limit");
                    }
                    sha.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                output.Flush(flushToDisk: true);
                hash = ContentHash.FromDigest(sha.GetHashAndReset());
            }
            MoveIntoPlace(temporaryPath, hash);
            return hash;
        }
        finally
        {
            File.Delete(temporaryPath);
        }
    }

    public bool Exists(ContentHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return File.Exists(PathOf(hash));
    }

    /// <summary>Opens a stored blob for reading.</summary>
    /// <exception cref="FileNotFoundException">No blob with this hash is stored.</exception>
    public Stream Open(ContentHash hash)
    {
        var path = PathOf(hash);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"No submission with content hash {hash} is stored under {RootFolder}.", path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 81920);
    }

    /// <summary>Re-hashes a stored blob; false means the file on disk was altered or damaged.</summary>
    public bool Verify(ContentHash hash)
    {
        using var stream = Open(hash);
        return ContentHash.Compute(stream) == hash;
    }

    /// <summary>Where the blob with this hash lives (whether or not it is stored yet).</summary>
    public string PathOf(ContentHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        return Path.Combine(RootFolder, hash.Hex[..2], hash.Hex);
    }

    private string CreateTemporaryPath()
    {
        // Same file system as the blobs, so the final move is a rename.
        var folder = Path.Combine(RootFolder, TemporaryFolderName);
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{Guid.NewGuid():N}.part");
    }

    private static FileStream CreateTemporaryFile(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 81920);

    private void MoveIntoPlace(string temporaryPath, ContentHash hash)
    {
        var target = PathOf(hash);
        if (File.Exists(target))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporaryPath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        try
        {
            File.Move(temporaryPath, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another writer stored the same content first; its bytes equal ours.
        }
    }
}

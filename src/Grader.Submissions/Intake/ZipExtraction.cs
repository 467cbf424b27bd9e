using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Grader.Submissions.Intake;

/// <summary>Unpacks a zip into a <see cref="StagingArea"/>. Nested archives stay files; they are never expanded.</summary>
internal static class ZipExtraction
{
    private const int MaxLinkTargetBytes = 4096;

    // Unix file types in the high 16 bits of a zip entry's external attributes.
    private const int UnixTypeMask = 0xF000;
    private const int UnixFifo = 0x1000;
    private const int UnixCharacterDevice = 0x2000;
    private const int UnixFolder = 0x4000;
    private const int UnixBlockDevice = 0x6000;
    private const int UnixSymbolicLink = 0xA000;
    private const int UnixSocket = 0xC000;

    /// <returns>The archive comment (where <c>git archive</c> and GitHub zipballs put the commit id).</returns>
    public static string? Extract(Stream zip, StagingArea staging, LinkEntries links, string submissionName, IntakeLimits limits)
    {
        RefuseIfTooManyEntries(zip, submissionName, limits);
        zip.Position = 0;
        using var archive = new ZipArchive(zip, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in archive.Entries)
        {
            var name = entry.FullName;
            var unixType = (entry.ExternalAttributes >> 16) & UnixTypeMask;
            if (name.EndsWith('/') || name.EndsWith('\\') || (unixType == UnixFolder && entry.Length == 0))
            {
                staging.AddFolder(name);
                continue;
            }
            switch (unixType)
            {
                case UnixSymbolicLink:
                    links.Check(name, ReadLinkTarget(entry), isHardLink: false, relativeToLinkFolder: true);
                    continue;
                case UnixFifo or UnixCharacterDevice or UnixBlockDevice or UnixSocket:
                    throw new SubmissionRefusedException(RefusalReason.SpecialFileEntry, submissionName,
                        $"{submissionName}: entry '{EntryName.Show(name)}' is a device, pipe or socket; only files and folders are accepted");
                default:
                    break;
            }
            if (staging.IsSkippedClutter(name))
            {
                continue;
            }
            if (entry.IsEncrypted)
            {
                throw new SubmissionRefusedException(RefusalReason.EncryptedEntry, submissionName,
                    $"{submissionName}: entry '{EntryName.Show(name)}' is password-protected; submit an unencrypted zip");
            }
            using var data = entry.Open();
            staging.AddFile(name, data, entry.CompressedLength);
        }
        return string.IsNullOrWhiteSpace(archive.Comment) ? null : archive.Comment.Trim();
    }

    private static string ReadLinkTarget(ZipArchiveEntry entry)
    {
        using var data = entry.Open();
        var buffer = new byte[MaxLinkTargetBytes + 1];
        var length = data.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Encoding.UTF8.GetString(buffer, 0, Math.Min(length, MaxLinkTargetBytes));
    }

    /// <summary>
    /// Reads the entry count from the end-of-central-directory record before <see cref="ZipArchive"/> loads the
    /// whole directory into memory, so a zip listing a million tiny entries is refused cheaply.
    /// </summary>
    private static void RefuseIfTooManyEntries(Stream zip, string submissionName, IntakeLimits limits)
    {
        const uint endOfDirectorySignature = 0x06054b50;
        const uint zip64LocatorSignature = 0x07064b50;
        const uint zip64EndOfDirectorySignature = 0x06064b50;
        const int endOfDirectoryLength = 22;

        var tailLength = (int)Math.Min(zip.Length, endOfDirectoryLength + ushort.MaxValue + 20);
        var tail = new byte[tailLength];
        zip.Position = zip.Length - tailLength;
        zip.ReadExactly(tail);
        var recordAt = -1;
        for (var i = tailLength - endOfDirectoryLength; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == endOfDirectorySignature)
            {
                recordAt = i;
                break;
            }
        }
        if (recordAt < 0)
        {
            throw new SubmissionRefusedException(RefusalReason.MalformedArchive, submissionName,
                $"{submissionName}: is not a complete zip archive (its end-of-archive record is missing; was the upload cut short?)");
        }
        ulong entryCount = BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(recordAt + 10));
        if (entryCount == ushort.MaxValue && recordAt >= 20
            && BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(recordAt - 20)) == zip64LocatorSignature)
        {
            var zip64RecordOffset = BinaryPrimitives.ReadUInt64LittleEndian(tail.AsSpan(recordAt - 20 + 8));
            if (zip64RecordOffset <= (ulong)(zip.Length - 56))
            {
                var zip64Record = new byte[56];
                zip.Position = (long)zip64RecordOffset;
                zip.ReadExactly(zip64Record);
                if (BinaryPrimitives.ReadUInt32LittleEndian(zip64Record) == zip64EndOfDirectorySignature)
                {
                    entryCount = BinaryPrimitives.ReadUInt64LittleEndian(zip64Record.AsSpan(32));
                }
            }
        }
        var allowed = (ulong)limits.MaxFiles + (ulong)limits.MaxFolders;
        if (entryCount > allowed)
        {
            throw new SubmissionRefusedException(RefusalReason.TooManyFiles, submissionName, string.Create(CultureInfo.InvariantCulture,
                $"{submissionName}: lists {entryCount} entries; the limit is {limits.MaxFiles} files and {limits.MaxFolders} folders"));
        }
    }
}

using System.Globalization;
using System.Text;

namespace Grader.Submissions.Intake;

internal enum TarItemKind
{
    File,
    Folder,
    HardLink,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
}

internal sealed record TarItem(string Name, TarItemKind Kind, string LinkTarget);

/// <summary>
/// A small forward-only tar reader (ustar, pax, GNU long names), written here rather than using System.Formats.Tar so
/// that every size it reads is bounded: metadata blocks (pax records, long names) are capped before anything is
/// allocated, and file data is exposed as a stream the caller counts.
/// </summary>
internal sealed class TarArchiveReader(Stream archive, string submissionName)
{
    private const int BlockSize = 512;

    /// <summary>Largest pax record block or GNU long name accepted; real ones are a few hundred bytes.</summary>
    private const int MaxMetadataBytes = 64 * 1024;

    private readonly byte[] _header = new byte[BlockSize];
    private readonly byte[] _scratch = new byte[16 * 1024];
    private long _unreadDataBytes;
    private long _unreadPaddingBytes;

    /// <summary>The pax global <c>comment</c>, where <c>git archive</c> records the commit id.</summary>
    public string? GlobalComment { get; private set; }

    /// <summary>True when the stream ended without the two zero blocks that close a tar archive.</summary>
    public bool EndedWithoutEndMarker { get; private set; }

    /// <summary>The next entry, or null at the end of the archive. Skips whatever data of the previous entry was not read.</summary>
    public TarItem? ReadNext()
    {
        SkipRestOfEntry();
        string? gnuLongName = null;
        string? gnuLongLink = null;
        Dictionary<string, string>? pax = null;
        while (true)
        {
            var got = archive.ReadAtLeast(_header, BlockSize, throwOnEndOfStream: false);
            if (got == 0)
            {
                EndedWithoutEndMarker = true;
                return null;
            }
            if (got < BlockSize)
            {
                throw Malformed("ends inside an entry header (the archive is truncated)");
            }
            if (!_header.AsSpan().ContainsAnyExcept((byte)0))
            {
                return null;
            }
            VerifyChecksum();
            var typeFlag = (char)_header[156];
            var size = ParseNumber(124, 12, "size");
            switch (typeFlag)
            {
                case 'x':
                    pax = ParsePaxRecords(ReadMetadata(size, "pax header"));
                    continue;
                case 'g':
                    if (ParsePaxRecords(ReadMetadata(size, "pax global header")).TryGetValue("comment", out var comment))
                    {
                        GlobalComment = comment.Trim();
                    }
                    continue;
                case 'L':
                    gnuLongName = CString(ReadMetadata(size, "GNU long name"));
                    continue;
                case 'K':
                    gnuLongLink = CString(ReadMetadata(size, "GNU long link name"));
                    continue;
                default:
                    break;
            }

            var name = pax?.GetValueOrDefault("path") ?? gnuLongName ?? UstarName();
            var linkTarget = pax?.GetValueOrDefault("linkpath") ?? gnuLongLink ?? CString(_header.AsSpan(157, 100));
            if (pax is not null && pax.TryGetValue("size", out var paxSize))
            {
                size = long.TryParse(paxSize, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                    ? parsed
                    : throw Malformed($"entry '{EntryName.Show(name)}' has an invalid pax size '{EntryName.Show(paxSize)}'");
            }
            var kind = typeFlag switch
            {
                '0' or '\0' or '7' => TarItemKind.File,
                '1' => TarItemKind.HardLink,
                '2' => TarItemKind.SymbolicLink,
                '3' => TarItemKind.CharacterDevice,
                '4' => TarItemKind.BlockDevice,
                '5' => TarItemKind.Folder,
                '6' => TarItemKind.Fifo,
                _ => throw new SubmissionRefusedException(RefusalReason.SpecialFileEntry, submissionName,
                    $"{submissionName}: entry '{EntryName.Show(name)}' has tar type '{EntryName.Show(typeFlag.ToString())}', which the grader does not accept (only files and folders)"),
            };
            // Only regular files carry data; the size of links, folders and devices is ignored, as POSIX says.
            var dataBytes = kind == TarItemKind.File ? size : 0;
            _unreadDataBytes = dataBytes;
            _unreadPaddingBytes = Padding(dataBytes);
            return new TarItem(name, kind, linkTarget);
        }
    }

    /// <summary>The data of the entry last returned by <see cref="ReadNext"/>; valid until the next call.</summary>
    public Stream OpenData() => new EntryDataStream(this);

    private static long Padding(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

    private int ReadData(Span<byte> buffer)
    {
        if (_unreadDataBytes == 0)
        {
            return 0;
        }
        var wanted = (int)Math.Min(buffer.Length, _unreadDataBytes);
        var read = archive.Read(buffer[..wanted]);
        if (read == 0)
        {
            throw Malformed("ends inside an entry's data (the archive is truncated)");
        }
        _unreadDataBytes -= read;
        return read;
    }

    private void SkipRestOfEntry()
    {
        while (_unreadDataBytes > 0)
        {
            ReadData(_scratch);
        }
        Skip(_unreadPaddingBytes);
        _unreadPaddingBytes = 0;
    }

    private void Skip(long bytes)
    {
        while (bytes > 0)
        {
            var read = archive.Read(_scratch.AsSpan(0, (int)Math.Min(_scratch.Length, bytes)));
            if (read == 0)
            {
                throw Malformed("ends inside an entry (the archive is truncated)");
            }
            bytes -= read;
        }
    }

    private byte[] ReadMetadata(long size, string what)
    {
        if (size > MaxMetadataBytes)
        {
            throw Malformed(string.Create(CultureInfo.InvariantCulture,
                $"has a {what} of {size} bytes; more than {MaxMetadataBytes} is not a real archive"));
        }
        var bytes = new byte[size];
        if (archive.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
        {
            throw Malformed($"ends inside a {what} (the archive is truncated)");
        }
        Skip(Padding(size));
        return bytes;
    }

    private Dictionary<string, string> ParsePaxRecords(byte[] block)
    {
        // Each record is "<length> <key>=<value>\n", the length counting the whole record.
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        while (position < block.Length && block[position] != 0)
        {
            var space = Array.IndexOf(block, (byte)' ', position);
            if (space < 0
                || !int.TryParse(block.AsSpan(position, space - position), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || length <= space - position + 1 || position + length > block.Length || block[position + length - 1] != '\n')
            {
                throw Malformed("has a malformed pax header record");
            }
            var record = Encoding.UTF8.GetString(block, space + 1, position + length - space - 2);
            var equals = record.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw Malformed("has a malformed pax header record");
            }
            records[record[..equals]] = record[(equals + 1)..];
            position += length;
        }
        return records;
    }

    private string UstarName()
    {
        var name = CString(_header.AsSpan(0, 100));
        // POSIX ustar ("ustar\0") keeps leading folders in the prefix field; GNU ("ustar  ") uses it for other things.
        var isPosixUstar = _header.AsSpan(257, 6).SequenceEqual("ustar\0"u8);
        var prefix = isPosixUstar ? CString(_header.AsSpan(345, 155)) : "";
        return prefix.Length > 0 ? $"{prefix}/{name}" : name;
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    private void VerifyChecksum()
    {
        var recorded = ParseNumber(148, 8, "checksum");
        long unsignedSum = 0;
        long signedSum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var value = i is >= 148 and < 156 ? (byte)' ' : _header[i];
            unsignedSum += value;
            signedSum += (sbyte)value;
        }
        if (recorded != unsignedSum && recorded != signedSum)
        {
            throw Malformed("has an entry header with a wrong checksum (the archive is damaged, or is not a tar archive)");
        }
    }

    private long ParseNumber(int offset, int length, string field)
    {
        var bytes = _header.AsSpan(offset, length);
        if ((bytes[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian binary; a set second-highest bit would mean a negative number.
            if ((bytes[0] & 0x40) != 0)
            {
                throw Malformed($"has a negative {field} field");
            }
            long value = bytes[0] & 0x3F;
            foreach (var b in bytes[1..])
            {
                if (value > (long.MaxValue >> 8))
                {
                    throw Malformed($"has a {field} field too large to be real");
                }
                value = (value << 8) | b;
            }
            return value;
        }
        long octal = 0;
        var seenDigit = false;
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or 0)
            {
                if (seenDigit)
                {
                    break;
                }
                continue;
            }
            if (b is < (byte)'0' or > (byte)'7' || octal > (long.MaxValue >> 3))
            {
                throw Malformed($"has an invalid {field} field in an entry header");
            }
            seenDigit = true;
            octal = (octal << 3) | (long)(b - '0');
        }
        return octal;
    }

    private SubmissionRefusedException Malformed(string why) =>
        new(RefusalReason.MalformedArchive, submissionName, $"{submissionName}: {why}");

    private sealed class EntryDataStream(TarArchiveReader reader) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => reader.ReadData(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer) => reader.ReadData(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

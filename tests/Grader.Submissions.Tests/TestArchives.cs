using System.Formats.Tar;
using System.IO.Compression;
using System.Text;

namespace Grader.Submissions.Tests;

/// <summary>Builds archives (hostile ones included) in memory, so no binary fixture is ever checked in.</summary>
internal static class TestArchives
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static MemoryStream Zip(params (string Name, byte[] Content)[] entries) => Zip(comment: null, entries);

    public static MemoryStream Zip(string? comment, params (string Name, byte[] Content)[] entries)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                using var output = entry.Open();
                output.Write(content);
            }
            if (comment is not null)
            {
                zip.Comment = comment;
            }
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>A zip whose one entry carries a Unix file type (symlink, FIFO...) in its external attributes.</summary>
    public static MemoryStream ZipWithUnixType(string name, byte[] content, int unixTypeAndMode)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry(name);
            entry.ExternalAttributes = unixTypeAndMode << 16;
            using var output = entry.Open();
            output.Write(content);
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>A zip with one entry of <paramref name="size"/> zero bytes, written in chunks (compresses about 1000:1).</summary>
    public static MemoryStream ZipOfZeros(string name, long size)
    {
        var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
            using var output = entry.Open();
            var chunk = new byte[1024 * 1024];
            for (long written = 0; written < size; written += chunk.Length)
            {
                output.Write(chunk, 0, (int)Math.Min(chunk.Length, size - written));
            }
        }
        stream.Position = 0;
        return stream;
    }

    public static MemoryStream Tar(TarEntryFormat format, params TarEntry[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, format, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }
        stream.Position = 0;
        return stream;
    }

    public static PaxTarEntry PaxFile(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Utf8(content)) };

    public static MemoryStream Gzip(Stream content)
    {
        var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true))
        {
            content.CopyTo(gzip);
        }
        stream.Position = 0;
        return stream;
    }

    /// <summary>
    /// One raw ustar header block, for headers no well-behaved writer produces (sizes that lie, odd types).
    /// </summary>
    public static byte[] RawTarHeader(string name, char typeFlag, long size, string linkName = "")
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(header, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(header, 116);
        if (size < 1L << 33)
        {
            Encoding.ASCII.GetBytes(Convert.ToString(size, 8).PadLeft(11, '0') + "\0").CopyTo(header, 124);
        }
        else
        {
            // GNU base-256: what tar writes for files of 8 GB and more.
            header[124] = 0x80;
            for (var i = 0; i < 8; i++)
            {
                header[135 - i] = (byte)(size >> (8 * i));
            }
        }
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(header, 136);
        header[156] = (byte)typeFlag;
        Encoding.ASCII.GetBytes(linkName).CopyTo(header, 157);
        Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
        Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
        for (var i = 148; i < 156; i++)
        {
            header[i] = (byte)' ';
        }
        var sum = header.Sum(b => (int)b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(header, 148);
        return header;
    }

    public static byte[] TarEndMarker() => new byte[1024];

    public static MemoryStream Concat(params byte[][] parts)
    {
        var stream = new MemoryStream();
        foreach (var part in parts)
        {
            stream.Write(part);
        }
        stream.Position = 0;
        return stream;
    }
}

/// <summary>A scratch folder per test, deleted afterwards (even when the test made parts of it read-only).</summary>
internal sealed class ScratchFolder : IDisposable
{
    public ScratchFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "grader-submissions-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Where a test extracts to: a folder that does not exist yet, in a parent holding nothing else.</summary>
    public string Destination => Path.Combine(Root, "out", "submission");

    public string DestinationParent => Path.Combine(Root, "out");

    public void Dispose()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        if (!OperatingSystem.IsWindows())
        {
            foreach (var folder in Directory.EnumerateDirectories(Root, "*", SearchOption.AllDirectories))
            {
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>
/// A never-ending, lazily generated stream: a tar header declaring a huge file, then zeros forever. Reading it whole
/// would take hours, so a test passes only if the intake stops near its limit. Counts what was read.
/// </summary>
internal sealed class EndlessTarStream(byte[] header) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            var position = BytesRead + i;
            buffer[i] = position < header.Length ? header[position] : (byte)0;
        }
        BytesRead += buffer.Length;
        return buffer.Length;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

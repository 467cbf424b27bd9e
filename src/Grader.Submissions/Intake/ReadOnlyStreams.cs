namespace Grader.Submissions.Intake;

/// <summary>A forward-only, read-only wrapper; subclasses see every chunk read.</summary>
internal abstract class ReadOnlyWrapperStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

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
        var read = Inner.Read(buffer);
        OnRead(read);
        return read;
    }

    protected abstract void OnRead(int bytes);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Counts the bytes read through it (the compressed side of a tar.gz).</summary>
internal sealed class CountingStream(Stream inner) : ReadOnlyWrapperStream(inner)
{
    public long BytesRead { get; private set; }

    protected override void OnRead(int bytes) => BytesRead += bytes;
}

/// <summary>
/// Guards the decompressed side of a stream archive: refuses once it has produced more than a byte budget, or has
/// grown more than the allowed ratio relative to the compressed bytes consumed. This stops a bomb whatever its
/// headers declare, including in entries the intake skips rather than extracts.
/// </summary>
internal sealed class ExpansionGuardStream(
    Stream decompressed, Func<long> compressedBytesRead, long byteBudget, IntakeLimits limits, string submissionName)
    : ReadOnlyWrapperStream(decompressed)
{
    public long BytesProduced { get; private set; }

    protected override void OnRead(int bytes)
    {
        BytesProduced += bytes;
        if (BytesProduced > byteBudget)
        {
            throw new SubmissionRefusedException(RefusalReason.SubmissionTooLarge, submissionName,
                $"{submissionName}: the archive expands to more than {ByteSize.Format(byteBudget)}");
        }
        if (BytesProduced > limits.CompressionRatioGraceBytes
            && BytesProduced > limits.MaxCompressionRatio * Math.Max(1, compressedBytesRead()))
        {
            throw new SubmissionRefusedException(RefusalReason.CompressionRatioTooHigh, submissionName,
                $"{submissionName}: the archive expands more than {limits.MaxCompressionRatio:0.##} times its compressed size (a likely archive bomb)");
        }
    }
}

/// <summary>Bytes already read (to sniff the format) followed by the rest of a forward-only stream.</summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyWrapperStream(rest)
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override int Read(Span<byte> buffer)
    {
        if (_prefix.IsEmpty)
        {
            return Inner.Read(buffer);
        }
        var count = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..count].CopyTo(buffer);
        _prefix = _prefix[count..];
        return count;
    }

    protected override void OnRead(int bytes)
    {
    }
}

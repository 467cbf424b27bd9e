using System.Buffers.Binary;

namespace Grader.Sandbox.Protocol;

/// <summary>
/// Length-prefixed frames over the runner-sandbox socket: a 4-byte little-endian length, then that many bytes.
/// The runner reads frames written by hostile code, so every length is bounded before anything is allocated.
/// </summary>
public static class Frames
{
    public static async Task WriteAsync(Stream stream, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, payload.Length);
        await stream.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one frame, or null when the peer closed the connection cleanly between frames.</summary>
    public static async Task<byte[]?> ReadAsync(Stream stream, int maxFrameBytes, CancellationToken cancellationToken)
    {
        var header = new byte[4];
        if (!await ReadExactlyOrEndAsync(stream, header, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        if (length < 0 || length > maxFrameBytes)
        {
            throw new ProtocolViolationException($"a message of {length} bytes exceeds the limit of {maxFrameBytes} bytes");
        }

        var payload = new byte[length];
        if (!await ReadExactlyOrEndAsync(stream, payload, cancellationToken).ConfigureAwait(false) && length > 0)
        {
            throw new ProtocolViolationException("the connection closed in the middle of a message");
        }

        return payload;
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new ProtocolViolationException("the connection closed in the middle of a message");
            }

            read += n;
        }

        return true;
    }
}

/// <summary>The peer sent something that is not a valid message of the protocol.</summary>
public sealed class ProtocolViolationException(string message) : Exception(message);

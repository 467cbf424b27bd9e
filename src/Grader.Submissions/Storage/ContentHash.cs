using System.Security.Cryptography;

namespace Grader.Submissions.Storage;

/// <summary>The sha256 of a blob's bytes, as 64 lowercase hex digits. The name of a stored submission.</summary>
public sealed record ContentHash
{
    private ContentHash(string hex) => Hex = hex;

    /// <summary>64 lowercase hex digits.</summary>
    public string Hex { get; }

    /// <summary>Parses 64 hex digits (either case); throws <see cref="FormatException"/> otherwise.</summary>
    public static ContentHash Parse(string text) =>
        TryParse(text, out var hash)
            ? hash
            : throw new FormatException($"'{text}' is not a sha256 content hash (64 hex digits).");

    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ContentHash? hash)
    {
        hash = null;
        if (text is null || text.Length != 64 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }
        hash = new ContentHash(text.ToLowerInvariant());
        return true;
    }

    /// <summary>Wraps a finished 32-byte sha256 digest.</summary>
    public static ContentHash FromDigest(ReadOnlySpan<byte> sha256Digest)
    {
        if (sha256Digest.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException($"A sha256 digest has {SHA256.HashSizeInBytes} bytes, got {sha256Digest.Length}.", nameof(sha256Digest));
        }
        return new ContentHash(Convert.ToHexStringLower(sha256Digest));
    }

    /// <summary>Hashes a stream from its current position to its end.</summary>
    public static ContentHash Compute(Stream content) => FromDigest(SHA256.HashData(content));

    public static ContentHash Compute(ReadOnlySpan<byte> content) => FromDigest(SHA256.HashData(content));

    public override string ToString() => Hex;
}

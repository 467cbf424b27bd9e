using System.Security.Cryptography;
using System.Text;

namespace Grader.GitHub;

/// <summary>
/// GitHub signs every webhook delivery with the shared secret: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of
/// the raw body&gt;</c>. The body must be checked exactly as received (before any JSON parsing) and in constant time.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    /// <summary>The header value GitHub would send for <paramref name="rawBody"/>.</summary>
    public static string Compute(string secret, ReadOnlySpan<byte> rawBody)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody);
        return Prefix + Convert.ToHexStringLower(mac);
    }

    /// <summary>True only when <paramref name="headerValue"/> is a well-formed sha256 signature of the body under the secret.</summary>
    public static bool IsValid(string secret, ReadOnlySpan<byte> rawBody, string? headerValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        if (headerValue is null || !headerValue.StartsWith(Prefix, StringComparison.Ordinal) || headerValue.Length != Prefix.Length + 64)
        {
            return false;
        }

        Span<byte> claimed = stackalloc byte[32];
        if (Convert.FromHexString(headerValue.AsSpan(Prefix.Length), claimed, out _, out int written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), rawBody);
        return CryptographicOperations.FixedTimeEquals(expected, claimed);
    }
}

using System.Globalization;

namespace Grader.Submissions;

/// <summary>Byte counts as people read them in refusal messages ("50 MB").</summary>
internal static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 => Scaled(bytes, 1024L * 1024 * 1024, "GB"),
        >= 1024L * 1024 => Scaled(bytes, 1024L * 1024, "MB"),
        >= 1024L => Scaled(bytes, 1024L, "KB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private static string Scaled(long bytes, long unit, string suffix)
    {
        var value = (double)bytes / unit;
        var text = value % 1 == 0
            ? value.ToString("0", CultureInfo.InvariantCulture)
            : value.ToString("0.#", CultureInfo.InvariantCulture);
        return $"{text} {suffix}";
    }
}

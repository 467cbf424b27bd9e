namespace Grader.Submissions.Intake;

/// <summary>
/// Bounds on what a submission may expand to. Every limit is checked on the bytes actually read, never on the
/// sizes an archive declares.
/// </summary>
public sealed record IntakeLimits
{
    public static IntakeLimits Default { get; } = new();

    /// <summary>Regular files after extraction.</summary>
    public int MaxFiles { get; init; } = 2_000;

    /// <summary>Folders after extraction (counted apart so a repository with many small folders still fits).</summary>
    public int MaxFolders { get; init; } = 2_000;

    /// <summary>Bytes of all extracted files together.</summary>
    public long MaxTotalBytes { get; init; } = 200L * 1024 * 1024;

    /// <summary>Bytes of one extracted file.</summary>
    public long MaxFileBytes { get; init; } = 50L * 1024 * 1024;

    /// <summary>Most an entry may expand relative to its compressed size (per zip entry; per stream for tar.gz).</summary>
    public double MaxCompressionRatio { get; init; } = 200;

    /// <summary>
    /// The ratio is checked only once an entry has produced this many bytes: a small file of blanks legitimately
    /// compresses far beyond 200:1, and below this size it cannot hurt.
    /// </summary>
    public long CompressionRatioGraceBytes { get; init; } = 1024L * 1024;

    /// <summary>Characters of a relative path inside the submission.</summary>
    public int MaxPathLength { get; init; } = 256;

    /// <summary>Folder levels of a relative path inside the submission.</summary>
    public int MaxDepth { get; init; } = 32;

    internal void Validate()
    {
        if (MaxFiles <= 0 || MaxFolders <= 0 || MaxTotalBytes <= 0 || MaxFileBytes <= 0 || MaxCompressionRatio <= 1
            || CompressionRatioGraceBytes < 0 || MaxPathLength <= 0 || MaxDepth <= 0)
        {
            throw new ArgumentException($"Intake limits must be positive (and the ratio above 1): {this}");
        }
    }
}

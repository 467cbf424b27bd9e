namespace Grader.Similarity;

/// <summary>How a pair's similarity is scored from the fingerprints the two share.</summary>
public enum SimilarityMeasure
{
    /// <summary>Shared / all distinct fingerprints of both (symmetric; low when one is much larger).</summary>
    Jaccard,

    /// <summary>Shared / fingerprints of the smaller submission (high when one copied the other into a larger file).</summary>
    ShareOfSmaller,
}

/// <summary>The knobs of winnowing and reporting. The defaults suit homework-sized C# files.</summary>
public sealed record SimilarityOptions
{
    /// <summary>Tokens per k-gram: shorter common sequences (a for-loop header) are noise and never match.</summary>
    public int KGramLength { get; init; } = 12;

    /// <summary>Winnowing window: any common run of at least <c>KGramLength + Window - 1</c> tokens is guaranteed to be found.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Pairs scoring at least this (0..1) under <see cref="Measure"/> are reported.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>The score the threshold applies to; both scores are reported either way.</summary>
    public SimilarityMeasure Measure { get; init; } = SimilarityMeasure.Jaccard;

    /// <summary>A pair needs at least this many shared fingerprints, so two tiny files are not "100% similar".</summary>
    public int MinSharedFingerprints { get; init; } = 3;

    /// <summary>Fingerprints found in more than this many submissions are ignored as common idiom (MOSS's -m); null keeps all.</summary>
    public int? MaxSubmissionsPerFingerprint { get; init; }

    /// <summary>Matched fingerprints at most this many lines apart (in both files) merge into one region.</summary>
    public int MergeGapLines { get; init; } = 2;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (KGramLength < 2)
        {
            throw new ArgumentException($"{nameof(KGramLength)} must be at least 2 (is {KGramLength})");
        }

        if (Window < 1)
        {
            throw new ArgumentException($"{nameof(Window)} must be at least 1 (is {Window})");
        }

        if (Threshold is < 0 or > 1 || double.IsNaN(Threshold))
        {
            throw new ArgumentException($"{nameof(Threshold)} must be between 0 and 1 (is {Threshold})");
        }

        if (MinSharedFingerprints < 1)
        {
            throw new ArgumentException($"{nameof(MinSharedFingerprints)} must be at least 1 (is {MinSharedFingerprints})");
        }

        if (MaxSubmissionsPerFingerprint is < 2)
        {
            throw new ArgumentException($"{nameof(MaxSubmissionsPerFingerprint)} must be at least 2 when set (is {MaxSubmissionsPerFingerprint})");
        }

        if (MergeGapLines < 0)
        {
            throw new ArgumentException($"{nameof(MergeGapLines)} must not be negative (is {MergeGapLines})");
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grader.Similarity;

/// <summary>Lines of one file of each submission that match: the two sides to show next to each other.</summary>
/// <param name="FirstFile">The file in <see cref="SimilarPair.First"/>.</param>
/// <param name="FirstStartLine">First matching line in <paramref name="FirstFile"/> (1-based, inclusive).</param>
/// <param name="FirstEndLine">Last matching line in <paramref name="FirstFile"/> (inclusive).</param>
/// <param name="SecondFile">The file in <see cref="SimilarPair.Second"/>.</param>
/// <param name="SecondStartLine">First matching line in <paramref name="SecondFile"/>.</param>
/// <param name="SecondEndLine">Last matching line in <paramref name="SecondFile"/>.</param>
/// <param name="Fingerprints">How many matched fingerprints the region merges: its weight of evidence.</param>
public sealed record MatchedRegion(
    string FirstFile,
    int FirstStartLine,
    int FirstEndLine,
    string SecondFile,
    int SecondStartLine,
    int SecondEndLine,
    int Fingerprints);

/// <summary>Two submissions that share enough fingerprints, with both scores and the matching regions.</summary>
/// <param name="First">Id of one submission (the earlier in the input order).</param>
/// <param name="Second">Id of the other.</param>
/// <param name="Jaccard">Shared distinct fingerprints / distinct fingerprints of both.</param>
/// <param name="ShareOfSmaller">Shared distinct fingerprints / distinct fingerprints of the smaller submission.</param>
/// <param name="SharedFingerprints">How many distinct fingerprints the two share.</param>
/// <param name="Regions">Matching regions, in the first submission's file and line order.</param>
public sealed record SimilarPair(
    string First,
    string Second,
    double Jaccard,
    double ShareOfSmaller,
    int SharedFingerprints,
    IReadOnlyList<MatchedRegion> Regions)
{
    /// <summary>The score under <paramref name="measure"/>.</summary>
    public double Score(SimilarityMeasure measure) => measure == SimilarityMeasure.Jaccard ? Jaccard : ShareOfSmaller;
}

/// <summary>What the comparison saw of one submission.</summary>
/// <param name="Id">The submission's id.</param>
/// <param name="Files">How many source files (or notebook cells) it had.</param>
/// <param name="Tokens">Normalised tokens in them.</param>
/// <param name="Fingerprints">Distinct fingerprints left after removing the starter code; 0 means it could not be compared.</param>
/// <param name="IsArchived">A previous year's submission.</param>
public sealed record SubmissionSummary(string Id, int Files, int Tokens, int Fingerprints, bool IsArchived);

/// <summary>The result of comparing all submissions of one assignment.</summary>
/// <param name="AssignmentId">The assignment compared.</param>
/// <param name="Options">The settings used.</param>
/// <param name="Submissions">Every submission compared, in input order.</param>
/// <param name="Pairs">Pairs at or above the threshold, highest score first.</param>
public sealed record SimilarityReport(
    string AssignmentId,
    SimilarityOptions Options,
    IReadOnlyList<SubmissionSummary> Submissions,
    IReadOnlyList<SimilarPair> Pairs)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The report as indented camelCase JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a report written by <see cref="ToJson"/>.</summary>
    public static SimilarityReport FromJson(string json)
        => JsonSerializer.Deserialize<SimilarityReport>(json, JsonOptions) ?? throw new JsonException("the similarity report is empty (null)");
}

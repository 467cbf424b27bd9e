using Grader.Similarity;

namespace Grader.Web.Similarity;

/// <summary>
/// Section <c>Similarity</c>: where previous years' archives are and what counts as similar. An archive folder holds
/// one folder per year, each with one folder per assignment whose entries (a folder, zip, .cs or .ipynb per student)
/// are that year's submissions: <c>&lt;ArchiveFolder&gt;/2025/hw1-mlp/netid.zip</c>.
/// </summary>
public sealed class SimilaritySettings
{
    public const string Section = "Similarity";

    /// <summary>Previous years' submissions; empty: <c>&lt;data folder&gt;/similarity-archives</c>.</summary>
    public string ArchiveFolder { get; set; } = "";

    /// <summary>Pairs scoring at least this (0..1) under <see cref="Measure"/> are reported.</summary>
    public double Threshold { get; set; } = 0.5;

    public SimilarityMeasure Measure { get; set; } = SimilarityMeasure.Jaccard;

    /// <summary>Fingerprints found in more than this many submissions are common idiom, not evidence; null keeps all.</summary>
    public int? MaxSubmissionsPerFingerprint { get; set; }

    /// <summary>The engine's options; throws naming the setting when one is out of range.</summary>
    public SimilarityOptions EngineOptions()
    {
        var options = new SimilarityOptions { Threshold = Threshold, Measure = Measure, MaxSubmissionsPerFingerprint = MaxSubmissionsPerFingerprint };
        try
        {
            options.Validate();
        }
        catch (ArgumentException error)
        {
            throw new InvalidOperationException($"Configuration section '{Section}': {error.Message}", error);
        }

        return options;
    }
}

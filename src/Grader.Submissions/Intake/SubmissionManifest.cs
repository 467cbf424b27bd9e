using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grader.Submissions.Intake;

/// <summary>The shape a submission arrived in.</summary>
public enum SubmissionForm
{
    /// <summary>A zip: the syllabus's <c>netid_hwN.zip</c>, or a GitHub zipball.</summary>
    ZipArchive,

    /// <summary>A gzip-compressed tar: a GitHub tarball or <c>git archive</c> output.</summary>
    TarGzArchive,

    /// <summary>An uncompressed tar.</summary>
    TarArchive,

    /// <summary>A folder on disk (a repository checkout).</summary>
    Folder,

    /// <summary>A single <c>.ipynb</c>.</summary>
    Notebook,

    /// <summary>A single <c>.csx</c>.</summary>
    CSharpScript,

    /// <summary>A single <c>.cs</c>.</summary>
    CSharpSource,
}

/// <summary>What intake found: the form, every extracted file with its hash, and the notes for the report.</summary>
public sealed record SubmissionManifest
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>The name the student uploaded (or the folder's name).</summary>
    public required string OriginalFileName { get; init; }

    public required SubmissionForm Form { get; init; }

    /// <summary>The sha256 of the bytes as received, when they came from the <see cref="Storage.SubmissionStore"/> or a file.</summary>
    public string? ContentHash { get; init; }

    /// <summary>The single top folder removed from an archive (GitHub's <c>owner-repo-sha</c>, or <c>netid_hw1</c>).</summary>
    public string? StrippedTopFolder { get; init; }

    /// <summary>The commit a git archive was made from (its zip comment or pax global header), when it says.</summary>
    public string? GitCommit { get; init; }

    public required SubmissionNaming Naming { get; init; }

    /// <summary>Every extracted file, sorted by path.</summary>
    public required IReadOnlyList<ManifestFile> Files { get; init; }

    public required IReadOnlyList<IntakeNote> Notes { get; init; }

    [JsonIgnore]
    public long TotalBytes => Files.Sum(file => file.Size);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static SubmissionManifest FromJson(string json) =>
        JsonSerializer.Deserialize<SubmissionManifest>(json, JsonOptions)
        ?? throw new JsonException("A submission manifest cannot be JSON null.");
}

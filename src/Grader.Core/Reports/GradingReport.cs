using System.Text.Json;
using System.Text.Json.Serialization;

namespace Grader.Core.Reports;

/// <summary>
/// The stored result of grading one submission: what the student reads, what TAs review, what the gradebook sums.
/// The JSON field names are a published format (other tools read them): add fields, never rename or remove one, and
/// raise <see cref="CurrentSchemaVersion"/> when a meaning changes.
/// </summary>
public sealed record GradingReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Assignment { get; init; }

    public required SubmissionInfo Submission { get; init; }

    public required string GraderVersion { get; init; }

    public required DateTimeOffset GradedAt { get; init; }

    /// <summary>What happened overall; the items say what each part earned.</summary>
    public required GradingOutcome Outcome { get; init; }

    /// <summary>One sentence for the top of the feedback.</summary>
    public required string Summary { get; init; }

    public required decimal Total { get; init; }

    public required decimal Max { get; init; }

    /// <summary>True while manual items wait for a TA or a check could not run: the total can still change.</summary>
    public required bool Provisional { get; init; }

    public required IReadOnlyList<ReportItem> Items { get; init; }

    /// <summary>How the total was computed (rubric rules applied, with numbers).</summary>
    public IReadOnlyList<string> Explanation { get; init; } = [];

    public IReadOnlyList<ReportMessage> CompilerMessages { get; init; } = [];

    public IReadOnlyList<ReportPolicyFinding> PolicyFindings { get; init; } = [];

    /// <summary>Notes from intake: naming, removed notebook magics, skipped cells.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public NotebookInfo? Notebook { get; init; }

    /// <summary>The class graded for each contract and where it is defined (a notebook's last definition), for pages
    /// that mark it; the same facts as the "graded class for" note.</summary>
    public IReadOnlyList<ReportGradedClass> GradedClasses { get; init; } = [];

    /// <summary>When the assignment asks for it: how running the notebook's own top-level code went.</summary>
    public NotebookRunInfo? NotebookRun { get; init; }

    public required ReportTimings Timings { get; init; }

    public ReportResources? Resources { get; init; }

    /// <summary>Why the sandbox stopped early, when it did.</summary>
    public string? SandboxStop { get; init; }

    /// <summary>The student's own output (stdout and stderr), capped. Never parsed for scores.</summary>
    public string Log { get; init; } = "";

    public bool LogTruncated { get; init; }

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // A file format read by programs and shown HTML-encoded by the web app: keep "+", "<" and quotes readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static GradingReport FromJson(string json)
        => JsonSerializer.Deserialize<GradingReport>(json, JsonOptions) ?? throw new JsonException("empty report");
}

public enum GradingOutcome
{
    /// <summary>All checks ran (some may have failed).</summary>
    Graded,

    /// <summary>The sandbox stopped before all checks had answers; the rest scored zero.</summary>
    PartiallyGraded,

    /// <summary>The code did not compile; nothing ran.</summary>
    CompileFailed,

    /// <summary>The code uses an API the course does not allow; nothing ran.</summary>
    PolicyRejected,

    /// <summary>The upload itself was refused (unsafe or unreadable archive, wrong kind of notebook).</summary>
    IntakeRefused,
}

public sealed record SubmissionInfo(string Hash, string OriginalFileName, string Form, string? NetId, string? GitCommit);

/// <summary>One rubric item as graded.</summary>
/// <param name="Status">passed, partially-passed, failed, not-answered, skipped, pending (manual or could not run).</param>
public sealed record ReportItem(string Id, string Description, string Kind, string Type, string? Check, decimal Points, decimal Max, string Status, string Reason, double? ElapsedMs);

/// <param name="Cell">The notebook cell (1-based, as Jupyter counts) when the message is about a notebook.</param>
public sealed record ReportMessage(string File, int? Cell, int Line, int Column, string Id, string Message, string Severity)
{
    [JsonIgnore]
    public string Where => Cell is { } cell ? $"{File}, cell {cell}, line {Line}" : $"{File}, line {Line}";
}

public sealed record ReportPolicyFinding(string Severity, string Api, string Reason, string? File, int? Cell, int? Line)
{
    [JsonIgnore]
    public string Where => File is null ? "in compiler-generated code" : Cell is { } cell ? $"{File}, cell {cell}, line {Line}" : $"{File}, line {Line}";
}

/// <param name="Cell">The notebook cell (1-based, as Jupyter counts) that defines the class; null for a .cs/.csx file.</param>
public sealed record ReportGradedClass(string Contract, string ClassName, string File, int? Cell, int Line);

public sealed record NotebookInfo(int CodeCells, int CellsWithOutputs, bool OutputsVisible, bool PlotsVisible, string Verdict);

/// <param name="ChecksMs">Running the checks: reference computations, scoring, and the calls into the sandbox.</param>
/// <param name="StudentComputeMs">Of the checks, the time inside the student's code as the sandbox reported it.</param>
/// <param name="ProtocolMs">Of the checks, the time spent carrying requests and answers across the boundary.</param>
/// <param name="Succeeded">The top-level code ran to the end without an exception, within its time limit.</param>
/// <param name="Message">"ran without errors", or what went wrong (the exception, the time limit).</param>
/// <param name="Log">What the notebook printed while it ran (capped).</param>
public sealed record NotebookRunInfo(bool Succeeded, string Message, double ElapsedMs, string Log);

public sealed record ReportTimings(double IntakeMs, double CompileMs, double SandboxStartMs, double ChecksMs, double TotalMs, double StudentComputeMs = 0, double ProtocolMs = 0);

public sealed record ReportResources(long? PeakMemoryBytes, double? CpuMs, double WallMs, string LimitsEnforcedBy);

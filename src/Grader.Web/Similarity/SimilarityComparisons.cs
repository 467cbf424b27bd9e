using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Grader.Data;
using Grader.Web.Grading;
using Grader.Data.Course;
using Grader.Similarity;
using Grader.Submissions.Storage;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using SubmissionSource = Grader.Similarity.SubmissionSource;

namespace Grader.Web.Similarity;

/// <summary>One submission a comparison saw: this term's counting submission of a student, or a previous year's.</summary>
/// <param name="Id">Its id in the engine's report: the submitter id, or <c>year/name</c> for an archived one.</param>
/// <param name="SubmissionId">This term's submission row; null for an archived one.</param>
/// <param name="ArchiveFolder">The year's folder of the assignment for an archived one; null otherwise.</param>
public sealed record ComparedSubmission(string Id, long? SubmissionId, string SubmitterId, string? ContentHash, string? ArchiveFolder)
{
    public bool IsArchived => SubmissionId is null;
}

/// <summary>A finished comparison as stored under the data folder: who asked, what was compared, the engine's report.</summary>
public sealed record StoredSimilarityReport(
    string AssignmentId,
    string Key,
    string RequestedByName,
    DateTime RequestedAtUtc,
    DateTime FinishedAtUtc,
    bool IncludesArchives,
    IReadOnlyList<ComparedSubmission> Compared,
    IReadOnlyList<ReadProblem> Problems,
    SimilarityReport Report)
{
    public ComparedSubmission? Submission(string id) => Compared.FirstOrDefault(c => c.Id == id);

    public SimilarPair? Pair(string first, string second) =>
        Report.Pairs.FirstOrDefault(p => (p.First == first && p.Second == second) || (p.First == second && p.Second == first));
}

public enum ComparisonState
{
    Queued,
    Running,
    Finished,
    Failed,
}

/// <summary>Where the latest comparison of an assignment stands; <see cref="LatestReportKey"/> survives a failed rerun.</summary>
public sealed record ComparisonStatus(
    string AssignmentId,
    ComparisonState State,
    string RequestedByName,
    DateTime RequestedAtUtc,
    bool IncludeArchives,
    DateTime? FinishedAtUtc,
    string? LatestReportKey,
    string? Error);

/// <summary>
/// Compares the submissions that count for an assignment (each submitter's latest, as the gradebook reads them), and
/// optionally previous years' archives, with <see cref="SimilarityEngine"/>, minus the assignment's starter code.
/// Reports are stored as JSON under <c>&lt;data&gt;/similarity/&lt;assignment&gt;/&lt;key&gt;.json</c>, the key a SHA-256 of
/// what was compared (submissions and their content hashes, starter, archives, options): the same inputs are never
/// compared twice. Runs in a background job (<see cref="SimilarityQueue"/>); nothing here decides a grade.
/// </summary>
public sealed class SimilarityComparisons(
    GraderDbContext db, CourseCatalog course, SubmissionStore store, SimilaritySettings settings, IClock clock, ILogger<SimilarityComparisons> logger,
    Gradebook gradebook)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public string ReportsFolder => Path.Combine(course.DataFolder, "similarity");

    public string ArchiveFolder => string.IsNullOrWhiteSpace(settings.ArchiveFolder)
        ? Path.Combine(course.DataFolder, "similarity-archives")
        : Path.GetFullPath(settings.ArchiveFolder);

    public SimilaritySettings Settings => settings;

    /// <summary>The previous years (folder names) that have submissions of <paramref name="assignmentId"/>.</summary>
    public IReadOnlyList<string> ArchiveYears(string assignmentId)
    {
        if (!IsAssignment(assignmentId) || !Directory.Exists(ArchiveFolder))
        {
            return [];
        }

        return Directory.EnumerateDirectories(ArchiveFolder)
            .Where(year => Directory.Exists(Path.Combine(year, assignmentId)) && !Path.GetFileName(year).StartsWith('.'))
            .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Each submitter's submission of the assignment that counts, as the policy engine's counting rule chose it.</summary>
    public async Task<IReadOnlyList<SubmissionRecord>> CountingSubmissionsAsync(string assignmentId, CancellationToken cancellationToken)
    {
        var counted = (await gradebook.CountedSubmissionsAsync(cancellationToken).ConfigureAwait(false))
            .Where(pair => pair.Key.AssignmentId == assignmentId).Select(pair => pair.Value).ToHashSet();
        var all = await db.Submissions.AsNoTracking().Where(s => s.AssignmentId == assignmentId).ToListAsync(cancellationToken).ConfigureAwait(false);
        return all.Where(s => counted.Contains(s.Id))
            .OrderBy(s => s.SubmitterId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Compares now (the job calls this) and stores the report; an identical earlier comparison is reused.</summary>
    public async Task<StoredSimilarityReport> CompareAsync(string assignmentId, bool includeArchives, string requestedByName, DateTime requestedAtUtc, CancellationToken cancellationToken)
    {
        if (!IsAssignment(assignmentId))
        {
            throw new ArgumentException($"There is no assignment '{assignmentId}'.", nameof(assignmentId));
        }

        var options = settings.EngineOptions();
        var problems = new List<ReadProblem>();
        var sources = new List<SubmissionSource>();
        var compared = new List<ComparedSubmission>();
        foreach (var submission in await CountingSubmissionsAsync(assignmentId, cancellationToken).ConfigureAwait(false))
        {
            var files = await ReadStoredAsync(submission, problems, cancellationToken).ConfigureAwait(false);
            if (files.Count == 0)
            {
                problems.Add(new ReadProblem(Label(submission), "no C# found (.cs, .csx or C# notebook cells); not compared"));
                continue;
            }

            sources.Add(new SubmissionSource(submission.SubmitterId, files));
            compared.Add(new ComparedSubmission(submission.SubmitterId, submission.Id, submission.SubmitterId, submission.ContentHash, null));
        }

        if (includeArchives)
        {
            foreach (string year in ArchiveYears(assignmentId))
            {
                string folder = Path.Combine(ArchiveFolder, year, assignmentId);
                var batch = SubmissionReader.ReadFolder(folder, isArchived: true, idPrefix: year + "/");
                problems.AddRange(batch.Problems);
                sources.AddRange(batch.Submissions);
                compared.AddRange(batch.Submissions.Select(s => new ComparedSubmission(s.Id, null, s.Id, null, folder)));
            }
        }

        var starter = Starter(assignmentId, problems);
        string key = Key(assignmentId, options, compared, sources, starter);
        var existing = Load(assignmentId, key);
        if (existing is not null)
        {
            logger.LogInformation("Similarity of {Assignment}: the same {Count} submissions were compared before (report {Key}); reused", assignmentId, compared.Count, key[..12]);
            return existing;
        }

        var report = new SimilarityEngine(options).Compare(assignmentId, sources, starter);
        var stored = new StoredSimilarityReport(assignmentId, key, requestedByName, requestedAtUtc, clock.GetCurrentInstant().ToDateTimeUtc(),
            includeArchives, compared, problems, report);
        WriteAtomically(ReportFile(assignmentId, key), JsonSerializer.Serialize(stored, Json));
        logger.LogInformation("Similarity of {Assignment}: {Count} submissions, {Pairs} pairs at or above {Threshold}; report {Key}",
            assignmentId, compared.Count, report.Pairs.Count, options.Threshold, key[..12]);
        return stored;
    }

    /// <summary>A stored report, or null when there is none with that key (the key is checked: it names a file).</summary>
    public StoredSimilarityReport? Load(string assignmentId, string? key)
    {
        if (!IsAssignment(assignmentId) || key is null || key.Length != 64 || !key.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        string file = ReportFile(assignmentId, key);
        return File.Exists(file) ? JsonSerializer.Deserialize<StoredSimilarityReport>(File.ReadAllText(file), Json) : null;
    }

    public ComparisonStatus? Status(string assignmentId)
    {
        string file = StatusFile(assignmentId);
        return IsAssignment(assignmentId) && File.Exists(file) ? JsonSerializer.Deserialize<ComparisonStatus>(File.ReadAllText(file), Json) : null;
    }

    public void WriteStatus(ComparisonStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        if (!IsAssignment(status.AssignmentId))
        {
            throw new ArgumentException($"There is no assignment '{status.AssignmentId}'.", nameof(status));
        }

        WriteAtomically(StatusFile(status.AssignmentId), JsonSerializer.Serialize(status, Json));
    }

    /// <summary>The latest finished report of the assignment, or null before the first.</summary>
    public StoredSimilarityReport? Latest(string assignmentId) => Load(assignmentId, Status(assignmentId)?.LatestReportKey);

    /// <summary>The C# a compared submission held, read again for showing the matching regions.</summary>
    public async Task<IReadOnlyList<SourceFile>> SourcesOfAsync(ComparedSubmission compared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compared);
        var problems = new List<ReadProblem>();
        if (compared.SubmissionId is { } id)
        {
            var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken).ConfigureAwait(false);
            return submission is null ? [] : await ReadStoredAsync(submission, problems, cancellationToken).ConfigureAwait(false);
        }

        if (compared.ArchiveFolder is { } folder && Directory.Exists(folder))
        {
            string prefix = compared.Id[..(compared.Id.IndexOf('/', StringComparison.Ordinal) + 1)];
            return SubmissionReader.ReadFolder(folder, isArchived: true, idPrefix: prefix).Submissions.FirstOrDefault(s => s.Id == compared.Id)?.Files ?? [];
        }

        return [];
    }

    private bool IsAssignment(string assignmentId) => course.Tree.Assignments.Any(a => a.Id == assignmentId);

    private string ReportFile(string assignmentId, string key) => Path.Combine(ReportsFolder, assignmentId, $"{key}.json");

    private string StatusFile(string assignmentId) => Path.Combine(ReportsFolder, assignmentId, "status.json");

    private static string Label(SubmissionRecord submission) => $"{submission.SubmitterId} #{submission.Id} ({submission.OriginalFileName})";

    private IReadOnlyList<SourceFile> Starter(string assignmentId, List<ReadProblem> problems)
    {
        string folder = Path.Combine(course.Root, "assignments", assignmentId, "starter");
        return Directory.Exists(folder) ? SubmissionReader.ReadSources(folder, problems) : [];
    }

    /// <summary>
    /// The submission's C#: its stored bytes copied under their own file name (the reader goes by the extension), a
    /// GitHub tarball unpacked first. Problems name the student and submission, never a temporary path.
    /// </summary>
    private async Task<IReadOnlyList<SourceFile>> ReadStoredAsync(SubmissionRecord submission, List<ReadProblem> problems, CancellationToken cancellationToken)
    {
        if (!ContentHash.TryParse(submission.ContentHash, out var hash) || !store.Exists(hash))
        {
            problems.Add(new ReadProblem(Label(submission), $"its bytes ({submission.ContentHash}) are missing from the store"));
            return [];
        }

        string work = Path.Combine(course.DataFolder, "similarity-work", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            string name = Path.GetFileName(submission.OriginalFileName);
            string file = Path.Combine(work, string.IsNullOrWhiteSpace(name) ? "submission.zip" : name);
            await using (var source = store.Open(hash))
            await using (var target = File.Create(file))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }

            var found = new List<ReadProblem>();
            IReadOnlyList<SourceFile> files;
            if (file.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase))
            {
                string folder = Path.Combine(work, "unpacked");
                Directory.CreateDirectory(folder);
                await using (var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress))
                {
                    await TarFile.ExtractToDirectoryAsync(gzip, folder, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
                }

                files = SubmissionReader.ReadSources(folder, found);
            }
            else
            {
                files = SubmissionReader.ReadSources(file, found);
            }

            problems.AddRange(found.Select(p => new ReadProblem(Label(submission), p.Message.Replace(work, "", StringComparison.Ordinal))));
            return files;
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            problems.Add(new ReadProblem(Label(submission), $"cannot be read: {error.Message.Replace(work, "", StringComparison.Ordinal)}"));
            return [];
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string Key(string assignmentId, SimilarityOptions options, IReadOnlyList<ComparedSubmission> compared, IReadOnlyList<SubmissionSource> sources, IReadOnlyList<SourceFile> starter)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{assignmentId}\n{options}\n");
        foreach (var c in compared.Where(c => !c.IsArchived))
        {
            text.Append(CultureInfo.InvariantCulture, $"{c.Id} {c.SubmissionId} {c.ContentHash}\n");
        }

        // Archived and starter sources have no content hash of their own: their text stands in for one.
        foreach (var archived in sources.Where(s => s.IsArchived).Concat([new SubmissionSource("starter", starter)]))
        {
            text.Append(archived.Id).Append('\n');
            foreach (var file in archived.Files)
            {
                text.Append(file.Path).Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(file.Text)))).Append('\n');
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static void WriteAtomically(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }
}

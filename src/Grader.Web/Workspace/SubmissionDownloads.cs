using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using Grader.Core.Grading;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Grader.Web.Export;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Workspace;

/// <summary>
/// Submissions as files: one as it was handed in (its stored bytes, never a path from the request), and an assignment's
/// submissions that count as one zip, <c>netid/&lt;file&gt;</c> and <c>netid/report.json</c> plus <c>scores.csv</c>,
/// written entry by entry straight to the response so a class of any size is never held in memory.
/// </summary>
public sealed partial class SubmissionDownloads(GraderDbContext db, CourseCatalog course, SubmissionStore store, Gradebook gradebook)
{
    /// <summary>The stored bytes of a submission, or null when they are missing from the store.</summary>
    public Stream? Open(SubmissionRecord submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        return ContentHash.TryParse(submission.ContentHash, out var hash) && store.Exists(hash) ? store.Open(hash) : null;
    }

    /// <summary>The content type the stored bytes are served with, from the kind of file the intake accepted.</summary>
    public static string ContentTypeOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".zip" => "application/zip",
        ".gz" or ".tgz" => "application/gzip",
        ".ipynb" => "application/x-ipynb+json",
        ".cs" or ".csx" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    /// <summary>A name safe in a zip entry and a Content-Disposition: letters, digits, '.', '-', '_' only, never "." or "..".</summary>
    public static string SafeFileName(string name, string fallback)
    {
        string cleaned = UnsafeFileNameCharacters().Replace(Path.GetFileName(name.Replace('\\', '/')), "_").Trim('.');
        if (cleaned.Length > 100)
        {
            cleaned = cleaned[^100..];
        }

        return cleaned.Length == 0 ? fallback : cleaned;
    }

    /// <summary>The grades of <paramref name="assignmentId"/> whose submission counts, by the engine's counting rule.</summary>
    /// <exception cref="GradingInputException">The engine refuses the course's facts (the gradebook page says why).</exception>
    public async Task<IReadOnlyList<(AssignmentGrade Grade, SubmissionRecord Submission)>> CountingAsync(string assignmentId, CancellationToken cancellationToken)
    {
        var grades = (await gradebook.GradeAllAsync(cancellationToken).ConfigureAwait(false))
            .SelectMany(g => g.Components).Select(c => c.Assignment)
            .Where(a => a.AssignmentId == assignmentId && a.Counting is not null)
            .ToList();
        var ids = grades.Select(g => long.TryParse(g.Counting!.Counted.Submission.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id) ? id : -1)
            .Where(id => id > 0).Distinct().ToList();
        var submissions = await db.Submissions.AsNoTracking().Where(s => ids.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken).ConfigureAwait(false);
        return [.. grades
            .Select(g => (Grade: g, Submission: long.TryParse(g.Counting!.Counted.Submission.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id)
                ? submissions.GetValueOrDefault(id) : null))
            .Where(row => row.Submission is not null)
            .Select(row => (row.Grade, row.Submission!))
            .OrderBy(row => row.Grade.SubmitterId, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Writes the zip of an assignment's counting submissions to <paramref name="output"/> (a response body: written
    /// forward only, one stored file copied at a time).
    /// </summary>
    public async Task WriteAssignmentZipAsync(string assignmentId, IReadOnlyList<(AssignmentGrade Grade, SubmissionRecord Submission)> counting, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counting);
        var folders = counting.Select(row => row.Submission).DistinctBy(s => s.Id)
            .ToDictionary(s => s.Id, s => SafeFileName(s.SubmitterId, $"submission-{s.Id}"));
        var archive = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        await using (archive.ConfigureAwait(false))
        {
            string csv = GradebookCsv.AssignmentScores(course.Tree, counting.Select(row =>
                (row.Grade, row.Submission.Id, folders[row.Submission.Id], SafeFileName(row.Submission.OriginalFileName, "submission"))));
            await WriteEntryAsync(archive, "scores.csv", new MemoryStream(Encoding.UTF8.GetBytes(csv)), cancellationToken).ConfigureAwait(false);
            foreach (var submission in counting.Select(row => row.Submission).DistinctBy(s => s.Id))
            {
                string folder = folders[submission.Id];
                var content = Open(submission);
                if (content is null)
                {
                    await WriteEntryAsync(archive, $"{folder}/MISSING.txt",
                        new MemoryStream(Encoding.UTF8.GetBytes($"The bytes of submission #{submission.Id} ({submission.ContentHash}) are missing from the store.\n")), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await WriteEntryAsync(archive, $"{folder}/{SafeFileName(submission.OriginalFileName, "submission")}", content, cancellationToken).ConfigureAwait(false);
                }

                string? report = await db.GradingRuns.AsNoTracking()
                    .Where(r => r.SubmissionId == submission.Id && r.Status == GradingRunStatus.Succeeded)
                    .OrderByDescending(r => r.Id).Select(r => r.ReportJson).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
                if (report is not null)
                {
                    await WriteEntryAsync(archive, $"{folder}/report.json", new MemoryStream(Encoding.UTF8.GetBytes(report)), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task WriteEntryAsync(ZipArchive archive, string name, Stream content, CancellationToken cancellationToken)
    {
        await using (content.ConfigureAwait(false))
        {
            var entry = archive.CreateEntry(name, CompressionLevel.Fastest);
            var target = await entry.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (target.ConfigureAwait(false))
            {
                await content.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeFileNameCharacters();
}

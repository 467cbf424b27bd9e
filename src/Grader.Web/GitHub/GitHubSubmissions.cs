using Grader.Data.GitHub;
using Grader.GitHub;
using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.GitHub;

/// <summary>
/// Which commit counts for one repository, from the evidence stored so far (<see cref="CommitChoice"/>: the deadline
/// snapshot, or the last push before the student's own deadline, or a late push the policy accepts). Needs no API
/// call: the staff page shows it for every repository, and <see cref="GitHubSubmissions"/> grades it.
/// </summary>
public sealed class GitHubCommitChooser(GraderDbContext db, CourseCatalog course)
{
    public async Task<CommitChoice> ChooseAsync(string assignmentId, string submitterId, string repositoryFullName, string defaultBranch, CancellationToken cancellationToken)
    {
        var tree = course.Tree;
        var assignment = tree.Assignment(assignmentId);
        var extension = await db.Extensions.InForceAsync(submitterId, assignmentId, cancellationToken).ConfigureAwait(false);
        var window = SubmissionWindow.For(tree.Course, assignment, Duration.FromDays(extension?.Days ?? 0));

        var evidence = await db.Set<RepositoryEvidence>().AsNoTracking().Where(e => e.RepositoryFullName == repositoryFullName).ToListAsync(cancellationToken).ConfigureAwait(false);
        var pushes = evidence.Where(e => e.Kind == EvidenceKind.Push)
            .Select(e => new PushEvidence(new DateTimeOffset(e.ReceivedAtUtc, TimeSpan.Zero), e.Ref, e.Before ?? "", e.Sha, e.Forced, e.Pusher, e.DeliveryId ?? ""));
        var snapshot = evidence.Where(e => e.Kind == EvidenceKind.DeadlineSnapshot && e.AssignmentId == assignmentId && e.AsOfUtc is not null)
            .OrderByDescending(e => e.ReceivedAtUtc)
            .Select(e => new DeadlineSnapshot(e.Sha, new DateTimeOffset(e.AsOfUtc!.Value, TimeSpan.Zero), new DateTimeOffset(e.ReceivedAtUtc, TimeSpan.Zero)))
            .FirstOrDefault();
        return CommitChoice.Choose(defaultBranch, pushes, snapshot, window);
    }
}

/// <summary>
/// Turns the stored evidence of one repository into a graded submission: choose the commit that counts
/// (<see cref="GitHubCommitChooser"/>), download the archive at exactly that SHA, record it through
/// <see cref="GradingService.RecordAsync"/> (content-addressed) and queue the run. Recording the same SHA again for
/// the same submitter does nothing.
/// </summary>
public sealed class GitHubSubmissions(GraderDbContext db, GitHubCourseClient github, GitHubCommitChooser chooser, GradingService grading, IGradingQueue queue, IClock clock)
{
    public async Task<(CommitChoice Choice, SubmissionRecord? Submission)> CollectAsync(
        string assignmentId, string submitterId, string owner, string repository, string defaultBranch, CancellationToken cancellationToken)
    {
        var choice = await chooser.ChooseAsync(assignmentId, submitterId, $"{owner}/{repository}", defaultBranch, cancellationToken).ConfigureAwait(false);
        if (choice.Sha is null)
        {
            return (choice, null);
        }

        var existing = await db.Submissions.AsNoTracking()
            .FirstOrDefaultAsync(s => s.AssignmentId == assignmentId && s.SubmitterId == submitterId && s.GitCommit == choice.Sha, cancellationToken).ConfigureAwait(false);
        if (existing is not null)
        {
            return (choice, existing);
        }

        var archive = await github.DownloadArchiveAsync(owner, repository, choice.Sha, ArchiveKind.Tarball, cancellationToken).ConfigureAwait(false);
        var source = choice.Basis == CommitChoiceBasis.DeadlineSnapshot ? SubmissionSource.DeadlineSnapshot : SubmissionSource.GitHubPush;
        // The submission time is the evidence's time (when Grader saw the commit), never the commit's own date.
        var receivedAt = choice.EvidenceAt?.UtcDateTime ?? clock.GetCurrentInstant().ToDateTimeUtc();
        using var content = new MemoryStream(archive.Content, writable: false);
        var (submission, run) = await grading.RecordAsync(assignmentId, submitterId, content, archive.FileName, source, receivedAt, null, choice.Sha, cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(run.Id, cancellationToken).ConfigureAwait(false);
        return (choice, submission);
    }
}

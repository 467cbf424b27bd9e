using System.Globalization;
using Grader.Core.Configuration;
using Grader.Web.Course;
using Grader.Web.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Grading;

/// <summary>
/// The instructor's and TAs' decisions that change grades outside a rubric: extensions, similarity (plagiarism) cases
/// and a team paper's contribution-statement finding. The pages check the role; this checks the facts. Each decision is
/// stored with who made it and when, and is also written to the log under the category "Grader.Audit" (a revoked
/// extension or a dismissed case leaves its trace only there: the data model keeps current state, not history).
/// </summary>
public sealed class StaffDecisions(GraderDbContext db, CourseCatalog course, IClock clock, ILoggerFactory loggers)
{
    /// <summary>The longest extension the form grants; more than this is a different conversation.</summary>
    public const int MaxExtensionDays = 60;

    private readonly ILogger audit = loggers.CreateLogger("Grader.Audit");

    /// <summary>Grants (or changes) an extension for a student or team on an assignment, in whole days added to the local due date.</summary>
    public async Task<ExtensionRecord> GrantExtensionAsync(string submitterId, string assignmentId, int days, string reason, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        submitterId = (submitterId ?? "").Trim();
        var assignment = AssignmentOrReject(assignmentId);
        if (days is < 1 or > MaxExtensionDays)
        {
            throw new ReviewRejectedException($"Days must be a whole number from 1 to {MaxExtensionDays}; got {days}.");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ReviewRejectedException("A reason is required: the student reads it on their assignment page.");
        }

        bool isStudent = await db.Roster.AnyAsync(r => r.Identifier == submitterId, cancellationToken).ConfigureAwait(false);
        bool isTeam = !isStudent && await db.Teams.AnyAsync(t => t.Id == submitterId, cancellationToken).ConfigureAwait(false);
        if (!isStudent && !isTeam)
        {
            throw new ReviewRejectedException($"'{submitterId}' is neither a student on the roster nor a team.");
        }

        var extension = await db.Extensions.SingleOrDefaultAsync(e => e.SubmitterId == submitterId && e.AssignmentId == assignment.Id, cancellationToken).ConfigureAwait(false);
        int? previousDays = extension?.Days;
        if (extension is null)
        {
            extension = new ExtensionRecord { SubmitterId = submitterId, AssignmentId = assignment.Id, Reason = "", GrantedByName = "" };
            db.Extensions.Add(extension);
        }

        extension.Days = days;
        extension.Reason = reason.Trim();
        extension.GrantedByName = by.DisplayName;
        extension.GrantedAtUtc = Now();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} granted {Submitter} {Days} extra days on {Assignment} (was {Previous}): {Reason}",
            by.UserName, submitterId, days, assignment.Id, previousDays?.ToString(CultureInfo.InvariantCulture) ?? "none", extension.Reason);
        return extension;
    }

    public async Task RevokeExtensionAsync(long extensionId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var extension = await db.Extensions.SingleOrDefaultAsync(e => e.Id == extensionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no extension {extensionId}.");
        db.Extensions.Remove(extension);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} revoked the {Days}-day extension of {Submitter} on {Assignment} (granted by {GrantedBy} at {GrantedAt:u}: {Reason})",
            by.UserName, extension.Days, extension.SubmitterId, extension.AssignmentId, extension.GrantedByName, extension.GrantedAtUtc, extension.Reason);
    }

    /// <summary>A TA's suspicion that <paramref name="submissionId"/> copies <paramref name="otherSubmissionId"/>; it changes no grade until confirmed.</summary>
    public async Task<SimilarityCase> OpenSimilarityCaseAsync(long submissionId, long otherSubmissionId, double similarityPercent, string summary, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(summary))
        {
            throw new ReviewRejectedException("A summary is required: say what the two submissions share.");
        }

        if (double.IsNaN(similarityPercent) || similarityPercent is < 0 or > 100)
        {
            throw new ReviewRejectedException($"Similarity is a percent from 0 to 100; got {similarityPercent.ToString(CultureInfo.InvariantCulture)}.");
        }

        var pair = await db.Submissions.AsNoTracking().Where(s => s.Id == submissionId || s.Id == otherSubmissionId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var first = pair.FirstOrDefault(s => s.Id == submissionId) ?? throw new ReviewRejectedException($"There is no submission {submissionId}.");
        var second = pair.FirstOrDefault(s => s.Id == otherSubmissionId) ?? throw new ReviewRejectedException($"There is no submission {otherSubmissionId}.");
        if (first.AssignmentId != second.AssignmentId)
        {
            throw new ReviewRejectedException($"Submission {first.Id} is {first.AssignmentId} and {second.Id} is {second.AssignmentId}: a case compares two submissions of one assignment.");
        }

        if (first.SubmitterId == second.SubmitterId)
        {
            throw new ReviewRejectedException($"Both submissions are {first.SubmitterId}'s own.");
        }

        var opened = new SimilarityCase
        {
            StudentIdentifier = first.SubmitterId,
            OtherStudentIdentifier = second.SubmitterId,
            AssignmentId = first.AssignmentId,
            Similarity = Math.Round(similarityPercent / 100, 4),
            Summary = $"{summary.Trim()} (submissions #{first.Id} and #{second.Id}; opened by {by.DisplayName})",
            OpenedAtUtc = Now(),
        };
        db.SimilarityCases.Add(opened);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} opened similarity case {Case}: {Student} and {Other} on {Assignment}", by.UserName, opened.Id, opened.StudentIdentifier, opened.OtherStudentIdentifier, opened.AssignmentId);
        return opened;
    }

    /// <summary>Confirms a case: from now on the course's plagiarism policy applies to its student on its assignment.</summary>
    public async Task ConfirmSimilarityCaseAsync(long caseId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await CaseOrRejectAsync(caseId, cancellationToken).ConfigureAwait(false);
        found.ConfirmedAtUtc = Now();
        found.ConfirmedByName = by.DisplayName;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} confirmed similarity case {Case}: {Student} on {Assignment}", by.UserName, found.Id, found.StudentIdentifier, found.AssignmentId);
    }

    /// <summary>Dismisses an unconfirmed case: it is removed, and the log keeps what it said.</summary>
    public async Task DismissSimilarityCaseAsync(long caseId, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await CaseOrRejectAsync(caseId, cancellationToken).ConfigureAwait(false);
        db.SimilarityCases.Remove(found);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} dismissed similarity case {Case}: {Student} and {Other} on {Assignment} ({Similarity:P0}): {Summary}",
            by.UserName, found.Id, found.StudentIdentifier, found.OtherStudentIdentifier, found.AssignmentId, found.Similarity, found.Summary);
    }

    /// <summary>Whether a team's paper has contribution statements; without them the course's deduction applies.</summary>
    public async Task RecordContributionFindingAsync(string teamId, bool statementsPresent, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == teamId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no team '{teamId}'.");
        if (!statementsPresent && string.IsNullOrWhiteSpace(note))
        {
            throw new ReviewRejectedException("Say what is missing: the team reads the note next to the deduction.");
        }

        team.ContributionStatementsPresent = statementsPresent;
        team.ContributionNote = $"{(note ?? "").Trim()} ({by.DisplayName}, {Now().ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture)})".TrimStart();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} recorded for team {Team}: contribution statements {Present}", by.UserName, team.Id, statementsPresent ? "present" : "missing");
    }

    private Assignment AssignmentOrReject(string assignmentId) =>
        course.Tree.Assignments.FirstOrDefault(a => a.Id == assignmentId)
        ?? throw new ReviewRejectedException($"There is no assignment '{assignmentId}'.");

    private async Task<SimilarityCase> CaseOrRejectAsync(long caseId, CancellationToken cancellationToken)
    {
        var found = await db.SimilarityCases.SingleOrDefaultAsync(c => c.Id == caseId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no similarity case {caseId}.");
        if (found.ConfirmedAtUtc is not null)
        {
            throw new ReviewRejectedException($"Case {caseId} was confirmed by {found.ConfirmedByName}; a confirmed case is final.");
        }

        return found;
    }

    private DateTime Now() => clock.GetCurrentInstant().ToDateTimeUtc();
}

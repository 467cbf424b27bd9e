using System.Globalization;
using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Grading;

/// <summary>
/// The instructor's and TAs' decisions that change grades outside a rubric: extensions, similarity (plagiarism) cases
/// and a team paper's contribution-statement finding. The pages check the role; this checks the facts. Nothing here
/// deletes a row: a revoked extension and a dismissed case keep who decided, when and why, and the pages show that
/// history. Each decision is also written to the log under the category "Grader.Audit".
/// </summary>
public sealed class StaffDecisions(GraderDbContext db, CourseCatalog course, IClock clock, ILoggerFactory loggers)
{
    /// <summary>The longest extension the form grants; more than this is a different conversation.</summary>
    public const int MaxExtensionDays = 60;

    private readonly ILogger audit = loggers.CreateLogger("Grader.Audit");

    /// <summary>
    /// Grants an extension for a student or team on an assignment, in whole days added to the local due date. An
    /// extension already in force for the same pair is revoked ("changed to N days") and the new one is a new row, so
    /// at most one row per pair is ever unrevoked and the history shows every change.
    /// </summary>
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

        var now = Now();
        var inForce = await db.Extensions.Where(e => e.SubmitterId == submitterId && e.AssignmentId == assignment.Id && e.RevokedAtUtc == null)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var previous in inForce)
        {
            previous.RevokedAtUtc = now;
            previous.RevokedByName = by.DisplayName;
            previous.RevokeReason = $"changed to {days} {(days == 1 ? "day" : "days")}";
        }

        var extension = new ExtensionRecord
        {
            SubmitterId = submitterId,
            AssignmentId = assignment.Id,
            Days = days,
            Reason = reason.Trim(),
            GrantedByName = by.DisplayName,
            GrantedAtUtc = now,
        };
        db.Extensions.Add(extension);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} granted {Submitter} {Days} extra days on {Assignment} (was {Previous}): {Reason}",
            by.UserName, submitterId, days, assignment.Id,
            inForce.Count == 0 ? "none" : string.Join(", ", inForce.Select(e => e.Days.ToString(CultureInfo.InvariantCulture))), extension.Reason);
        return extension;
    }

    /// <summary>Takes an extension back: the row stays, stamped with who revoked it, when and why.</summary>
    public async Task<ExtensionRecord> RevokeExtensionAsync(long extensionId, string reason, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var extension = await db.Extensions.SingleOrDefaultAsync(e => e.Id == extensionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no extension {extensionId}.");
        if (extension.RevokedAtUtc is not null)
        {
            throw new ReviewRejectedException($"Extension {extensionId} was already revoked by {extension.RevokedByName} ({extension.RevokeReason}).");
        }

        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ReviewRejectedException("Say why the extension is revoked: the reason stays in its history.");
        }

        extension.RevokedAtUtc = Now();
        extension.RevokedByName = by.DisplayName;
        extension.RevokeReason = reason.Trim();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} revoked the {Days}-day extension of {Submitter} on {Assignment} (granted by {GrantedBy} at {GrantedAt:u}: {Reason}): {RevokeReason}",
            by.UserName, extension.Days, extension.SubmitterId, extension.AssignmentId, extension.GrantedByName, extension.GrantedAtUtc, extension.Reason, extension.RevokeReason);
        return extension;
    }

    /// <summary>
    /// A TA's suspicion that <paramref name="submissionId"/> copies <paramref name="otherSubmissionId"/> (or shares code
    /// with it); it changes no grade until an instructor confirms it. The case is against the first submission's student.
    /// </summary>
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

        // The plagiarism policy applies to a student; a team's submission needs a case per member.
        if (!await db.Roster.AnyAsync(r => r.Identifier == first.SubmitterId, cancellationToken).ConfigureAwait(false))
        {
            throw new ReviewRejectedException($"Submission {first.Id} is by '{first.SubmitterId}', who is not a student on the roster; open the case against a student.");
        }

        bool alreadyOpen = await db.SimilarityCases.AnyAsync(c => c.StudentIdentifier == first.SubmitterId && c.AssignmentId == first.AssignmentId
            && c.SubmissionId == first.Id && c.OtherSubmissionId == second.Id && c.ConfirmedAtUtc == null && c.DismissedAtUtc == null, cancellationToken).ConfigureAwait(false);
        if (alreadyOpen)
        {
            throw new ReviewRejectedException($"A case against {first.SubmitterId} for submissions #{first.Id} and #{second.Id} is already open.");
        }

        var opened = new SimilarityCase
        {
            StudentIdentifier = first.SubmitterId,
            OtherStudentIdentifier = second.SubmitterId,
            AssignmentId = first.AssignmentId,
            Similarity = Math.Round(similarityPercent / 100, 4),
            Summary = summary.Trim(),
            OpenedAtUtc = Now(),
            OpenedByName = by.DisplayName,
            SubmissionId = first.Id,
            OtherSubmissionId = second.Id,
        };
        db.SimilarityCases.Add(opened);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} opened similarity case {Case}: {Student} (#{Submission}) and {Other} (#{OtherSubmission}) on {Assignment}",
            by.UserName, opened.Id, opened.StudentIdentifier, first.Id, opened.OtherStudentIdentifier, second.Id, opened.AssignmentId);
        return opened;
    }

    /// <summary>
    /// A TA's suspicion that <paramref name="submissionId"/> copies a previous year's submission
    /// (<paramref name="archivedId"/>, as the similarity report names it, e.g. <c>2025/ab1234</c>).
    /// </summary>
    public async Task<SimilarityCase> OpenArchiveSimilarityCaseAsync(long submissionId, string archivedId, double similarityPercent, string summary, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(archivedId))
        {
            throw new ReviewRejectedException("Name the previous year's submission the case compares with.");
        }

        if (string.IsNullOrWhiteSpace(summary))
        {
            throw new ReviewRejectedException("A summary is required: say what the two submissions share.");
        }

        if (double.IsNaN(similarityPercent) || similarityPercent is < 0 or > 100)
        {
            throw new ReviewRejectedException($"Similarity is a percent from 0 to 100; got {similarityPercent.ToString(CultureInfo.InvariantCulture)}.");
        }

        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no submission {submissionId}.");
        if (!await db.Roster.AnyAsync(r => r.Identifier == submission.SubmitterId, cancellationToken).ConfigureAwait(false))
        {
            throw new ReviewRejectedException($"Submission {submission.Id} is by '{submission.SubmitterId}', who is not a student on the roster; open the case against a student.");
        }

        archivedId = archivedId.Trim();
        bool alreadyOpen = await db.SimilarityCases.AnyAsync(c => c.SubmissionId == submission.Id && c.OtherSubmissionId == null && c.OtherStudentIdentifier == archivedId
            && c.ConfirmedAtUtc == null && c.DismissedAtUtc == null, cancellationToken).ConfigureAwait(false);
        if (alreadyOpen)
        {
            throw new ReviewRejectedException($"A case against {submission.SubmitterId} for submission #{submission.Id} and {archivedId} is already open.");
        }

        var opened = new SimilarityCase
        {
            StudentIdentifier = submission.SubmitterId,
            OtherStudentIdentifier = archivedId,
            AssignmentId = submission.AssignmentId,
            Similarity = Math.Round(similarityPercent / 100, 4),
            Summary = summary.Trim(),
            OpenedAtUtc = Now(),
            OpenedByName = by.DisplayName,
            SubmissionId = submission.Id,
        };
        db.SimilarityCases.Add(opened);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} opened similarity case {Case}: {Student} (#{Submission}) and the archived {Archived} on {Assignment}",
            by.UserName, opened.Id, opened.StudentIdentifier, submission.Id, archivedId, opened.AssignmentId);
        return opened;
    }

    /// <summary>The open case the instructor is about to confirm, or why it cannot be: asked before the confirmation step.</summary>
    public Task<SimilarityCase> CaseToConfirmAsync(long caseId, string note, CancellationToken cancellationToken) =>
        UndecidedCaseOrRejectAsync(caseId, note, "confirmed", cancellationToken);

    /// <summary>
    /// Confirms a case: from now on the course's plagiarism policy applies to its student on its assignment. The page
    /// asks first, showing what the policy engine will make of it (<see cref="Gradebook.IfConfirmedAsync"/>).
    /// </summary>
    public async Task ConfirmSimilarityCaseAsync(long caseId, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await UndecidedCaseOrRejectAsync(caseId, note, "confirmed", cancellationToken).ConfigureAwait(false);
        var decision = Record(found, SimilarityCaseDecisionKind.Confirmed, note, by);
        found.ConfirmedAtUtc = decision.AtUtc;
        found.ConfirmedByName = decision.ByName;
        found.DecisionNote = decision.Note;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} confirmed similarity case {Case}: {Student} on {Assignment}: {Note}", by.UserName, found.Id, found.StudentIdentifier, found.AssignmentId, found.DecisionNote);
    }

    /// <summary>Dismisses an undecided case: it stays on record, stamped with who dismissed it, when and why; no grade changes.</summary>
    public async Task DismissSimilarityCaseAsync(long caseId, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await UndecidedCaseOrRejectAsync(caseId, note, "dismissed", cancellationToken).ConfigureAwait(false);
        var decision = Record(found, SimilarityCaseDecisionKind.Dismissed, note, by);
        found.DismissedAtUtc = decision.AtUtc;
        found.DismissedByName = decision.ByName;
        found.DecisionNote = decision.Note;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} dismissed similarity case {Case}: {Student} and {Other} on {Assignment} ({Similarity:P0}): {Note}",
            by.UserName, found.Id, found.StudentIdentifier, found.OtherStudentIdentifier, found.AssignmentId, found.Similarity, found.DecisionNote);
    }

    /// <summary>
    /// Takes a confirmation back to an open case (new evidence, a hearing pending): the plagiarism policy stops applying
    /// until the case is decided again. The confirmation stays in the case's history.
    /// </summary>
    public async Task ReopenSimilarityCaseAsync(long caseId, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await ConfirmedCaseOrRejectAsync(caseId, note, "reopened", cancellationToken).ConfigureAwait(false);
        Record(found, SimilarityCaseDecisionKind.Reopened, note, by);
        found.ConfirmedAtUtc = null;
        found.ConfirmedByName = null;
        found.DecisionNote = note.Trim();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} reopened confirmed similarity case {Case}: {Student} on {Assignment}: {Note}", by.UserName, found.Id, found.StudentIdentifier, found.AssignmentId, note.Trim());
    }

    /// <summary>
    /// Overturns a confirmation (an appeal upheld): the case is closed as not plagiarism and the policy's consequence is
    /// lifted. The confirmation stays in the case's history.
    /// </summary>
    public async Task OverturnSimilarityCaseAsync(long caseId, string note, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var found = await ConfirmedCaseOrRejectAsync(caseId, note, "overturned", cancellationToken).ConfigureAwait(false);
        var decision = Record(found, SimilarityCaseDecisionKind.Overturned, note, by);
        found.ConfirmedAtUtc = null;
        found.ConfirmedByName = null;
        found.DismissedAtUtc = decision.AtUtc;
        found.DismissedByName = decision.ByName;
        found.DecisionNote = decision.Note;
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} overturned the confirmation of similarity case {Case}: {Student} on {Assignment}: {Note}", by.UserName, found.Id, found.StudentIdentifier, found.AssignmentId, found.DecisionNote);
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

    /// <summary>
    /// Makes one submission the one that counts for its submitter, whatever the counting rule says. A choice already in
    /// force for the pair is revoked ("replaced") and the new one is a new row, so the history shows every change.
    /// </summary>
    public async Task<CountingChoiceRecord> ChooseCountingSubmissionAsync(long submissionId, string reason, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no submission {submissionId}.");
        AssignmentOrReject(submission.AssignmentId);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ReviewRejectedException("A reason is required: the student reads it beside the grade.");
        }

        var now = Now();
        var inForce = await db.CountingChoices.Where(c => c.SubmitterId == submission.SubmitterId && c.AssignmentId == submission.AssignmentId && c.RevokedAtUtc == null)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var previous in inForce)
        {
            previous.RevokedAtUtc = now;
            previous.RevokedByName = by.DisplayName;
            previous.RevokeReason = $"replaced by a choice of submission {submissionId}";
        }

        var choice = new CountingChoiceRecord
        {
            AssignmentId = submission.AssignmentId,
            SubmitterId = submission.SubmitterId,
            SubmissionId = submission.Id,
            Reason = reason.Trim(),
            ByUserId = by.Id,
            ByName = by.DisplayName,
            AtUtc = now,
        };
        db.CountingChoices.Add(choice);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} chose submission {Submission} to count for {Submitter} on {Assignment}: {Reason}",
            by.UserName, submission.Id, submission.SubmitterId, submission.AssignmentId, choice.Reason);
        return choice;
    }

    /// <summary>Takes a staff choice back: the course's counting rule decides again. The row stays, stamped.</summary>
    public async Task RevokeCountingChoiceAsync(string submitterId, string assignmentId, string reason, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new ReviewRejectedException("A reason is required to go back to the course's rule.");
        }

        var inForce = await db.CountingChoices.Where(c => c.SubmitterId == submitterId && c.AssignmentId == assignmentId && c.RevokedAtUtc == null)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (inForce.Count == 0)
        {
            throw new ReviewRejectedException($"No staff choice is in force for {submitterId} on {assignmentId}.");
        }

        foreach (var choice in inForce)
        {
            choice.RevokedAtUtc = Now();
            choice.RevokedByName = by.DisplayName;
            choice.RevokeReason = reason.Trim();
        }

        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        audit.LogInformation("{By} took back the staff choice for {Submitter} on {Assignment}: {Reason}", by.UserName, submitterId, assignmentId, reason.Trim());
    }

    private Assignment AssignmentOrReject(string assignmentId) =>
        course.Tree.Assignments.FirstOrDefault(a => a.Id == assignmentId)
        ?? throw new ReviewRejectedException($"There is no assignment '{assignmentId}'.");

    private async Task<SimilarityCase> UndecidedCaseOrRejectAsync(long caseId, string note, string decision, CancellationToken cancellationToken)
    {
        var found = await CaseOrRejectAsync(caseId, note, decision, cancellationToken).ConfigureAwait(false);
        if (found.ConfirmedAtUtc is not null)
        {
            throw new ReviewRejectedException($"Case {caseId} was confirmed by {found.ConfirmedByName}; reopen or overturn it instead.");
        }

        if (found.DismissedAtUtc is not null)
        {
            throw new ReviewRejectedException($"Case {caseId} was closed by {found.DismissedByName}; a closed case is final (open a new one if there is new evidence).");
        }

        return found;
    }

    private async Task<SimilarityCase> ConfirmedCaseOrRejectAsync(long caseId, string note, string decision, CancellationToken cancellationToken)
    {
        var found = await CaseOrRejectAsync(caseId, note, decision, cancellationToken).ConfigureAwait(false);
        if (found.ConfirmedAtUtc is null)
        {
            throw new ReviewRejectedException($"Case {caseId} is not confirmed; only a confirmed case can be {decision}.");
        }

        return found;
    }

    private async Task<SimilarityCase> CaseOrRejectAsync(long caseId, string note, string decision, CancellationToken cancellationToken)
    {
        var found = await db.SimilarityCases.SingleOrDefaultAsync(c => c.Id == caseId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no similarity case {caseId}.");
        if (string.IsNullOrWhiteSpace(note))
        {
            throw new ReviewRejectedException($"A note is required to have case {caseId} {decision}: it stays with the case.");
        }

        return found;
    }

    /// <summary>Adds the decision to the case's history (saved with the caller's change to the case).</summary>
    private SimilarityCaseDecision Record(SimilarityCase decided, SimilarityCaseDecisionKind kind, string note, AppUser by)
    {
        var decision = new SimilarityCaseDecision { CaseId = decided.Id, Kind = kind, ByName = by.DisplayName, AtUtc = Now(), Note = note.Trim() };
        db.SimilarityCaseDecisions.Add(decision);
        return decision;
    }

    private DateTime Now() => clock.GetCurrentInstant().ToDateTimeUtc();
}

/// <summary>
/// Which rows of the never-deleted history count now. Every reader of extensions and similarity cases goes through
/// these, so "in force" means the same thing on every page, in the gradebook and in the GitHub commit choice.
/// </summary>
public static class DecisionHistory
{
    /// <summary>Extensions not revoked. Filter further by submitter and assignment, then take <see cref="NewestPerSubmitterAndAssignment"/>.</summary>
    public static IQueryable<ExtensionRecord> Unrevoked(this IQueryable<ExtensionRecord> extensions) =>
        extensions.Where(e => e.RevokedAtUtc == null);

    /// <summary>The newest unrevoked extension per (submitter, assignment): the one in force.</summary>
    public static IReadOnlyList<ExtensionRecord> NewestPerSubmitterAndAssignment(this IEnumerable<ExtensionRecord> extensions) =>
        extensions.Where(e => e.RevokedAtUtc is null)
            .GroupBy(e => (e.SubmitterId, e.AssignmentId))
            .Select(g => g.OrderByDescending(e => e.GrantedAtUtc).ThenByDescending(e => e.Id).First())
            .ToList();

    /// <summary>The extension in force for one submitter on one assignment, or null.</summary>
    public static async Task<ExtensionRecord?> InForceAsync(this IQueryable<ExtensionRecord> extensions, string submitterId, string assignmentId, CancellationToken cancellationToken)
    {
        var rows = await extensions.AsNoTracking().Unrevoked().Where(e => e.SubmitterId == submitterId && e.AssignmentId == assignmentId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.NewestPerSubmitterAndAssignment().FirstOrDefault();
    }

    /// <summary>The newest unrevoked staff choice per (submitter, assignment): the one in force.</summary>
    public static IReadOnlyList<CountingChoiceRecord> InForce(this IEnumerable<CountingChoiceRecord> choices) =>
        choices.Where(c => c.RevokedAtUtc is null)
            .GroupBy(c => (c.SubmitterId, c.AssignmentId))
            .Select(g => g.OrderByDescending(c => c.AtUtc).ThenByDescending(c => c.Id).First())
            .ToList();

    /// <summary>Cases that may still change a grade: not dismissed (the engine then counts only the confirmed ones).</summary>
    public static IQueryable<SimilarityCase> NotDismissed(this IQueryable<SimilarityCase> cases) =>
        cases.Where(c => c.DismissedAtUtc == null);

    /// <summary>Whether a case is still waiting for the instructor.</summary>
    public static bool IsUndecided(this SimilarityCase similarityCase)
    {
        ArgumentNullException.ThrowIfNull(similarityCase);
        return similarityCase.ConfirmedAtUtc is null && similarityCase.DismissedAtUtc is null;
    }
}

using Grader.Data.Grading;
using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Data;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Grading;

/// <summary>A decision the rules refuse, with a message for the form.</summary>
public sealed class ReviewRejectedException(string message) : Exception(message)
{
    public ReviewRejectedException()
        : this("refused")
    {
    }

    public ReviewRejectedException(string message, Exception innerException)
        : this(message + " " + innerException?.Message)
    {
    }
}

/// <summary>TA decisions and student requests about a submission. Every decision is a new row; nothing is overwritten.</summary>
/// <remarks>After a decision is saved the <see cref="IGradingFeedbackSink"/>s hear of it (GitHub feedback is posted again).</remarks>
public sealed class ReviewService(
    GraderDbContext db, Gradebook gradebook, CourseCatalog course, IClock clock,
    IEnumerable<IGradingFeedbackSink>? feedbackSinks = null, ILogger<ReviewService>? logger = null)
{
    /// <summary>Records a TA's points for an item, with the points it had before; the rubric's rules are checked first.</summary>
    public async Task<ItemOverride> OverrideAsync(long submissionId, string itemId, decimal newPoints, string comment, AppUser by, CancellationToken cancellationToken)
    {
        var decision = await RecordOverrideAsync(submissionId, itemId, newPoints, comment, by, cancellationToken).ConfigureAwait(false);
        await NotifyAsync(submissionId, cancellationToken).ConfigureAwait(false);
        return decision;
    }

    // Sinks are told only once the decision is committed: they read it back from the database (and may queue a job in it).
    private Task NotifyAsync(long submissionId, CancellationToken cancellationToken) =>
        GradeChangeNotifier.NotifyAsync(feedbackSinks ?? [], submissionId, GradeChange.TaOverride, logger ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, cancellationToken);

    private async Task<ItemOverride> RecordOverrideAsync(long submissionId, string itemId, decimal newPoints, string comment, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(comment))
        {
            throw new ReviewRejectedException("A comment is required: the student reads it next to the new points.");
        }

        var view = await gradebook.ViewAsync(submissionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no submission {submissionId}.");
        var rubric = course.Tree.RubricFor(view.Submission.AssignmentId);
        var current = view.Rubric.Items.FirstOrDefault(i => i.Item.Id == itemId)
            ?? throw new ReviewRejectedException($"Rubric '{rubric.AssignmentId}' has no item '{itemId}'.");

        // The engine's own rules (range, all-or-nothing) decide whether these points are possible.
        try
        {
            RubricScorer.Score(rubric, [new TaScore(itemId, newPoints, comment, by.DisplayName)]);
        }
        catch (GradingInputException refused)
        {
            throw new ReviewRejectedException(refused.Message);
        }

        var decision = new ItemOverride
        {
            SubmissionId = submissionId,
            ItemId = itemId,
            OldPoints = current.IsPending ? null : current.Points,
            NewPoints = newPoints,
            Comment = comment.Trim(),
            ByUserId = by.Id,
            ByName = by.DisplayName,
            AtUtc = clock.GetCurrentInstant().ToDateTimeUtc(),
        };
        db.ItemOverrides.Add(decision);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return decision;
    }

    /// <summary>
    /// The submissions of the same assignment whose latest successful run gave <paramref name="itemId"/> the very same
    /// reason text as <paramref name="submissionId"/>'s (itself included), by id.
    /// </summary>
    public async Task<IReadOnlyList<long>> SubmissionsWithSameResultAsync(long submissionId, string itemId, CancellationToken cancellationToken)
    {
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no submission {submissionId}.");
        var results = await LatestResultsOfAsync(submission.AssignmentId, itemId, cancellationToken).ConfigureAwait(false);
        if (!results.TryGetValue(submissionId, out var own) || string.IsNullOrWhiteSpace(own.Reason))
        {
            throw new ReviewRejectedException($"Submission {submissionId} has no check result with a reason for item '{itemId}' to match.");
        }

        return results.Where(r => string.Equals(r.Value.Reason, own.Reason, StringComparison.Ordinal)).Select(r => r.Key).Order().ToList();
    }

    /// <summary>
    /// "Apply to all with this result": the same points and comment for <paramref name="itemId"/> on every submission
    /// that <see cref="SubmissionsWithSameResultAsync"/> finds, each recorded as its own decision (with its own old
    /// points). All or none: one refused decision records nothing.
    /// </summary>
    public async Task<IReadOnlyList<ItemOverride>> OverrideAllWithSameResultAsync(long submissionId, string itemId, decimal newPoints, string comment, AppUser by, CancellationToken cancellationToken)
    {
        var targets = await SubmissionsWithSameResultAsync(submissionId, itemId, cancellationToken).ConfigureAwait(false);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var decisions = new List<ItemOverride>();
        foreach (long target in targets)
        {
            decisions.Add(await RecordOverrideAsync(target, itemId, newPoints, comment, by, cancellationToken).ConfigureAwait(false));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (long target in targets)
        {
            await NotifyAsync(target, cancellationToken).ConfigureAwait(false);
        }

        return decisions;
    }

    // Submission id -> its latest successful run's result for the item, over one assignment.
    private async Task<Dictionary<long, RubricItemResult>> LatestResultsOfAsync(string assignmentId, string itemId, CancellationToken cancellationToken)
    {
        var runs = await db.GradingRuns.AsNoTracking()
            .Where(r => r.Status == GradingRunStatus.Succeeded && db.Submissions.Any(s => s.Id == r.SubmissionId && s.AssignmentId == assignmentId))
            .Include(r => r.Items.Where(i => i.ItemId == itemId))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return runs.GroupBy(r => r.SubmissionId)
            .Select(g => g.OrderByDescending(r => r.Id).First())
            .Where(r => r.Items.Count == 1)
            .ToDictionary(r => r.SubmissionId, r => r.Items[0]);
    }

    public async Task<RegradeRequest> RequestRegradeAsync(long submissionId, string? itemId, string message, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(message))
        {
            throw new ReviewRejectedException("Say what you think was graded wrongly.");
        }

        var submission = await db.Submissions.AsNoTracking().SingleAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false);
        if (itemId is not null && course.Tree.RubricFor(submission.AssignmentId).Item(itemId) is null)
        {
            throw new ReviewRejectedException($"Rubric '{submission.AssignmentId}' has no item '{itemId}'.");
        }

        var request = new RegradeRequest
        {
            SubmissionId = submissionId,
            ItemId = itemId,
            Message = message.Trim(),
            RequestedByUserId = by.Id,
            RequestedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc(),
            Status = RegradeStatus.Open,
        };
        db.RegradeRequests.Add(request);
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        return request;
    }

    public async Task ResolveRegradeAsync(long requestId, string response, AppUser by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(by);
        if (string.IsNullOrWhiteSpace(response))
        {
            throw new ReviewRejectedException("A response is required: the student reads it.");
        }

        var request = await db.RegradeRequests.SingleOrDefaultAsync(r => r.Id == requestId, cancellationToken).ConfigureAwait(false)
            ?? throw new ReviewRejectedException($"There is no regrade request {requestId}.");
        request.Status = RegradeStatus.Resolved;
        request.Response = response.Trim();
        request.ResolvedByName = by.DisplayName;
        request.ResolvedAtUtc = clock.GetCurrentInstant().ToDateTimeUtc();
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
    }
}

using Grader.Core.Grading;
using Grader.Web.Course;
using Grader.Web.Data;
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
public sealed class ReviewService(GraderDbContext db, Gradebook gradebook, CourseCatalog course, IClock clock)
{
    /// <summary>Records a TA's points for an item, with the points it had before; the rubric's rules are checked first.</summary>
    public async Task<ItemOverride> OverrideAsync(long submissionId, string itemId, decimal newPoints, string comment, AppUser by, CancellationToken cancellationToken)
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

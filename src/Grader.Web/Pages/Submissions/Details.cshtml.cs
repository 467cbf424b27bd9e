using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Grader.Web.Pages;

namespace Grader.Web.Pages.Submissions;

/// <summary>
/// One submission: score per rubric item with its reason, TA decisions, late status, compiler messages, policy findings,
/// the run log. Students see their own (others answer 404); staff see all and may override items.
/// </summary>
public sealed class DetailsModel(Gradebook gradebook, SubmissionAccess access, ReviewService review, GradingService grading,
    IGradingQueue queue, UserManager<AppUser> users, StaffDecisions decisions) : PageModel, IRedisplaysInvalidInput
{
    public SubmissionView View { get; private set; } = null!;

    public bool IsStaff => SubmissionAccess.IsStaff(User);

    public bool IsOwner { get; private set; }

    [BindProperty]
    public string ItemId { get; set; } = "";

    [BindProperty]
    public decimal Points { get; set; }

    [BindProperty]
    public string Comment { get; set; } = "";

    [BindProperty]
    public string Message { get; set; } = "";

    /// <summary>"Apply to all with this result": the override goes to every submission whose check gave the same reason.</summary>
    [BindProperty]
    public bool ApplyToSameResult { get; set; }

    /// <summary>Staff only: per checked item, how many submissions of this assignment share its result (itself included).</summary>
    public IReadOnlyDictionary<string, int> SameResultCounts { get; private set; } = new Dictionary<string, int>();

    /// <summary>What a staff action just did (a bulk override's count, feedback queued), shown once after the redirect.</summary>
    [TempData]
    public string? StaffNotice { get; set; }

    /// <summary>Staff: the submission came from a GitHub commit, so its feedback can be posted there again.</summary>
    public bool HasGitHubFeedback => View.Submission is { GitCommit: not null, Source: SubmissionSource.GitHubPush or SubmissionSource.DeadlineSnapshot };

    [BindProperty]
    public long RequestId { get; set; }

    /// <summary>Staff: this submission is late and another one counts, so counting it means accepting a late upload.</summary>
    public bool AcceptsLateUpload => View.Late.IsLate && !View.Counts && View.Counting is not null;

    /// <summary>Why staff choose this submission to count, or go back to the course's rule.</summary>
    [BindProperty]
    public string CountingReason { get; set; } = "";

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken) =>
        RouteData.Values["id"] is { } raw && long.TryParse(raw.ToString(), System.Globalization.CultureInfo.InvariantCulture, out long id) && await LoadAsync(id, cancellationToken)
            ? Page()
            : NotFound();

    public async Task<IActionResult> OnPostOverrideAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        if (ApplyToSameResult)
        {
            return await DecideAsync(id, async by =>
            {
                var decisions = await review.OverrideAllWithSameResultAsync(id, ItemId, Points, Comment, by, cancellationToken);
                StaffNotice = $"Recorded on {decisions.Count} submission(s) with the same result for {ItemId}.";
            }, cancellationToken);
        }

        return await DecideAsync(id, async by => await review.OverrideAsync(id, ItemId, Points, Comment, by, cancellationToken), cancellationToken);
    }

    public async Task<IActionResult> OnPostRegradeAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsOwner)
        {
            return Forbid();
        }

        return await DecideAsync(id, async by => await review.RequestRegradeAsync(id, string.IsNullOrEmpty(ItemId) ? null : ItemId, Message, by, cancellationToken), cancellationToken);
    }

    public async Task<IActionResult> OnPostResolveAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        return await DecideAsync(id, async by => await review.ResolveRegradeAsync(RequestId, Message, by, cancellationToken), cancellationToken);
    }

    public async Task<IActionResult> OnPostRerunAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        var run = await grading.RequeueAsync(id, cancellationToken);
        await queue.EnqueueAsync(run.Id, cancellationToken);
        return Redirect($"/Submissions/{id}");
    }

    /// <summary>Staff: this submission counts for its submitter, whatever the counting rule says (recorded, reversible).</summary>
    public async Task<IActionResult> OnPostChooseAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        return await DecideAsync(id, async by => await decisions.ChooseCountingSubmissionAsync(id, CountingReason, by, cancellationToken), cancellationToken);
    }

    /// <summary>Staff: takes the staff choice back, so the course's counting rule decides again.</summary>
    public async Task<IActionResult> OnPostUnchooseAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        return await DecideAsync(id, async by => await decisions.RevokeCountingChoiceAsync(View.Submission.SubmitterId, View.Submission.AssignmentId, CountingReason, by, cancellationToken),
            cancellationToken);
    }

    /// <summary>Staff: posts the commit status and comment again as the grade stands now (GitHub edits the comment in place).</summary>
    public async Task<IActionResult> OnPostRepostFeedbackAsync(long id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }

        if (!IsStaff)
        {
            return Forbid();
        }

        if (!HasGitHubFeedback)
        {
            ModelState.AddModelError(string.Empty, "This submission was not taken from a GitHub commit, so there is no feedback to post there.");
            return Page();
        }

        await grading.NotifyGradeChangedAsync(id, GradeChange.FeedbackRequested, cancellationToken);
        StaffNotice = "The GitHub feedback (commit status and comment) is queued to be posted again.";
        return Redirect($"/Submissions/{id}");
    }

    private async Task<IActionResult> DecideAsync(long id, Func<AppUser, Task> decide, CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null)
        {
            return Forbid();
        }

        try
        {
            await decide(by);
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
            await LoadAsync(id, cancellationToken);
            return Page();
        }

        return Redirect($"/Submissions/{id}");
    }

    private async Task<bool> LoadAsync(long id, CancellationToken cancellationToken)
    {
        if (!await access.CanSeeAsync(User, id, cancellationToken) || await gradebook.ViewAsync(id, cancellationToken) is not { } view)
        {
            return false;
        }

        View = view;
        IsOwner = (await access.SubmitterIdsOfAsync(User, cancellationToken)).Contains(view.Submission.SubmitterId);
        if (IsStaff)
        {
            var counts = new Dictionary<string, int>();
            foreach (var item in view.Rubric.Items.Where(i => !string.IsNullOrWhiteSpace(view.ReportItem(i.Item.Id)?.Reason)))
            {
                try
                {
                    counts[item.Item.Id] = (await review.SubmissionsWithSameResultAsync(id, item.Item.Id, cancellationToken)).Count;
                }
                catch (ReviewRejectedException)
                {
                    // The shown report is not the latest successful run's (a rerun is pending): nothing to match.
                }
            }

            SameResultCounts = counts;
        }

        return true;
    }
}

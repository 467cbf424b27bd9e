using System.Globalization;
using Grader.Core.Configuration;
using Grader.Data;
using Grader.Web.Grading;
using Grader.Web.Project;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Ta;

/// <summary>
/// A presentation scored by a panel: each TA enters points per rubric item for each team, on their own. TAs see only
/// their own scores (so nobody anchors on a colleague's); the instructor sees every TA's scores and the spread.
/// </summary>
public sealed class PresentationsModel(PresentationPanel panel, UserManager<AppUser> users, IConfiguration configuration) : PageModel, Grader.Web.Pages.IRedisplaysInvalidInput
{
    /// <summary>The default for flagging an item: TA scores further apart than this percent of the item's points.</summary>
    public const decimal DefaultDisagreementPercent = 25;

    public IReadOnlyList<Assignment> Presentations => panel.Presentations;

    public Assignment? Assignment { get; private set; }

    public IReadOnlyList<PanelSheet> Sheets { get; private set; } = [];

    public bool IsInstructor => User.IsInRole(Roles.Instructor);

    public string MyUserId { get; private set; } = "";

    /// <summary>The disagreement threshold in use, percent of an item's points (<c>?threshold=</c>, else <c>Project:PanelDisagreementPercent</c>).</summary>
    public decimal ThresholdPercent { get; private set; }

    [BindProperty(SupportsGet = true, Name = "assignment")]
    public string? AssignmentId { get; set; }

    [BindProperty(SupportsGet = true, Name = "threshold")]
    public decimal? Threshold { get; set; }

    [BindProperty]
    public string? TeamId { get; set; }

    /// <summary>Points per item id, as typed; a blank one is not scored.</summary>
    [BindProperty]
    public Dictionary<string, string?> Points { get; set; } = [];

    [BindProperty]
    public Dictionary<string, string?> Comments { get; set; } = [];

    [TempData]
    public string? Notice { get; set; }

    /// <summary>The score this TA gave an item of a team, for pre-filling the form.</summary>
    public PanelScore? MyScore(PanelSheet sheet, string itemId) =>
        sheet.Items.First(i => i.Item.Id == itemId).Scores.FirstOrDefault(s => s.ByUserId == MyUserId);

    public Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken) => OnGetAsync(cancellationToken);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        return Page();
    }

    public async Task<IActionResult> OnPostScoreAsync(CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !(User.IsInRole(Roles.Ta) || User.IsInRole(Roles.Instructor)))
        {
            return Forbid();
        }

        try
        {
            var entries = Points.Keys.Union(Comments.Keys).Select(item => new PanelEntry(item, Points.GetValueOrDefault(item), Comments.GetValueOrDefault(item))).ToList();
            int recorded = await panel.RecordAsync(AssignmentId ?? "", TeamId ?? "", entries, by, cancellationToken);
            Notice = recorded == 0 ? $"Nothing changed for team {TeamId}." : $"Recorded {recorded} item score(s) for team {TeamId}.";
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, $"Team {TeamId}: {rejected.Message}");
            return await LoadAsync(cancellationToken) ? Page() : NotFound();
        }

        return RedirectToPage(new { assignment = AssignmentId });
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        MyUserId = users.GetUserId(User) ?? "";
        Assignment = string.IsNullOrEmpty(AssignmentId) ? Presentations.FirstOrDefault() : Presentations.FirstOrDefault(a => a.Id == AssignmentId);
        if (Assignment is null)
        {
            return string.IsNullOrEmpty(AssignmentId);
        }

        AssignmentId = Assignment.Id;
        ThresholdPercent = Threshold is >= 0 and <= 100 ? Threshold.Value
            : configuration.GetValue("Project:PanelDisagreementPercent", DefaultDisagreementPercent);
        Sheets = await panel.SheetsAsync(Assignment.Id, ThresholdPercent, cancellationToken);
        return true;
    }

    public static string Show(decimal? points) => points is { } value ? value.ToString("0.##", CultureInfo.InvariantCulture) : "–";
}

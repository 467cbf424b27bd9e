using Grader.Core.Configuration;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.GitHub;
using Grader.GitHub;
using Grader.Web.GitHub;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Quartz;

namespace Grader.Web.Pages.Instructor.GitHub;

/// <summary>One repository as the evidence shows it: the commit that counts, the force-pushes, what was graded.</summary>
public sealed record RepositoryStatus(string SubmitterId, string Repository, CommitChoice Choice, string? GradedCommit);

/// <summary>
/// One assignment submitted through GitHub: repository discovery (matched, duplicate and unmatched repositories,
/// students or teams without one), provisioning from the template (idempotent: a second run only does what is
/// missing), the deadline snapshot on demand once the deadline has passed, and per repository the commit that counts.
/// </summary>
public sealed class AssignmentModel(
    GraderDbContext db, CourseCatalog course, GitHubRoster roster, GitHubCommitChooser chooser, GitHubOptions options,
    IClock clock, ISchedulerFactory schedulers, IServiceProvider services, UserManager<AppUser> users) : PageModel, Grader.Web.Pages.IRedisplaysInvalidInput
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    [BindProperty]
    public string TemplateRepository { get; set; } = "";

    [BindProperty]
    public bool OpenFeedbackPullRequest { get; set; }

    public Assignment Assignment { get; private set; } = null!;

    public string Prefix { get; private set; } = "";

    public GitHubOptions Options => options;

    public ZonedDateTime Deadline { get; private set; }

    public bool DeadlinePassed { get; private set; }

    public RepositoryDiscovery? Discovery { get; private set; }

    public IReadOnlyList<ProvisioningResult>? Provisioned { get; private set; }

    public IReadOnlyList<RepositoryStatus> Repositories { get; private set; } = [];

    public string? Message { get; private set; }

    public Task<IActionResult> RedisplayAsync(CancellationToken cancellationToken) => OnGetAsync(cancellationToken);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        Load() ?? await ShowAsync(cancellationToken);

    public async Task<IActionResult> OnPostDiscoverAsync(CancellationToken cancellationToken)
    {
        if (await RefuseAsync() is { } refused)
        {
            return refused;
        }

        var github = services.GetRequiredService<GitHubCourseClient>();
        var repositories = await github.ListRepositoriesAsync(options.Organization, cancellationToken);
        Discovery = RepositoryDiscovery.Match(Prefix, repositories, await roster.OwnersAsync(Assignment, cancellationToken));
        return await ShowAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostProvisionAsync(CancellationToken cancellationToken)
    {
        if (await RefuseAsync() is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrWhiteSpace(TemplateRepository))
        {
            ModelState.AddModelError(nameof(TemplateRepository), "Name the template repository the students' repositories are generated from.");
            return await ShowAsync(cancellationToken);
        }

        var plan = new ProvisioningPlan(options.Organization, Prefix, options.Organization, TemplateRepository.Trim(), OpenFeedbackPullRequest);
        var provisioner = new Provisioner(services.GetRequiredService<GitHubCourseClient>());
        Provisioned = await provisioner.ProvisionAsync(plan, await roster.TargetsAsync(Assignment, cancellationToken), cancellationToken);
        return await ShowAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostSnapshotAsync(CancellationToken cancellationToken)
    {
        if (await RefuseAsync() is { } refused)
        {
            return refused;
        }

        if (!DeadlinePassed)
        {
            ModelState.AddModelError(string.Empty, $"The deadline ({Display.Time(Deadline.ToInstant(), Deadline.Zone)}) has not passed on the course clock: a snapshot now would not be the deadline's.");
            return await ShowAsync(cancellationToken);
        }

        await DeadlineSnapshotJob.RunSoonAsync(await schedulers.GetScheduler(cancellationToken), Assignment.Id, attempt: 1, TimeSpan.Zero, cancellationToken);
        Message = "The deadline snapshot is queued: every repository's HEAD is read (unless already read for this deadline), then the commit that counts is collected and graded.";
        return await ShowAsync(cancellationToken);
    }

    /// <summary>Null when the assignment exists and is submitted through GitHub; otherwise the page's answer.</summary>
    private IActionResult? Load()
    {
        var tree = course.Tree;
        var assignment = tree.Assignments.FirstOrDefault(a => a.Id == Id);
        if (assignment?.Submission.RepositoryPrefix is not { } prefix)
        {
            return NotFound($"No assignment '{Id}' is submitted through GitHub.");
        }

        Assignment = assignment;
        Prefix = prefix;
        Deadline = assignment.DueIn(tree.Course.TimeZone);
        DeadlinePassed = Deadline.ToInstant() <= clock.GetCurrentInstant();
        return null;
    }

    private async Task<IActionResult?> RefuseAsync()
    {
        // The folder convention already admits only instructors; this is the second lock on the door.
        var by = await users.GetUserAsync(User);
        if (by is null || !User.IsInRole(Roles.Instructor))
        {
            return Forbid();
        }

        if (Load() is { } notFound)
        {
            return notFound;
        }

        if (options.MissingForApi is { } missing)
        {
            ModelState.AddModelError(string.Empty, missing);
            return await ShowAsync(HttpContext.RequestAborted);
        }

        return null;
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        if (TemplateRepository.Length == 0)
        {
            TemplateRepository = $"{Prefix}-template";
        }

        // Every repository the evidence knows for this prefix, matched to its owner like discovery does.
        string organisation = options.Organization + "/";
        string namePrefix = organisation + Prefix + "-";
        var evidence = await db.Set<RepositoryEvidence>().AsNoTracking()
            .Where(e => e.RepositoryFullName.StartsWith(namePrefix))
            .Select(e => new { e.RepositoryFullName, e.Kind, e.Ref }).ToListAsync(cancellationToken);
        // The default branch is the one the snapshot read; before a snapshot, GitHub's default for new repositories.
        var repositories = evidence.GroupBy(e => e.RepositoryFullName).Select(g => new OrganisationRepository(
            g.Key[organisation.Length..],
            g.FirstOrDefault(e => e.Kind == EvidenceKind.DeadlineSnapshot)?.Ref["refs/heads/".Length..] ?? "main"));
        var known = RepositoryDiscovery.Match(Prefix, repositories, await roster.OwnersAsync(Assignment, cancellationToken));
        var graded = await db.Submissions.AsNoTracking()
            .Where(s => s.AssignmentId == Assignment.Id && s.GitCommit != null)
            .OrderByDescending(s => s.Id)
            .Select(s => new { s.SubmitterId, s.GitCommit })
            .ToListAsync(cancellationToken);
        var statuses = new List<RepositoryStatus>();
        foreach (var match in known.Matches)
        {
            string fullName = organisation + match.Repository.Name;
            var choice = await chooser.ChooseAsync(Assignment.Id, match.Owner.SubmitterId, fullName, match.Repository.DefaultBranch, cancellationToken);
            statuses.Add(new RepositoryStatus(match.Owner.SubmitterId, match.Repository.Name, choice, graded.FirstOrDefault(s => s.SubmitterId == match.Owner.SubmitterId)?.GitCommit));
        }

        Repositories = statuses;
        return Page();
    }
}

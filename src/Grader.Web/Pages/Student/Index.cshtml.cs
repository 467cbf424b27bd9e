using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Data;
using Grader.Data.Grading;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Grader.Web.Pages.Student;

/// <summary>A student's assignments (due dates, status), their submissions, and the zip upload.</summary>
public sealed class IndexModel(
    CourseCatalog course, GraderDbContext db, SubmissionAccess access, UserManager<AppUser> users,
    GradingService grading, IGradingQueue queue, IClock clock, Gradebook gradebook, Extensions.WebSettings web) : PageModel
{
    /// <summary>The one upload limit (<c>Web:MaxUploadMegabytes</c>), in words for the form.</summary>
    public string MaxUpload => web.MaxUploadText;

    /// <param name="Grade">The policy engine's grade (the submission that counts, after every rule); null for a staff account.</param>
    /// <param name="UploadWarning">What an upload now would do, in words, once the deadline (extension and grace included) has passed.</param>
    public sealed record AssignmentRow(Assignment Assignment, string Due, bool Open, SubmissionRecord? Latest, GradingRun? LatestRun, ExtensionRecord? Extension, string? ExtendedDue)
    {
        public AssignmentGrade? Grade { get; init; }

        public string? UploadWarning { get; init; }
    }

    public IReadOnlyList<AssignmentRow> Assignments { get; private set; } = [];

    public IReadOnlyList<(SubmissionRecord Submission, GradingRun? Run)> Submissions { get; private set; } = [];

    /// <summary>A confirmed plagiarism case as its student sees it: the outcome only, never the other student or the evidence.</summary>
    public sealed record IntegrityOutcome(string AssignmentTitle, DateTime ConfirmedAtUtc, decimal? Score, decimal? FullMarks);

    public IReadOnlyList<IntegrityOutcome> Integrity { get; private set; } = [];

    /// <summary>Whether the plagiarism policy fails this student in the course (a second offence).</summary>
    public bool FailedForPlagiarism { get; private set; }

    /// <summary>
    /// The attempts a submission is worth comparing with (the C# diff at <c>/Submissions/{id}/Code?compare=</c>): the one
    /// received just before it on the same assignment, and the one that counts when that is another.
    /// </summary>
    public IReadOnlyList<(long OtherId, string Label)> ComparisonsOf(SubmissionRecord submission, AssignmentGrade? grade)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var links = new List<(long, string)>();
        var previous = Submissions.Select(s => s.Submission)
            .Where(s => s.AssignmentId == submission.AssignmentId && (s.ReceivedAtUtc, s.Id).CompareTo((submission.ReceivedAtUtc, submission.Id)) < 0)
            .MaxBy(s => (s.ReceivedAtUtc, s.Id));
        if (previous is not null)
        {
            links.Add((previous.Id, $"with the one before (#{previous.Id})"));
        }

        if (long.TryParse(grade?.Counting?.Counted.Submission.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long counted)
            && counted != submission.Id && counted != previous?.Id)
        {
            links.Add((counted, $"with the one that counts (#{counted})"));
        }

        return links;
    }

    [BindProperty]
    public string AssignmentId { get; set; } = "";

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostUploadAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        var assignment = course.Tree.Assignments.FirstOrDefault(a => a.Id == AssignmentId);
        if (user?.StudentIdentifier is not { } netId)
        {
            return Forbid();
        }

        if (assignment is null || !assignment.Submission.Accepts.Contains(SubmissionForm.ZipUpload))
        {
            ModelState.AddModelError(nameof(AssignmentId), $"'{AssignmentId}' does not take zip uploads.");
        }
        else if (Upload is null || Upload.Length == 0)
        {
            ModelState.AddModelError(nameof(Upload), "Choose the zip to upload.");
        }
        else if (!Upload.FileName.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            ModelState.AddModelError(nameof(Upload), $"Upload a .zip named {assignment.Submission.ZipNameFor(netId)}; '{Path.GetFileName(Upload.FileName)}' is not a zip.");
        }
        else if (Upload.Length > web.MaxUploadBytes)
        {
            ModelState.AddModelError(nameof(Upload), $"The upload is {Upload.Length / 1024 / 1024} MB; the limit is {web.MaxUploadText}.");
        }

        if (!ModelState.IsValid)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }

        await using var content = Upload!.OpenReadStream();
        var (submission, run) = await grading.RecordAsync(assignment!.Id, netId, content, Path.GetFileName(Upload.FileName), SubmissionSource.Upload,
            clock.GetCurrentInstant().ToDateTimeUtc(), user.Id, null, cancellationToken);
        await queue.EnqueueAsync(run.Id, cancellationToken);
        return Redirect($"/Submissions/{submission.Id}");
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var mine = await access.SubmitterIdsOfAsync(User, cancellationToken);
        var submissions = await db.Submissions.AsNoTracking().Where(s => mine.Contains(s.SubmitterId)).ToListAsync(cancellationToken);
        var ids = submissions.Select(s => s.Id).ToList();
        var runs = await db.GradingRuns.AsNoTracking().Where(r => ids.Contains(r.SubmissionId)).ToListAsync(cancellationToken);
        GradingRun? LatestRun(long id) => runs.Where(r => r.SubmissionId == id).OrderByDescending(r => r.Id).FirstOrDefault();

        Submissions = submissions.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).Select(s => (s, LatestRun(s.Id))).ToList();
        var extensions = (await db.Extensions.AsNoTracking().Unrevoked().Where(e => mine.Contains(e.SubmitterId)).ToListAsync(cancellationToken))
            .NewestPerSubmitterAndAssignment();
        await LoadIntegrityAsync(cancellationToken);
        var zone = course.Tree.Course.TimeZone;
        var now = clock.GetCurrentInstant();
        var user = await users.GetUserAsync(User);
        FinalGrade? mineGraded = null;
        try
        {
            mineGraded = user?.StudentIdentifier is { } netId ? (await gradebook.GradeAllAsync(cancellationToken)).FirstOrDefault(g => g.StudentId == netId) : null;
        }
        catch (GradingInputException)
        {
            // Facts the engine refuses (the staff see why on the gradebook): the page still lists the assignments.
        }
        Assignments = course.Tree.Assignments.Select(a =>
        {
            var latest = submissions.Where(s => s.AssignmentId == a.Id).OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).FirstOrDefault();
            var due = a.DueIn(zone).ToInstant();
            var extension = extensions.FirstOrDefault(e => e.AssignmentId == a.Id);
            // The late rule's own deadline arithmetic (whole days added to the local due date).
            Instant? extended = extension is null ? null
                : LatePolicyEvaluator.Deadline(a.Due, zone, new Extension(extension.SubmitterId, extension.AssignmentId, Period.FromDays(extension.Days), extension.Reason)).ToInstant();
            var grade = mineGraded?.Components.FirstOrDefault(c => c.Assignment.AssignmentId == a.Id)?.Assignment;
            var deadline = LatePolicyEvaluator.Deadline(a.Due, zone, extension is null ? null
                : new Extension(extension.SubmitterId, extension.AssignmentId, Period.FromDays(extension.Days), extension.Reason));
            // Said before the upload, in words: under latest-on-time a late upload never replaces the on-time one.
            string? warning = now > deadline.ToInstant() + course.Tree.Course.LatePolicy.GracePeriod
                ? SubmissionCounting.WhatANewSubmissionWouldDo(CountingRules.For(course.Tree.Course, a), course.Tree.Course.LatePolicy, deadline, now, grade?.Attempts ?? [])
                : null;
            return new AssignmentRow(a, Display.Time(due, zone), (extended ?? due) > now, latest, latest is null ? null : LatestRun(latest.Id),
                extension, extended is { } e ? Display.Time(e, zone) : null)
            {
                Grade = grade,
                UploadWarning = warning,
            };
        }).ToList();
    }

    /// <summary>The policy engine's result for this student's confirmed cases (a dismissed or open case shows nothing).</summary>
    private async Task LoadIntegrityAsync(CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(User);
        if (user?.StudentIdentifier is not { } netId)
        {
            return;
        }

        var confirmed = await db.SimilarityCases.AsNoTracking().NotDismissed()
            .Where(c => c.StudentIdentifier == netId && c.ConfirmedAtUtc != null).ToListAsync(cancellationToken);
        if (confirmed.Count == 0)
        {
            return;
        }

        var grade = new CourseGrader(course.Tree, clock).Grade(netId, await gradebook.LoadFactsAsync(cancellationToken));
        FailedForPlagiarism = grade.FailedForPlagiarism;
        Integrity = confirmed.GroupBy(c => c.AssignmentId).Select(g =>
        {
            var component = grade.Components.FirstOrDefault(c => c.Assignment.AssignmentId == g.Key)?.Assignment;
            string title = course.Tree.Assignments.FirstOrDefault(a => a.Id == g.Key)?.Title ?? g.Key;
            return new IntegrityOutcome(title, g.Min(c => c.ConfirmedAtUtc!.Value), component?.Score, component?.FullMarks);
        }).OrderBy(o => o.ConfirmedAtUtc).ToList();
    }
}

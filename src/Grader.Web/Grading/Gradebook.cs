using Grader.Data.Grading;
using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Core.Reports;
using Grader.Data.Course;
using Grader.Data;
using Grader.Web.Project;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using CoreSubmission = Grader.Core.Grading.Submission;

namespace Grader.Web.Grading;

/// <summary>A submission as its pages show it: the report, the rubric after TA decisions, the late rule, the history.</summary>
public sealed record SubmissionView(
    SubmissionRecord Submission,
    string SubmitterName,
    Assignment Assignment,
    GradingRun? LatestRun,
    GradingReport? Report,
    RubricScore Rubric,
    LateOutcome Late,
    IReadOnlyList<ItemOverride> Overrides,
    IReadOnlyList<RegradeRequest> RegradeRequests)
{
    public decimal ScoreAfterLateRule => Late.IsLate ? Math.Round(Rubric.Score * Late.Multiplier, 2, MidpointRounding.AwayFromZero) : Rubric.Score;

    public IReadOnlyList<ItemOverride> OverridesOf(string itemId) => Overrides.Where(o => o.ItemId == itemId).OrderBy(o => o.AtUtc).ThenBy(o => o.Id).ToList();

    public ReportItem? ReportItem(string itemId) => Report?.Items.FirstOrDefault(i => i.Id == itemId);

    /// <summary>The policy engine's grade of the submitter on this assignment (whichever submission counts); null when it has none.</summary>
    public AssignmentGrade? Grade { get; init; }

    /// <summary>The submission that counts for the submitter, with the reason; null when the engine has no grade.</summary>
    public CountingDecision? Counting => Grade?.Counting;

    public bool Counts => Counting?.Counted.Submission.Id == Gradebook.SubmissionKey(Submission.Id);

    /// <summary>
    /// The number every page shows for this submission, from the policy engine: the grade when it counts (plagiarism
    /// included), else what it earned on its own after the rules.
    /// </summary>
    public decimal Score => Counts ? Grade!.Score
        : Grade?.Attempts.FirstOrDefault(a => a.Submission.Id == Gradebook.SubmissionKey(Submission.Id))?.Score ?? ScoreAfterLateRule;

    /// <summary>The engine's state in words ("final", "late: no credit (your on-time submission counts)", ...).</summary>
    public string? State => Grade?.StateOf(Gradebook.SubmissionKey(Submission.Id));

    /// <summary>The staff choice in force for the submitter on this assignment, if any.</summary>
    public CountingChoiceRecord? StaffChoice { get; init; }
}

/// <summary>
/// Turns what the database knows into Grader.Core's <see cref="GradingFacts"/> and asks the policy engine; nothing
/// here re-implements a grading rule.
/// </summary>
/// <param name="cache">The app's shared <see cref="GradebookCache"/>; without one every call computes afresh.</param>
public sealed class Gradebook(GraderDbContext db, CourseCatalog course, IClock clock, GradebookCache? cache = null)
{
    private CourseTree Tree => course.Tree;

    /// <summary>Final grades of every student on the roster, with the engine's explanation. Shared: do not modify.</summary>
    public async Task<IReadOnlyList<FinalGrade>> GradeAllAsync(CancellationToken cancellationToken)
    {
        var tree = Tree;
        async Task<IReadOnlyList<FinalGrade>> Compute() => new CourseGrader(tree, clock).GradeAll(await LoadFactsAsync(cancellationToken).ConfigureAwait(false));
        if (cache is null)
        {
            return await Compute().ConfigureAwait(false);
        }

        long version = await db.DataVersionAsync(cancellationToken).ConfigureAwait(false);
        return await cache.GetOrComputeAsync(version, tree, clock.GetCurrentInstant(), Compute, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The facts as of now: every submission of every submitter (the policy engine's counting rule picks the one that
    /// counts), each with the latest successful run's check results plus the newest TA decision per item, and the
    /// staff counting choices in force.
    /// </summary>
    public async Task<GradingFacts> LoadFactsAsync(CancellationToken cancellationToken)
    {
        var submissions = (await db.Submissions.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(s => Tree.Assignments.Any(a => a.Id == s.AssignmentId))
            .OrderBy(s => s.Id)
            .ToList();
        var checkResults = await NewestCheckResultsAsync(cancellationToken).ConfigureAwait(false);
        var overrides = (await db.ItemOverrides.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)).ToLookup(o => o.SubmissionId);

        var facts = submissions.Select(s => new CoreSubmission(
            s.SubmitterId,
            s.AssignmentId,
            Instant.FromDateTimeUtc(s.ReceivedAtUtc),
            Outcomes(Tree.RubricFor(s.AssignmentId), checkResults[s.Id], overrides[s.Id]))
        {
            Id = SubmissionKey(s.Id),
        }).ToList();
        var byId = submissions.ToDictionary(s => s.Id);
        var choices = (await db.CountingChoices.AsNoTracking().Where(c => c.RevokedAtUtc == null).ToListAsync(cancellationToken).ConfigureAwait(false))
            .InForce()
            // A choice of a submission that moved to another submitter (or an assignment a reload removed) is history.
            .Where(c => byId.TryGetValue(c.SubmissionId, out var s) && s.SubmitterId == c.SubmitterId && s.AssignmentId == c.AssignmentId)
            .Select(c => new CountingChoice(c.SubmitterId, c.AssignmentId, SubmissionKey(c.SubmissionId), c.ByName, Instant.FromDateTimeUtc(c.AtUtc), c.Reason))
            .ToList();

        var teams = await db.Teams.AsNoTracking().Include(t => t.Members).ToListAsync(cancellationToken).ConfigureAwait(false);
        // Revoked extensions and dismissed cases are history, not facts: only what is in force reaches the engine.
        var extensions = (await db.Extensions.AsNoTracking().Unrevoked().ToListAsync(cancellationToken).ConfigureAwait(false)).NewestPerSubmitterAndAssignment();
        var cases = await db.SimilarityCases.AsNoTracking().NotDismissed().ToListAsync(cancellationToken).ConfigureAwait(false);
        // Presentations: the panel's mean per item is that item's TA score (Project/PresentationPanel.cs).
        var panel = await db.PanelScores.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false);
        return new GradingFacts(
            PresentationPanel.WithPanelScores(Tree, facts, panel),
            teams.Where(t => t.Members.Count > 0).Select(t => new Team(t.Id, t.Members.Select(m => m.StudentIdentifier).Order(StringComparer.Ordinal).ToList())).ToList(),
            extensions.Select(e => new Extension(e.SubmitterId, e.AssignmentId, Period.FromDays(e.Days), e.Reason)).ToList(),
            cases.Select(c => new PlagiarismCase(c.StudentIdentifier, c.AssignmentId, c.ConfirmedAtUtc is { } at ? Instant.FromDateTimeUtc(at) : null, c.Summary)
            {
                Id = c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }).ToList(),
            teams.Where(t => t.ContributionStatementsPresent is not null)
                .Select(t => new ContributionStatementFinding(t.Id, t.ContributionStatementsPresent!.Value, t.ContributionNote)).ToList())
        {
            CountingChoices = choices,
        };
    }

    /// <summary>
    /// The submission that counts per (submitter, assignment), as the policy engine's counting rule chose it: the one
    /// the review queue, the similarity comparison and the score distributions look at.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string SubmitterId, string AssignmentId), long>> CountedSubmissionsAsync(CancellationToken cancellationToken)
    {
        var counted = new Dictionary<(string, string), long>();
        IReadOnlyList<FinalGrade> grades;
        try
        {
            grades = await GradeAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (GradingInputException)
        {
            // Facts the engine refuses (the gradebook page says why) must not take the queue or similarity down with
            // it: they fall back to each submitter's latest submission.
            foreach (var latest in (await db.Submissions.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false))
                .GroupBy(s => (s.SubmitterId, s.AssignmentId)).Select(g => g.OrderByDescending(s => s.ReceivedAtUtc).ThenByDescending(s => s.Id).First()))
            {
                counted[(latest.SubmitterId, latest.AssignmentId)] = latest.Id;
            }

            return counted;
        }

        foreach (var component in grades.SelectMany(g => g.Components))
        {
            // A presentation the panel scored has no submission row (and no id): nothing to review or compare.
            if (component.Assignment.Counting is { } counting
                && long.TryParse(counting.Counted.Submission.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id))
            {
                counted[(component.Assignment.SubmitterId, component.Assignment.AssignmentId)] = id;
            }
        }

        return counted;
    }

    /// <summary>
    /// What confirming an open case would do, from the policy engine: the student's grade as it stands and as it would be
    /// with the case confirmed now (the assignment's score and state, and whether the course is failed). Asked before
    /// the instructor confirms, so the consequence is read, not guessed.
    /// </summary>
    public async Task<(FinalGrade Now, FinalGrade IfConfirmed)> IfConfirmedAsync(SimilarityCase open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        var facts = await LoadFactsAsync(cancellationToken).ConfigureAwait(false);
        string caseKey = open.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var confirmed = facts with
        {
            PlagiarismCases = [.. facts.PlagiarismCases.Select(c => c.Id == caseKey ? c with { ConfirmedAt = clock.GetCurrentInstant() } : c)],
        };
        var grader = new CourseGrader(Tree, clock);
        return (grader.Grade(open.StudentIdentifier, facts), grader.Grade(open.StudentIdentifier, confirmed));
    }

    /// <summary>A submission row's id as the policy engine knows it (<see cref="CoreSubmission.Id"/>).</summary>
    public static string SubmissionKey(long submissionId) => submissionId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>One submission with everything its page shows; null when there is no such submission.</summary>
    public async Task<SubmissionView?> ViewAsync(long submissionId, CancellationToken cancellationToken)
    {
        var submission = await db.Submissions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == submissionId, cancellationToken).ConfigureAwait(false);
        if (submission is null)
        {
            return null;
        }

        var latestRun = await db.GradingRuns.AsNoTracking().Where(r => r.SubmissionId == submissionId)
            .OrderByDescending(r => r.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var graded = (await LatestSucceededRunsAsync([submissionId], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(submissionId);
        var overrides = await db.ItemOverrides.AsNoTracking().Where(o => o.SubmissionId == submissionId).ToListAsync(cancellationToken).ConfigureAwait(false);
        var regrades = await db.RegradeRequests.AsNoTracking().Where(r => r.SubmissionId == submissionId).OrderBy(r => r.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var extension = await db.Extensions.InForceAsync(submission.SubmitterId, submission.AssignmentId, cancellationToken).ConfigureAwait(false);
        string name = await db.Roster.AsNoTracking().Where(r => r.Identifier == submission.SubmitterId).Select(r => r.Name)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false) ?? submission.SubmitterId;

        var assignment = Tree.Assignment(submission.AssignmentId);
        var rubric = Tree.RubricFor(submission.AssignmentId);
        var score = RubricScorer.Score(rubric, Outcomes(rubric, graded, overrides));
        var late = LatePolicyEvaluator.Evaluate(Tree.Course.LatePolicy, assignment.Due, Tree.Course.TimeZone,
            extension is null ? null : new Extension(extension.SubmitterId, extension.AssignmentId, Period.FromDays(extension.Days), extension.Reason),
            Instant.FromDateTimeUtc(submission.ReceivedAtUtc));
        var report = graded?.ReportJson is { } json ? GradingReport.FromJson(json) : null;
        AssignmentGrade? grade = null;
        try
        {
            grade = (await GradeAllAsync(cancellationToken).ConfigureAwait(false)).SelectMany(g => g.Components).Select(c => c.Assignment)
                .FirstOrDefault(a => a.AssignmentId == submission.AssignmentId && a.SubmitterId == submission.SubmitterId);
        }
        catch (GradingInputException)
        {
            // Facts the engine refuses elsewhere in the class: this page still shows the submission's own score.
        }
        var choice = (await db.CountingChoices.AsNoTracking()
            .Where(c => c.SubmitterId == submission.SubmitterId && c.AssignmentId == submission.AssignmentId && c.RevokedAtUtc == null)
            .ToListAsync(cancellationToken).ConfigureAwait(false)).InForce().FirstOrDefault();
        return new SubmissionView(submission, name, assignment, latestRun ?? graded, report, score, late, overrides, regrades)
        {
            Grade = grade,
            StaffChoice = choice,
        };
    }

    /// <summary>
    /// The item rows of each submission's newest succeeded run, by submission id: two narrow queries instead of
    /// loading every run with its report text (the gradebook of a large class reads thousands of them).
    /// </summary>
    private async Task<ILookup<long, RubricItemResult>> NewestCheckResultsAsync(CancellationToken cancellationToken)
    {
        var newestRunIds = db.GradingRuns.Where(r => r.Status == GradingRunStatus.Succeeded).GroupBy(r => r.SubmissionId).Select(g => g.Max(r => r.Id));
        var submissionOfRun = await db.GradingRuns.Where(r => newestRunIds.Contains(r.Id)).Select(r => new { r.Id, r.SubmissionId })
            .ToDictionaryAsync(r => r.Id, r => r.SubmissionId, cancellationToken).ConfigureAwait(false);
        var items = await db.RubricItemResults.AsNoTracking().Where(i => newestRunIds.Contains(i.GradingRunId))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return items.ToLookup(i => submissionOfRun[i.GradingRunId]);
    }

    private async Task<Dictionary<long, GradingRun>> LatestSucceededRunsAsync(IReadOnlyCollection<long> submissionIds, CancellationToken cancellationToken)
    {
        var runs = await db.GradingRuns.AsNoTracking()
            .Where(r => submissionIds.Contains(r.SubmissionId) && r.Status == GradingRunStatus.Succeeded)
            .Include(r => r.Items)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return runs.GroupBy(r => r.SubmissionId).ToDictionary(g => g.Key, g => g.OrderByDescending(r => r.Id).First());
    }

    /// <summary>
    /// The check results of a run as the engine reads them, plus the newest TA decision per item (which wins over the
    /// check). An auto item the runner left pending (it could not run the check) becomes a grader error: pending for a TA.
    /// </summary>
    public static IReadOnlyList<ItemOutcome> Outcomes(Rubric rubric, GradingRun? run, IEnumerable<ItemOverride> overrides)
        => Outcomes(rubric, run?.Items ?? [], overrides);

    /// <inheritdoc cref="Outcomes(Rubric, GradingRun?, IEnumerable{ItemOverride})"/>
    public static IReadOnlyList<ItemOutcome> Outcomes(Rubric rubric, IEnumerable<RubricItemResult> checkResults, IEnumerable<ItemOverride> overrides)
    {
        ArgumentNullException.ThrowIfNull(rubric);
        var outcomes = new List<ItemOutcome>();
        foreach (var result in checkResults)
        {
            if (rubric.Item(result.ItemId) is not { Kind: RubricItemKind.Auto })
            {
                continue;
            }

            double fraction = result.Max == 0 ? 0 : (double)(result.Points / result.Max);
            var status = result.Status switch
            {
                "passed" => CheckStatus.Passed,
                "partially-passed" => CheckStatus.PartialCredit,
                "pending" => CheckStatus.GraderError,
                _ => CheckStatus.Failed,
            };
            outcomes.Add(new CheckOutcome(result.ItemId, Math.Clamp(fraction, 0, 1), status, result.Reason));
        }

        // A decision about an item a reloaded rubric no longer has stays in the history but scores nothing.
        foreach (var decision in overrides.Where(o => rubric.Item(o.ItemId) is not null).GroupBy(o => o.ItemId)
            .Select(g => g.OrderByDescending(o => o.AtUtc).ThenByDescending(o => o.Id).First()))
        {
            outcomes.Add(new TaScore(decision.ItemId, decision.NewPoints, decision.Comment, decision.ByName));
        }

        return outcomes;
    }
}

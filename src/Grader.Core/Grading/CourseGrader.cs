using Grader.Core.Configuration;
using NodaTime;

namespace Grader.Core.Grading;

/// <summary>One student's result on one assignment after every rule: rubric, late policy, contribution statements, plagiarism.</summary>
/// <param name="SubmitterId">Whose submission counted: the student, or the student's team for team work.</param>
/// <param name="Score">Points of <see cref="FullMarks"/> after all rules.</param>
/// <param name="UnusedBonus">Bonus points beyond full marks that survived the rules (see BonusPolicy).</param>
/// <param name="Rubric">The rubric result before the rules; null when nothing was submitted.</param>
/// <param name="Late">How the late policy treated the submission; null when nothing was submitted.</param>
public sealed record AssignmentGrade(
    string AssignmentId,
    string SubmitterId,
    decimal FullMarks,
    decimal Score,
    decimal UnusedBonus,
    RubricScore? Rubric,
    LateOutcome? Late,
    bool IsProvisional,
    IReadOnlyList<string> Explanation)
{
    public decimal Percent => FullMarks == 0 ? 0 : Score / FullMarks * 100;

    /// <summary>Which submission counted and why; null when nothing was submitted.</summary>
    public CountingDecision? Counting { get; init; }

    /// <summary>Every submission graded on its own, in the order given; the counted one is <see cref="Counting"/>.</summary>
    public IReadOnlyList<AttemptResult> Attempts { get; init; } = [];

    /// <summary>The confirmed plagiarism cases ("#3") that made this assignment zero; empty when none did.</summary>
    public IReadOnlyList<string> ZeroedByCases { get; init; } = [];

    /// <summary>
    /// <see cref="Explanation"/> as the student reads it: the same lines, except that a plagiarism case is named by its
    /// number instead of the staff's summary (which may name the other student or the evidence).
    /// </summary>
    public IReadOnlyList<string> StudentExplanation { get; init; } = [];

    /// <summary>
    /// The grade's state in words, the same on every page: "final", "autograded, waiting for TA review of 2 items",
    /// "late: no credit", "zero: confirmed plagiarism case #3", "nothing submitted yet".
    /// </summary>
    public string State
    {
        get
        {
            if (ZeroedByCases.Count > 0)
            {
                return $"zero: confirmed plagiarism case {string.Join(", ", ZeroedByCases)}";
            }

            if (Counting is null)
            {
                return IsProvisional ? "nothing submitted yet" : "missing: nothing submitted by the deadline";
            }

            var counted = Counting.Counted;
            int pending = counted.Rubric.PendingItemIds.Count;
            string state = counted.Late.IsLate
                ? (counted.Late.NoCredit ? "late: no credit" : $"late: {Numbers.Show(counted.Late.PenaltyPercent)}% off")
                : pending > 0 ? $"autograded, waiting for TA review of {pending} {(pending == 1 ? "item" : "items")}"
                : IsProvisional ? "provisional" : "final";
            if (counted.Late.IsLate && pending > 0)
            {
                state += $", waiting for TA review of {pending} {(pending == 1 ? "item" : "items")}";
            }

            return Counting.StaffChoice is null ? state : $"{state} (submission chosen by {Counting.StaffChoice.ChosenBy})";
        }
    }

    /// <summary>The state of one of the submitter's submissions: the grade's own when it counts, else why it does not.</summary>
    public string StateOf(string submissionId)
    {
        if (Counting is null || Counting.Counted.Submission.Id == submissionId)
        {
            return State;
        }

        var attempt = Attempts.FirstOrDefault(a => a.Submission.Id == submissionId);
        var counted = Counting.Counted;
        if (attempt is not null && attempt.Late.IsLate && !counted.Late.IsLate)
        {
            return $"late: {(attempt.Late.NoCredit ? "no credit" : "recorded")} (your on-time submission counts)";
        }

        return "does not count (another submission counts)";
    }
}

/// <summary>An assignment's contribution to the final grade: weight × percent / 100, rounded to 2 decimals.</summary>
public sealed record ComponentGrade(AssignmentGrade Assignment, decimal Weight, decimal WeightedPoints, decimal WeightedUnusedBonus)
{
    /// <summary>
    /// Work still to come: nothing handed in and it can still be (deadline, extension or grace not passed). Such a
    /// component counts as zero in <see cref="FinalGrade.FinalPercent"/> but not in the current grade on graded work.
    /// </summary>
    public bool IsRemaining => Assignment.Counting is null && Assignment.IsProvisional && Assignment.ZeroedByCases.Count == 0;
}

/// <summary>
/// The final grade if the work still to come (<see cref="ComponentGrade.IsRemaining"/>) scores the student's current
/// percent on graded work: the same bonus, pass and letter rules as the final grade.
/// </summary>
public sealed record ProjectedGrade(decimal Percent, string? Letter, bool Passed);

/// <summary>
/// A student's final grade. <see cref="FinalPercent"/> = <see cref="BasePercent"/> + <see cref="CarriedBonus"/>; the
/// explanation lists every rule that applied, with its numbers, in the order applied.
/// </summary>
public sealed record FinalGrade(
    string StudentId,
    IReadOnlyList<ComponentGrade> Components,
    decimal BasePercent,
    decimal CarriedBonus,
    decimal FinalPercent,
    string? Letter,
    bool Passed,
    bool FailedForPlagiarism,
    bool IsProvisional,
    IReadOnlyList<string> Explanation)
{
    /// <summary>
    /// The weighted percent over the components already graded or past their deadline, leaving out work that can still
    /// be handed in (which <see cref="FinalPercent"/> counts as zero); null when no component is graded yet. Mid-term
    /// this is the grade a student is on, where the final percent reads as a fail.
    /// </summary>
    public decimal? CurrentPercentOnGradedWork { get; init; }

    /// <summary>What the final grade would be if the remaining work scored as the graded work has; null when nothing remains or nothing is graded yet.</summary>
    public ProjectedGrade? Projection { get; init; }

    /// <summary><see cref="Explanation"/> as the student reads it (see <see cref="AssignmentGrade.StudentExplanation"/>).</summary>
    public IReadOnlyList<string> StudentExplanation { get; init; } = [];

    /// <summary>"final" once nothing can change (nothing pending, nothing still open for submission), else "in progress".</summary>
    public string State => IsProvisional ? "in progress" : "final";

    /// <summary>The letter, only once the grade is final: mid-term, work not yet due counts as zero and the letter would read as a fail.</summary>
    public string? LetterIfFinal => IsProvisional ? null : Letter;
}

/// <summary>
/// The grading policy engine: pure rules over the configuration and the facts; the only outside input is the clock,
/// which says whether a missing submission is still possible.
/// </summary>
public sealed class CourseGrader
{
    private readonly CourseTree tree;
    private readonly IClock clock;

    public CourseGrader(CourseTree tree, IClock clock)
    {
        this.tree = tree ?? throw new ArgumentNullException(nameof(tree));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
    }

    private Course Course => tree.Course;

    /// <summary>Final grades for every student on the roster, in roster order.</summary>
    public IReadOnlyList<FinalGrade> GradeAll(GradingFacts facts)
    {
        var index = CheckFacts(facts);
        return tree.Roster.Select(student => GradeChecked(student.Identifier, index)).ToList();
    }

    public FinalGrade Grade(string studentId, GradingFacts facts) => GradeChecked(studentId, CheckFacts(facts));

    private FinalGrade GradeChecked(string studentId, FactIndex facts)
    {
        if (!facts.Students.Contains(studentId))
        {
            throw new GradingInputException($"'{studentId}' is not on the roster.");
        }

        var offences = ConfirmedOffences(studentId, facts);
        var components = Course.Components.Select(component =>
        {
            var grade = GradeAssignment(studentId, tree.Assignment(component.AssignmentId), facts, offences);
            return new ComponentGrade(grade, component.Weight,
                Numbers.Round(component.Weight * grade.Percent / 100),
                grade.FullMarks == 0 ? 0 : component.Weight * grade.UnusedBonus / grade.FullMarks);
        }).ToList();

        // Two texts from one computation: the staff's, and the student's (plagiarism cases by number, not by summary).
        var explanation = new List<string>();
        var studentExplanation = new List<string>();
        void Say(string line)
        {
            explanation.Add(line);
            studentExplanation.Add(line);
        }

        foreach (var component in components)
        {
            explanation.AddRange(component.Assignment.Explanation);
            studentExplanation.AddRange(component.Assignment.StudentExplanation);
            Say($"{component.Assignment.AssignmentId}: {Numbers.Show(component.Assignment.Score)}/{Numbers.Show(component.Assignment.FullMarks)} "
                + $"= {Numbers.Show2(component.Assignment.Percent)}% × weight {Numbers.Show(component.Weight)}% = {Numbers.Show2(component.WeightedPoints)} points.");
        }

        var basePercent = components.Sum(c => c.WeightedPoints);
        Say($"Weighted total: {string.Join(" + ", components.Select(c => Numbers.Show2(c.WeightedPoints)))} = {Numbers.Show2(basePercent)}%.");

        var failedForPlagiarism = offences.Any(o => o.Action == PlagiarismAction.FailCourse);
        var bonusLines = new List<string>();
        var carried = CarriedBonus(basePercent, components, failedForPlagiarism, bonusLines);
        bonusLines.ForEach(Say);
        var finalPercent = Math.Min(100m, basePercent + carried);
        var passMark = Course.BonusPolicy.PassMark;
        var passed = !failedForPlagiarism && finalPercent >= passMark;
        var letter = Letter(finalPercent, failedForPlagiarism);

        if (failedForPlagiarism)
        {
            Say($"Course failed: {offences.Count} confirmed plagiarism cases; the policy fails the course{(letter is null ? "" : $" (letter {letter})")}.");
        }
        else
        {
            Say($"Final {Numbers.Show2(finalPercent)}%: {(passed ? "pass" : "fail")} (pass mark {Numbers.Show(passMark)}%)"
                + (letter is null ? "." : $", letter {letter}."));
        }

        var provisional = components.Any(c => c.Assignment.IsProvisional);
        if (provisional)
        {
            Say("Provisional: " + string.Join(", ", components.Where(c => c.Assignment.IsProvisional).Select(c => c.Assignment.AssignmentId))
                + " can still change.");
        }

        var (current, projection) = CurrentAndProjected(components, failedForPlagiarism, Say);
        return new FinalGrade(studentId, components, basePercent, carried, finalPercent, letter, passed, failedForPlagiarism, provisional, explanation)
        {
            CurrentPercentOnGradedWork = current,
            Projection = projection,
            StudentExplanation = studentExplanation,
        };
    }

    /// <summary>
    /// The current percent on graded work (components graded or past their deadline; work still to come left out) and,
    /// while work remains, the final grade if it scored that same percent, through the same bonus, pass and letter rules.
    /// </summary>
    private (decimal? Current, ProjectedGrade? Projection) CurrentAndProjected(List<ComponentGrade> components, bool failedForPlagiarism, Action<string> say)
    {
        var graded = components.Where(c => !c.IsRemaining).ToList();
        var remaining = components.Where(c => c.IsRemaining).ToList();
        decimal gradedWeight = graded.Sum(c => c.Weight);
        if (gradedWeight == 0 || remaining.Count == 0)
        {
            return (gradedWeight == 0 ? null : Numbers.Round(graded.Sum(c => c.WeightedPoints) / gradedWeight * 100), null);
        }

        decimal gradedPoints = graded.Sum(c => c.WeightedPoints);
        decimal current = Numbers.Round(gradedPoints / gradedWeight * 100);
        say($"Current grade on graded work ({string.Join(", ", graded.Select(c => c.Assignment.AssignmentId))}): {Numbers.Show2(gradedPoints)} points "
            + $"of their weight {Numbers.Show(gradedWeight)}% = {Numbers.Show2(current)}%.");

        var projectedPoints = remaining.Select(c => (c, Points: Numbers.Round(c.Weight * current / 100))).ToList();
        decimal projectedBase = gradedPoints + projectedPoints.Sum(p => p.Points);
        // The carried-bonus rule decides on the projected total; its own lines describe the final grade, not this one.
        decimal carried = CarriedBonus(projectedBase, components, failedForPlagiarism, []);
        decimal percent = Math.Min(100m, projectedBase + carried);
        var passMark = Course.BonusPolicy.PassMark;
        bool passed = !failedForPlagiarism && percent >= passMark;
        string? letter = Letter(percent, failedForPlagiarism);
        say($"Projected if {string.Join(", ", remaining.Select(c => c.Assignment.AssignmentId))} score {Numbers.Show2(current)}% like the graded work: "
            + $"{Numbers.Show2(gradedPoints)} + {string.Join(" + ", projectedPoints.Select(p => Numbers.Show2(p.Points)))}"
            + (carried > 0 ? $" + {Numbers.Show2(carried)} carried bonus" : "")
            + $" = {Numbers.Show2(percent)}%: {(passed ? "pass" : "fail")}{(letter is null ? "" : $", letter {letter}")}.");
        return (current, new ProjectedGrade(percent, letter, passed));
    }

    private decimal CarriedBonus(decimal basePercent, List<ComponentGrade> components, bool failedForPlagiarism, List<string> explanation)
    {
        var available = Numbers.Round(components.Sum(c => c.WeightedUnusedBonus));
        if (available <= 0)
        {
            return 0;
        }

        var passMark = Course.BonusPolicy.PassMark;
        var sources = string.Join(", ", components.Where(c => c.WeightedUnusedBonus > 0)
            .Select(c => $"{c.Assignment.AssignmentId} {Numbers.Show(c.Assignment.UnusedBonus)} pts"));
        string reason;
        if (Course.BonusPolicy.CarryOver == BonusCarryOver.Never)
        {
            reason = "the course never carries bonus over";
        }
        else if (failedForPlagiarism)
        {
            reason = "the course is failed for plagiarism";
        }
        else if (basePercent >= passMark)
        {
            reason = $"{Numbers.Show2(basePercent)}% already passes (pass mark {Numbers.Show(passMark)}%)";
        }
        else if (basePercent + available < passMark)
        {
            reason = $"{Numbers.Show2(basePercent)}% + {Numbers.Show2(available)} = {Numbers.Show2(basePercent + available)}% would still fail (pass mark {Numbers.Show(passMark)}%)";
        }
        else
        {
            explanation.Add($"Bonus carried over: +{Numbers.Show2(available)} from leftover bonus ({sources}), because it turns "
                + $"{Numbers.Show2(basePercent)}% (fail) into {Numbers.Show2(basePercent + available)}% (pass mark {Numbers.Show(passMark)}%).");
            return available;
        }

        explanation.Add($"Leftover bonus worth {Numbers.Show2(available)} ({sources}) does not carry over: {reason}.");
        return 0;
    }

    private string? Letter(decimal finalPercent, bool failedForPlagiarism)
    {
        if (Course.LetterGrades.Count == 0)
        {
            return null;
        }

        var ordered = Course.LetterGrades.OrderByDescending(l => l.MinimumPercent).ToList();
        return failedForPlagiarism
            ? ordered[^1].Letter
            : (ordered.FirstOrDefault(l => finalPercent >= l.MinimumPercent) ?? ordered[^1]).Letter;
    }

    private AssignmentGrade GradeAssignment(string studentId, Assignment assignment, FactIndex facts, IReadOnlyList<Offence> offences)
    {
        var team = assignment.Participation == Participation.Team ? facts.TeamOf.GetValueOrDefault(studentId) : null;
        var submitterId = team?.Id ?? studentId;
        var rubric = tree.RubricFor(assignment.Id);
        var fullMarks = rubric.FullMarks;
        var explanation = new List<string>();
        if (team is not null)
        {
            explanation.Add($"{assignment.Id}: team work, graded as team {team.Id} ({string.Join(", ", team.Members)}); the team's score is each member's score.");
        }

        var extension = facts.Extensions.GetValueOrDefault((submitterId, assignment.Id));
        var attempts = facts.Submissions[(submitterId, assignment.Id)]
            .Select(submission => GradeAttempt(assignment, rubric, team, facts, extension, submission)).ToList();

        decimal score;
        decimal unusedBonus;
        bool provisional;
        RubricScore? rubricScore = null;
        LateOutcome? late = null;
        CountingDecision? counting = null;
        if (attempts.Count == 0)
        {
            var deadline = LatePolicyEvaluator.Deadline(assignment.Due, Course.TimeZone, extension);
            provisional = LatePolicyEvaluator.StillAccepting(Course.LatePolicy, deadline, clock.GetCurrentInstant());
            (score, unusedBonus) = (0, 0);
            explanation.Add(provisional
                ? $"{assignment.Id}: nothing submitted yet; it can still be handed in (deadline {Numbers.Show(deadline)}). Counts as 0 for now."
                : $"{assignment.Id}: nothing submitted by the deadline {Numbers.Show(deadline)}: 0.");
        }
        else
        {
            counting = SubmissionCounting.Choose(CountingRules.For(Course, assignment), attempts,
                facts.Choices.GetValueOrDefault((submitterId, assignment.Id)), Course.TimeZone);
            var counted = counting.Counted;
            if (attempts.Count > 1 || counting.StaffChoice is not null)
            {
                explanation.Add($"{assignment.Id}: {attempts.Count} submissions; the one received "
                    + $"{Numbers.Show(counted.Submission.SubmittedAt.InZone(Course.TimeZone))} counts: {counting.Reason}.");
            }

            explanation.AddRange(counted.Explanation);
            (rubricScore, late) = (counted.Rubric, counted.Late);
            (score, unusedBonus, provisional) = (counted.Score, counted.UnusedBonus, counted.IsProvisional);
        }

        var zeroedBy = new List<string>();
        var studentExplanation = new List<string>(explanation);
        foreach (var offence in offences.Where(o => o.AssignmentId == assignment.Id))
        {
            var cases = offence.CaseIds.Count > 0 ? offence.CaseIds.Select(id => $"#{id}").ToList() : [$"offence {offence.Number}"];
            zeroedBy.AddRange(cases);
            (score, unusedBonus) = (0, 0);
            var action = offence.Action == PlagiarismAction.FailCourse ? "the assignment scores 0 and the course is failed" : "the assignment scores 0";
            explanation.Add($"{assignment.Id}: confirmed plagiarism, offence {offence.Number} ({offence.Summary}): {action}.");
            studentExplanation.Add($"{assignment.Id}: confirmed plagiarism, offence {offence.Number} (case {string.Join(", ", cases)}): {action}.");
        }

        return new AssignmentGrade(assignment.Id, submitterId, fullMarks, score, unusedBonus, rubricScore, late, provisional, explanation)
        {
            Counting = counting,
            Attempts = attempts,
            ZeroedByCases = zeroedBy,
            StudentExplanation = studentExplanation,
        };
    }

    /// <summary>One attempt through the rubric, the late rule and the contribution rule: what it would earn if it counted.</summary>
    private AttemptResult GradeAttempt(Assignment assignment, Rubric rubric, Team? team, FactIndex facts, Extension? extension, Submission submission)
    {
        var explanation = new List<string>();
        var rubricScore = RubricScorer.Score(rubric, submission.Outcomes);
        explanation.AddRange(rubricScore.Explanation);
        var (score, unusedBonus, provisional) = (rubricScore.Score, rubricScore.UnusedBonus, rubricScore.IsProvisional);

        var late = LatePolicyEvaluator.Evaluate(Course.LatePolicy, assignment.Due, Course.TimeZone, extension, submission.SubmittedAt);
        explanation.Add($"{assignment.Id}: {late.Explanation}");
        if (late.IsLate)
        {
            (score, unusedBonus) = (Numbers.Round(score * late.Multiplier), Numbers.Round(unusedBonus * late.Multiplier));
            explanation.Add($"{assignment.Id}: after the late rule, {Numbers.Show(score)} of {Numbers.Show(rubric.FullMarks)}.");
        }

        (score, provisional) = ApplyContributionRule(assignment, team, facts, rubric.FullMarks, score, provisional, explanation);
        return new AttemptResult(submission, rubricScore, late, score, unusedBonus, provisional, explanation);
    }

    private (decimal Score, bool Provisional) ApplyContributionRule(
        Assignment assignment, Team? team, FactIndex facts, decimal fullMarks, decimal score, bool provisional, List<string> explanation)
    {
        if (Course.TeamPolicy.ContributionStatement is not { } rule || rule.AssignmentId != assignment.Id)
        {
            return (score, provisional);
        }

        if (team is null || team.Members.Count < 2)
        {
            explanation.Add($"{assignment.Id}: written alone, so no contribution statements are needed.");
            return (score, provisional);
        }

        var finding = facts.FindingsOf[team.Id].SingleOrDefault();
        if (finding is null)
        {
            explanation.Add($"{assignment.Id}: contribution statements not checked yet; the {Numbers.Show(rule.DeductionPercent)}% deduction may still apply.");
            return (score, true);
        }

        if (finding.StatementsPresent)
        {
            explanation.Add($"{assignment.Id}: contribution statements present ({finding.Note}).");
            return (score, provisional);
        }

        var deduction = Numbers.Round(fullMarks * rule.DeductionPercent / 100);
        var after = Math.Max(0, score - deduction);
        explanation.Add($"{assignment.Id}: contribution statements missing ({finding.Note}): -{Numbers.Show(rule.DeductionPercent)}% of "
            + $"{Numbers.Show(fullMarks)} = -{Numbers.Show(deduction)}, leaving {Numbers.Show(after)} of {Numbers.Show(fullMarks)}.");
        return (after, provisional);
    }

    private sealed record Offence(int Number, string AssignmentId, PlagiarismAction Action, string Summary)
    {
        public IReadOnlyList<string> CaseIds { get; init; } = [];
    }

    /// <summary>Confirmed cases in the order they were confirmed; cases on the same assignment count as one offence.</summary>
    private List<Offence> ConfirmedOffences(string studentId, FactIndex facts)
    {
        var offences = new List<Offence>();
        foreach (var byAssignment in facts.CasesOf[studentId]
            .Where(c => c.IsConfirmed)
            .GroupBy(c => c.AssignmentId)
            .OrderBy(g => g.Min(c => c.ConfirmedAt))
            .ThenBy(g => Course.Components.Select(c => c.AssignmentId).ToList().IndexOf(g.Key)))
        {
            var number = offences.Count + 1;
            var action = number == 1 ? Course.PlagiarismPolicy.FirstOffence : Course.PlagiarismPolicy.RepeatOffence;
            offences.Add(new Offence(number, byAssignment.Key, action, string.Join("; ", byAssignment.Select(c => c.Summary)))
            {
                CaseIds = byAssignment.Select(c => c.Id).Where(id => id.Length > 0).ToList(),
            });
        }

        return offences;
    }

    /// <summary>
    /// Lookups over facts that <see cref="CheckFacts"/> accepted, which guarantees distinct submission ids and at most one
    /// extension and one staff choice per (submitter, assignment) and one team per student: a class of hundreds is graded in linear time.
    /// </summary>
    private sealed class FactIndex(GradingFacts facts, HashSet<string> students, Dictionary<string, Team> teamOf)
    {
        public HashSet<string> Students { get; } = students;

        public Dictionary<string, Team> TeamOf { get; } = teamOf;

        public ILookup<(string SubmitterId, string AssignmentId), Submission> Submissions { get; } =
            facts.Submissions.ToLookup(s => (s.SubmitterId, s.AssignmentId));

        public Dictionary<(string SubmitterId, string AssignmentId), CountingChoice> Choices { get; } =
            facts.CountingChoices.ToDictionary(c => (c.SubmitterId, c.AssignmentId));

        public Dictionary<(string SubmitterId, string AssignmentId), Extension> Extensions { get; } =
            facts.Extensions.ToDictionary(e => (e.SubmitterId, e.AssignmentId));

        public ILookup<string, PlagiarismCase> CasesOf { get; } = facts.PlagiarismCases.ToLookup(c => c.StudentId, StringComparer.Ordinal);

        public ILookup<string, ContributionStatementFinding> FindingsOf { get; } = facts.ContributionStatements.ToLookup(f => f.TeamId, StringComparer.Ordinal);
    }

    /// <summary>Rejects facts that contradict the configuration or each other, naming what is wrong.</summary>
    private FactIndex CheckFacts(GradingFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var students = tree.Roster.Select(s => s.Identifier).ToHashSet(StringComparer.Ordinal);
        var assignments = tree.Assignments.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var teamOf = new Dictionary<string, Team>(StringComparer.Ordinal);
        foreach (var team in facts.Teams)
        {
            if (students.Contains(team.Id))
            {
                throw new GradingInputException($"Team id '{team.Id}' is also a student's identifier; team ids must differ from student ids.");
            }

            if (team.Members.Count > Course.TeamPolicy.MaxSize)
            {
                throw new GradingInputException($"Team '{team.Id}' has {team.Members.Count} members; the course allows at most {Course.TeamPolicy.MaxSize}.");
            }

            foreach (var member in team.Members)
            {
                if (!students.Contains(member))
                {
                    throw new GradingInputException($"Team '{team.Id}' lists '{member}', who is not on the roster.");
                }

                if (!teamOf.TryAdd(member, team))
                {
                    throw new GradingInputException($"'{member}' is in two teams: '{teamOf[member].Id}' and '{team.Id}'.");
                }
            }
        }

        var teamIds = facts.Teams.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        if (teamIds.Count != facts.Teams.Count)
        {
            throw new GradingInputException("Two teams share an id.");
        }

        void CheckSubmitter(string submitterId, string assignmentId, string what)
        {
            if (!assignments.TryGetValue(assignmentId, out var assignment))
            {
                throw new GradingInputException($"{what} names assignment '{assignmentId}', which the course does not have.");
            }

            var valid = assignment.Participation == Participation.Team
                ? teamIds.Contains(submitterId) || (students.Contains(submitterId) && !teamOf.ContainsKey(submitterId))
                : students.Contains(submitterId);
            if (!valid)
            {
                throw new GradingInputException(assignment.Participation == Participation.Team
                    ? $"{what} for team work '{assignmentId}' names '{submitterId}', which is neither a team nor a student without a team."
                    : $"{what} for '{assignmentId}' names '{submitterId}', who is not on the roster.");
            }
        }

        foreach (var submission in facts.Submissions)
        {
            CheckSubmitter(submission.SubmitterId, submission.AssignmentId, "A submission");
        }

        // Several submissions per (submitter, assignment) are expected: the counting rule picks one. A staff choice
        // names one by id, so ids must tell them apart.
        foreach (var duplicate in facts.Submissions.GroupBy(s => (s.SubmitterId, s.AssignmentId)).Where(g => g.Count() > 1)
            .Where(g => g.Select(s => s.Id).Distinct(StringComparer.Ordinal).Count() < g.Count()))
        {
            throw new GradingInputException($"'{duplicate.Key.SubmitterId}' has {duplicate.Count()} submissions for '{duplicate.Key.AssignmentId}' without distinct ids.");
        }

        foreach (var choice in facts.CountingChoices)
        {
            CheckSubmitter(choice.SubmitterId, choice.AssignmentId, "A staff choice");
            if (!facts.Submissions.Any(s => s.SubmitterId == choice.SubmitterId && s.AssignmentId == choice.AssignmentId && s.Id == choice.SubmissionId))
            {
                throw new GradingInputException($"The staff choice for '{choice.SubmitterId}' on '{choice.AssignmentId}' names submission '{choice.SubmissionId}', which is not one of theirs.");
            }
        }

        foreach (var duplicate in facts.CountingChoices.GroupBy(c => (c.SubmitterId, c.AssignmentId)).Where(g => g.Count() > 1))
        {
            throw new GradingInputException($"'{duplicate.Key.SubmitterId}' has {duplicate.Count()} staff choices for '{duplicate.Key.AssignmentId}' in force; pass only the newest.");
        }

        foreach (var extension in facts.Extensions)
        {
            CheckSubmitter(extension.SubmitterId, extension.AssignmentId, "An extension");
        }

        foreach (var duplicate in facts.Extensions.GroupBy(e => (e.SubmitterId, e.AssignmentId)).Where(g => g.Count() > 1))
        {
            throw new GradingInputException($"'{duplicate.Key.SubmitterId}' has {duplicate.Count()} extensions for '{duplicate.Key.AssignmentId}'; combine them into one.");
        }

        foreach (var plagiarismCase in facts.PlagiarismCases)
        {
            if (!students.Contains(plagiarismCase.StudentId) || !assignments.ContainsKey(plagiarismCase.AssignmentId))
            {
                throw new GradingInputException($"A plagiarism case names '{plagiarismCase.StudentId}' on '{plagiarismCase.AssignmentId}'; both must be on the roster and in the course.");
            }
        }

        foreach (var finding in facts.ContributionStatements)
        {
            if (!teamIds.Contains(finding.TeamId))
            {
                throw new GradingInputException($"A contribution-statement finding names team '{finding.TeamId}', which is not a team.");
            }
        }

        return new FactIndex(facts, students, teamOf);
    }
}

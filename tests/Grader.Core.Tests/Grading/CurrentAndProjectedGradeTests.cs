using Grader.Core.Grading;
using NodaTime.Testing;
using static Grader.Core.Tests.Grading.TestCourse;

namespace Grader.Core.Tests.Grading;

/// <summary>
/// The course grade a student sees mid-term: the current grade on graded work (work still to come left out, missed work
/// counted as zero), the projection if the remaining work scores the same, the state in words, the letter only once
/// final, the student's explanation without the staff's case summaries, and the gradebook's means.
/// </summary>
public sealed class CurrentAndProjectedGradeTests
{
    private static readonly FakeClock AfterHw1 = new(At("2023-02-20 12:00"));

    private static FinalGrade GradeAnn(FakeClock clock, GradingFacts facts, params string[] others) =>
        new CourseGrader(Syllabus(["ann", .. others]), clock).Grade("ann", facts);

    [Test]
    public void Mid_term_the_remaining_work_is_projected_at_the_current_percent_through_the_letter_rule()
    {
        var grade = GradeAnn(AfterHw1, GradingFacts.Empty with { Submissions = [Homework("ann", "hw1-mlp", "2023-02-16 20:00", 0.8, 1)] });

        Assert.Multiple(() =>
        {
            Assert.That(grade.CurrentPercentOnGradedWork, Is.EqualTo(90m), "HW1 40 + 50 of 100; nothing else is due");
            Assert.That(grade.Projection, Is.EqualTo(new ProjectedGrade(90m, "A-", true)));
            Assert.That((grade.FinalPercent, grade.Letter, grade.LetterIfFinal, grade.State), Is.EqualTo((18m, "F", (string?)null, "in progress")),
                "the final counts work not yet due as zero, so its letter is withheld");
            Assert.That(grade.Components.Select(c => c.IsRemaining), Is.EqualTo(new[] { false, true, true, true, true, true, true }));
            Assert.That(grade.Explanation, Has.Member("Current grade on graded work (hw1-mlp): 18.00 points of their weight 20% = 90.00%."));
            Assert.That(grade.Explanation, Has.Member("Projected if hw2-cnn, hw3-rnn, project-proposal, project-proposal-presentation, project-paper, "
                + "project-paper-presentation score 90.00% like the graded work: 18.00 + 18.00 + 18.00 + 4.50 + 4.50 + 22.50 + 4.50 = 90.00%: pass, letter A-."));
        });
    }

    [Test]
    public void Work_missed_past_its_deadline_counts_as_zero_in_the_current_grade()
    {
        // 25 March: HW2 (23 March) and the proposal and its presentation (7 March) passed with nothing handed in.
        var grade = GradeAnn(new FakeClock(At("2023-03-25 12:00")), GradingFacts.Empty with { Submissions = [Homework("ann", "hw1-mlp", "2023-02-16 20:00", 0.8, 1)] });

        Assert.Multiple(() =>
        {
            Assert.That(grade.CurrentPercentOnGradedWork, Is.EqualTo(36m), "18 points of the 50% weight graded or missed");
            Assert.That(grade.Projection, Is.EqualTo(new ProjectedGrade(36m, "F", false)), "18 + 7.20 + 9.00 + 1.80");
            Assert.That(grade.Components.Where(c => c.IsRemaining).Select(c => c.Assignment.AssignmentId),
                Is.EqualTo(new[] { "hw3-rnn", "project-paper", "project-paper-presentation" }));
        });
    }

    [Test]
    public void Bonus_carries_over_in_the_projection_only_when_it_turns_a_fail_into_a_pass()
    {
        // HW1 at full marks plus its whole bonus (10 points beyond full marks: 2 weighted points left over), the proposal
        // and its talk at 100, HW2 at 10% or 22.5%: current (and projected) 64% or 69%. 64 + 2 still fails; 69 + 2 passes.
        var clock = new FakeClock(At("2023-03-25 12:00"));
        GradingFacts Facts(double hw2Forward) => GradingFacts.Empty with
        {
            Submissions =
            [
                Homework("ann", "hw1-mlp", "2023-02-16 20:00", 1, 1, bonus: 1),
                Homework("ann", "hw2-cnn", "2023-03-23 20:00", hw2Forward, 0),
                .. ProjectWork("ann", 100, 100, 0, 0).Where(s => s.AssignmentId is "project-proposal" or "project-proposal-presentation"),
            ],
        };

        var notEnough = GradeAnn(clock, Facts(0.2));
        var enough = GradeAnn(clock, Facts(0.45));

        Assert.Multiple(() =>
        {
            Assert.That((notEnough.CurrentPercentOnGradedWork, enough.CurrentPercentOnGradedWork), Is.EqualTo(((decimal?)64m, (decimal?)69m)),
                "20 + 2 (or 4.5) + 5 + 5 points of the 50% weight graded");
            Assert.That(enough.Projection, Is.EqualTo(new ProjectedGrade(71m, "C-", true)), enough.Explanation.Last());
            Assert.That(enough.Explanation.Last(), Does.EndWith("+ 2.00 carried bonus = 71.00%: pass, letter C-."));
            Assert.That(notEnough.Projection!.Passed, Is.False, notEnough.Explanation.Last());
            Assert.That(notEnough.Explanation.Last(), Does.Not.Contain("carried bonus"));
        });
    }

    [Test]
    public void When_nothing_remains_there_is_no_projection_and_the_final_grade_has_its_letter()
    {
        var endOfTerm = new FakeClock(At("2023-05-20 12:00"));
        var grade = GradeAnn(endOfTerm, GradingFacts.Empty with
        {
            Submissions =
            [
                Homework("ann", "hw1-mlp", "2023-02-16 20:00", 1, 1), Homework("ann", "hw2-cnn", "2023-03-20 20:00", 1, 1),
                Homework("ann", "hw3-rnn", "2023-04-10 20:00", 0.8, 1), .. ProjectWork("ann", 100, 100, 100, 100),
            ],
        });

        Assert.Multiple(() =>
        {
            Assert.That(grade.Projection, Is.Null);
            Assert.That(grade.CurrentPercentOnGradedWork, Is.EqualTo(grade.FinalPercent));
            Assert.That((grade.FinalPercent, grade.State, grade.LetterIfFinal), Is.EqualTo((98m, "final", "A")));
            Assert.That(grade.Explanation, Has.None.StartsWith("Projected"));
        });
    }

    [Test]
    public void Before_anything_is_graded_there_is_neither_a_current_grade_nor_a_projection()
    {
        var grade = GradeAnn(new FakeClock(At("2023-02-01 12:00")), GradingFacts.Empty);

        Assert.That((grade.CurrentPercentOnGradedWork, grade.Projection, grade.State), Is.EqualTo(((decimal?)null, (ProjectedGrade?)null, "in progress")));
    }

    [Test]
    public void The_student_explanation_names_a_case_by_number_never_by_the_staff_summary()
    {
        var grade = GradeAnn(AfterHw1, GradingFacts.Empty with
        {
            Submissions = [Homework("ann", "hw1-mlp", "2023-02-16 20:00", 1, 1)],
            PlagiarismCases = [new PlagiarismCase("ann", "hw1-mlp", At("2023-02-19 10:00"), "identical to ben's notebook") { Id = "3" }],
        }, "ben");

        var differing = grade.Explanation.Zip(grade.StudentExplanation).Where(pair => pair.First != pair.Second).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(grade.StudentExplanation, Has.Count.EqualTo(grade.Explanation.Count));
            Assert.That(grade.Explanation, Has.Member("hw1-mlp: confirmed plagiarism, offence 1 (identical to ben's notebook): the assignment scores 0."));
            Assert.That(differing, Is.EqualTo(new[] { ("hw1-mlp: confirmed plagiarism, offence 1 (identical to ben's notebook): the assignment scores 0.",
                "hw1-mlp: confirmed plagiarism, offence 1 (case #3): the assignment scores 0.") }));
            Assert.That(string.Join("\n", grade.StudentExplanation), Does.Not.Contain("ben"));
            Assert.That(grade.Components[0].IsRemaining, Is.False, "a zeroed assignment is graded work");
            Assert.That(grade.CurrentPercentOnGradedWork, Is.EqualTo(0m));
        });
    }

    [Test]
    public void Means_are_over_the_students_whose_work_on_a_component_is_in()
    {
        var grades = new CourseGrader(Syllabus(["ann", "ben", "cat"]), AfterHw1).GradeAll(GradingFacts.Empty with
        {
            Submissions = [Homework("ann", "hw1-mlp", "2023-02-16 20:00", 0.8, 1), Homework("ben", "hw1-mlp", "2023-02-16 20:00", 0.2, 1)],
        });

        var means = ClassMeans.Of(grades);

        Assert.Multiple(() =>
        {
            Assert.That(means.For("hw1-mlp"), Is.EqualTo(new ColumnMean(50m, 3)), "90, 60 and cat's missed HW1 (0)");
            Assert.That(means.For("hw2-cnn"), Is.EqualTo(new ColumnMean(null, 0)), "nobody's HW2 is in yet");
            Assert.That(means.Current, Is.EqualTo(new ColumnMean(50m, 3)));
            Assert.That(ClassMeans.Of([]).Current, Is.EqualTo(new ColumnMean(null, 0)));
        });
    }
}

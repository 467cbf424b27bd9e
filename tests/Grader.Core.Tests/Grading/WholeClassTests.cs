using Grader.Core.Grading;
using NodaTime;
using NodaTime.Testing;
using static Grader.Core.Tests.Grading.TestCourse;

namespace Grader.Core.Tests.Grading;

/// <summary>
/// Six students through the whole syllabus course, graded after the term. Every final grade below was worked out by
/// hand from the syllabus rules (weights 20/20/20 and 5/5/25/5, pass mark 70, letters A 93 ... C- 70, F below).
/// </summary>
public sealed class WholeClassTests
{
    private static readonly string[] Students = ["alice", "bob", "carol", "dave", "erin", "frank"];

    private static GradingFacts Facts() => new(
        Submissions:
        [
            // alice: everything on time. HW1 45+50 = 95, HW2 40+50 = 90, HW3 50+0 = 50 (training is all-or-nothing).
            Homework("alice", "hw1-mlp", "2023-02-16 21:00", 0.9, 1),
            Homework("alice", "hw2-cnn", "2023-03-23 21:00", 0.8, 1),
            Homework("alice", "hw3-rnn", "2023-04-17 21:00", 1, 0.5),

            // bob: HW1 45+50+10 bonus = 105, capped at 100 (5 left over); HW2 perfect but 2 minutes late -> 0; HW3 100.
            Homework("bob", "hw1-mlp", "2023-02-16 23:00", 0.9, 1, 1),
            Homework("bob", "hw2-cnn", "2023-03-24 00:01", 1, 1),
            Homework("bob", "hw3-rnn", "2023-04-17 22:00", 1, 1),

            // carol: HW3 a day after the deadline, inside her 2-day extension.
            Homework("carol", "hw1-mlp", "2023-02-15 12:00", 1, 1),
            Homework("carol", "hw2-cnn", "2023-03-22 12:00", 1, 1),
            Homework("carol", "hw3-rnn", "2023-04-18 20:00", 1, 1),

            // dave: HW1 100 + 10 bonus left over; HW2 50; HW3 30 + 10 bonus = 40 (bonus used inside HW3).
            Homework("dave", "hw1-mlp", "2023-02-16 10:00", 1, 1, 1),
            Homework("dave", "hw2-cnn", "2023-03-23 10:00", 1, 0),
            Homework("dave", "hw3-rnn", "2023-04-17 10:00", 0.6, 0, 1),

            // erin: all perfect; HW2 is a confirmed first offence; HW3 has an unconfirmed case.
            Homework("erin", "hw1-mlp", "2023-02-16 10:00", 1, 1),
            Homework("erin", "hw2-cnn", "2023-03-23 10:00", 1, 1),
            Homework("erin", "hw3-rnn", "2023-04-17 10:00", 1, 1),

            // frank: all perfect, HW2 with 10 bonus left over; HW1 and HW3 are confirmed offences.
            Homework("frank", "hw1-mlp", "2023-02-16 10:00", 1, 1),
            Homework("frank", "hw2-cnn", "2023-03-23 10:00", 1, 1, 1),
            Homework("frank", "hw3-rnn", "2023-04-17 10:00", 1, 1),

            .. ProjectWork("team-ab", 90, 80, 85, 90),
            .. ProjectWork("team-cd", 80, 80, 80, 80),
            .. ProjectWork("team-ef", 100, 100, 100, 100),
        ],
        Teams: [new Team("team-ab", ["alice", "bob"]), new Team("team-cd", ["carol", "dave"]), new Team("team-ef", ["erin", "frank"])],
        Extensions: [new Extension("carol", "hw3-rnn", Period.FromDays(2), "hospital stay")],
        PlagiarismCases:
        [
            new PlagiarismCase("erin", "hw2-cnn", At("2023-04-03 12:00"), "copied a classmate's notebook"),
            new PlagiarismCase("erin", "hw3-rnn", null, "similarity flag, under review"),
            new PlagiarismCase("frank", "hw1-mlp", At("2023-02-27 12:00"), "copied from a public repository"),
            new PlagiarismCase("frank", "hw3-rnn", At("2023-04-28 12:00"), "copied from a public repository again"),
        ],
        ContributionStatements:
        [
            new ContributionStatementFinding("team-ab", true, "section 7"),
            new ContributionStatementFinding("team-cd", false, "no contribution section"),
            new ContributionStatementFinding("team-ef", true, "section 6"),
        ]);

    // Hand-worked, component by component (weighted points: score% x weight):
    //   alice  19.00 + 18.00 + 10.00 + 4.50 + 4.00 + 21.25 + 4.50 = 81.25          B-  (on time)
    //   bob    20.00 +  0.00 + 20.00 + 4.50 + 4.00 + 21.25 + 4.50 = 74.25          C   (late HW2 = 0; HW1 bonus capped;
    //                                                                                   1.00 left over not carried: passes)
    //   carol  20.00 + 20.00 + 20.00 + 4.00 + 4.00 + 18.75 + 4.00 = 90.75          A-  (extension; paper 80 - 5 = 75)
    //   dave   20.00 + 10.00 +  8.00 + 4.00 + 4.00 + 18.75 + 4.00 = 68.75 + 2.00 = 70.75  C-  (HW1's 10 bonus = 2.00 carried:
    //                                                                                   it turns a fail into a pass)
    //   erin   20.00 +  0.00 + 20.00 + 5.00 + 5.00 + 25.00 + 5.00 = 80.00          B-  (first offence zeroes HW2)
    //   frank   0.00 + 20.00 +  0.00 + 5.00 + 5.00 + 25.00 + 5.00 = 60.00          F   (second offence fails the course)
    private static readonly (string Student, decimal[] Weighted, decimal Base, decimal Carried, decimal Final, string Letter, bool Passed)[] Expected =
    [
        ("alice", [19, 18, 10, 4.5m, 4, 21.25m, 4.5m], 81.25m, 0, 81.25m, "B-", true),
        ("bob", [20, 0, 20, 4.5m, 4, 21.25m, 4.5m], 74.25m, 0, 74.25m, "C", true),
        ("carol", [20, 20, 20, 4, 4, 18.75m, 4], 90.75m, 0, 90.75m, "A-", true),
        ("dave", [20, 10, 8, 4, 4, 18.75m, 4], 68.75m, 2, 70.75m, "C-", true),
        ("erin", [20, 0, 20, 5, 5, 25, 5], 80m, 0, 80m, "B-", true),
        ("frank", [0, 20, 0, 5, 5, 25, 5], 60m, 0, 60m, "F", false),
    ];

    [Test]
    public void Every_final_grade_matches_the_hand_worked_one()
    {
        var grades = new CourseGrader(Syllabus(Students), new FakeClock(At("2023-05-20 12:00"))).GradeAll(Facts());

        Assert.That(grades.Select(g => g.StudentId), Is.EqualTo(Students));
        Assert.Multiple(() =>
        {
            foreach (var (grade, expected) in grades.Zip(Expected))
            {
                Assert.That(grade.Components.Select(c => c.WeightedPoints), Is.EqualTo(expected.Weighted), $"{expected.Student}: components");
                Assert.That((grade.BasePercent, grade.CarriedBonus, grade.FinalPercent), Is.EqualTo((expected.Base, expected.Carried, expected.Final)),
                    $"{expected.Student}: totals");
                Assert.That((grade.Letter, grade.Passed), Is.EqualTo((expected.Letter, expected.Passed)), $"{expected.Student}: outcome");
                Assert.That(grade.IsProvisional, Is.False, $"{expected.Student}: everything is graded");
            }
        });
    }

    [Test]
    public void Each_students_explanation_names_the_rules_that_shaped_the_grade()
    {
        var grades = new CourseGrader(Syllabus(Students), new FakeClock(At("2023-05-20 12:00"))).GradeAll(Facts())
            .ToDictionary(g => g.StudentId, g => string.Join("\n", g.Explanation));

        Assert.Multiple(() =>
        {
            Assert.That(grades["alice"], Does.Contain("project-paper: contribution statements present (section 7)."));
            Assert.That(grades["bob"], Does.Contain("hw1-mlp: regular items 95 of 100, bonus +10 = 100 of 100 (bonus makes up lost points only up to full marks; 5 bonus points left over)."));
            Assert.That(grades["bob"], Does.Contain("hw2-cnn: Submitted 2023-03-24 00:01:00 EDT (America/New_York), 2 minutes late (deadline 2023-03-23 23:59:00 EDT (America/New_York)): late work gets no credit."));
            Assert.That(grades["bob"], Does.Contain("does not carry over: 74.25% already passes (pass mark 70%)."));
            Assert.That(grades["bob"], Does.Contain("project-paper: team work, graded as team team-ab (alice, bob); the team's score is each member's score."));
            Assert.That(grades["carol"], Does.Contain("on time (deadline 2023-04-19 23:59:00 EDT (America/New_York) after an extension of 2 days (hospital stay))."));
            Assert.That(grades["carol"], Does.Contain("project-paper: contribution statements missing (no contribution section): -5% of 100 = -5, leaving 75 of 100."));
            Assert.That(grades["dave"], Does.Contain("Bonus carried over: +2.00 from leftover bonus (hw1-mlp 10 pts), because it turns 68.75% (fail) into 70.75% (pass mark 70%)."));
            Assert.That(grades["dave"], Does.EndWith("Final 70.75%: pass (pass mark 70%), letter C-."));
            Assert.That(grades["erin"], Does.Contain("hw2-cnn: confirmed plagiarism, offence 1 (copied a classmate's notebook): the assignment scores 0."));
            Assert.That(grades["erin"], Does.Not.Contain("under review"));
            Assert.That(grades["frank"], Does.Contain("hw3-rnn: confirmed plagiarism, offence 2 (copied from a public repository again): the assignment scores 0 and the course is failed."));
            Assert.That(grades["frank"], Does.EndWith("Course failed: 2 confirmed plagiarism cases; the policy fails the course (letter F)."));
        });
    }
}

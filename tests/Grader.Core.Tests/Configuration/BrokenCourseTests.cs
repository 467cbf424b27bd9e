namespace Grader.Core.Tests.Configuration;

/// <summary>
/// The broken fixtures: each case breaks one thing in a copy of the valid fixture course and names the exact error
/// the author must see (file, line, field, plain words).
/// </summary>
public sealed class BrokenCourseTests
{
    private const string Course = "assignments/course.yaml";
    private const string Hw1 = "assignments/hw1-mlp/assignment.yaml";
    private const string Paper = "assignments/project-paper/assignment.yaml";
    private const string Hw1Rubric = "rubrics/hw1-mlp.yaml";
    private const string PaperRubric = "rubrics/project-paper.yaml";

    private static IEnumerable<TestCaseData> Cases()
    {
        // course.yaml
        yield return Case("weights do not add up", Course, "weight: 40", "weight: 35",
            "assignments/course.yaml:5: field 'components': the weights add up to 95, not 100 (60 + 35)");
        yield return Case("a typo in a field name", Course, "    weight: 40", "    wieght: 40",
            "assignments/course.yaml:8: field 'components[1].weight': is missing; give the percent of the final grade",
            "assignments/course.yaml:9: field 'components[1].wieght': unknown field; did you mean 'weight'?");
        yield return Case("a weight that is not a number", Course, "weight: 40", "weight: forty",
            "assignments/course.yaml:9: field 'components[1].weight': \"forty\" is not a number");
        yield return Case("a weight of zero", Course, "weight: 40", "weight: 0",
            "assignments/course.yaml:5: field 'components': the weights add up to 60, not 100 (60 + 0)",
            "assignments/course.yaml:9: field 'components[1].weight': 0 is out of range; it must be more than 0 and at most 100");
        yield return Case("an unknown time zone", Course, "America/New_York", "America/New_Yrok",
            "assignments/course.yaml:3: field 'time_zone': \"America/New_Yrok\" is not an IANA time zone name (like America/New_York)");
        yield return Case("an assignment listed twice", Course, "  - assignment: project-paper\n    weight: 40", "  - assignment: hw1-mlp\n    weight: 40",
            "assignments/course.yaml:8: field 'components[1].assignment': \"hw1-mlp\" is listed twice (also on line 6)",
            "assignments/project-paper/assignment.yaml:1: field 'id': \"project-paper\" is not a grade component in assignments/course.yaml; add it under components with its weight");
        yield return Case("a component without an assignment folder", Course, "assignment: project-paper\n    weight", "assignment: project-essay\n    weight",
            "assignments/course.yaml:8: field 'components[1].assignment': \"project-essay\" has no assignments/project-essay/assignment.yaml",
            "assignments/project-paper/assignment.yaml:1: field 'id': \"project-paper\" is not a grade component in assignments/course.yaml; add it under components with its weight");
        yield return Case("a missing policy block", Course, "bonus_policy:\n  carry_over: fail-to-pass\n  pass_mark: 70\n", "",
            "assignments/course.yaml:1: field 'bonus_policy': is missing; say whether bonus points carry over and the pass mark");
        yield return Case("an unknown late policy", Course, "kind: no-credit", "kind: lenient",
            "assignments/course.yaml:11: field 'late_policy.kind': \"lenient\" is not one of: no-credit, per-day-penalty");
        yield return Case("a per-day penalty without its numbers", Course, "kind: no-credit", "kind: per-day-penalty",
            "assignments/course.yaml:11: field 'late_policy.penalty_percent_per_day': is missing; a per-day-penalty policy needs the percent lost per day late",
            "assignments/course.yaml:11: field 'late_policy.max_penalty_percent': is missing; a per-day-penalty policy needs a cap on the penalty (100 for none)");
        yield return Case("a daily penalty under no-credit", Course, "  grace_minutes: 0", "  grace_minutes: 0\n  penalty_percent_per_day: 10",
            "assignments/course.yaml:13: field 'late_policy.penalty_percent_per_day': does not apply here: only a per-day-penalty policy has a daily penalty");
        yield return Case("an unknown plagiarism action", Course, "repeat_offence: fail-course", "repeat_offence: expel",
            "assignments/course.yaml:18: field 'plagiarism_policy.repeat_offence': \"expel\" is not one of: zero-assignment, fail-course");
        yield return Case("a pass mark over 100", Course, "pass_mark: 70", "pass_mark: 170",
            "assignments/course.yaml:15: field 'bonus_policy.pass_mark': 170 is out of range; it must be between 0 and 100");
        yield return Case("a team finalisation time that is not a date", Course, "\"2023-03-08 23:59\"", "\"March 8\"",
            "assignments/course.yaml:21: field 'team_policy.finalized_by': \"March 8\" is not a date (expected yyyy-MM-dd HH:mm in the course time zone)");
        yield return Case("contribution statements on individual work", Course, "assignment: project-paper\n    deduction", "assignment: hw1-mlp\n    deduction",
            "assignments/course.yaml:23: field 'team_policy.contribution_statement.assignment': \"hw1-mlp\" is done individually (participation: individual); contribution statements only make sense for team work");
        yield return Case("no failing letter", Course, "  - { letter: F, min: 0 }\n", "",
            "assignments/course.yaml:25: field 'letter_grades': no letter starts at min: 0, so a low final grade would have no letter; add the failing letter with min: 0");
        yield return Case("a roster that does not exist", Course, "roster: roster.csv", "roster: students.csv",
            "assignments/course.yaml:4: field 'roster': \"students.csv\" does not exist (looked for assignments/students.csv)");
        yield return Case("a course id that is not an id", Course, "id: fixture-course", "id: Fixture Course",
            "assignments/course.yaml:1: field 'id': \"Fixture Course\" is not a valid id: use lowercase letters, digits and '-' (like hw1-mlp)");

        yield return Case("an unknown counting rule", Course, "  grace_minutes: 0\n", "  grace_minutes: 0\nsubmission_that_counts: newest\n",
            "assignments/course.yaml:13: field 'submission_that_counts': \"newest\" is not one of: latest-on-time, latest, best");

        // assignment.yaml
        yield return Case("an unknown counting rule for one assignment", Hw1, "participation: individual", "participation: individual\nsubmission_that_counts: first",
            "assignments/hw1-mlp/assignment.yaml:6: field 'submission_that_counts': \"first\" is not one of: latest-on-time, latest, best");
        yield return Case("a due date that does not exist", Hw1, "2023-02-16 23:59", "2023-02-31 23:59",
            "assignments/hw1-mlp/assignment.yaml:4: field 'due': \"2023-02-31 23:59\" is not a date (expected yyyy-MM-dd HH:mm in the course time zone)");
        yield return Case("a due time skipped by daylight saving", Hw1, "2023-02-16 23:59", "2023-03-12 02:30",
            "assignments/hw1-mlp/assignment.yaml:4: field 'due': \"2023-03-12 02:30\" does not exist in America/New_York: the clocks skip that hour for daylight saving time; pick another time");
        yield return Case("a due time repeated by daylight saving", Hw1, "2023-02-16 23:59", "2023-11-05 01:30",
            "assignments/hw1-mlp/assignment.yaml:4: field 'due': \"2023-11-05 01:30\" happens twice in America/New_York (the clocks go back that night), so the deadline would be ambiguous; pick another time");
        yield return Case("an unknown forbidden feature", Hw1, "rubric: rubrics/hw1-mlp.yaml", "rubric: rubrics/hw1-mlp.yaml\nforbid: [autograd, reflection]",
            "assignments/hw1-mlp/assignment.yaml:11: field 'forbid[1]': \"reflection\" is not one of: autograd, threads");
        yield return Case("a notebook time limit that is not a number", Hw1, "  gpu: false", "  gpu: false\n  notebook_seconds: soon",
            "assignments/hw1-mlp/assignment.yaml:17: field 'resources.notebook_seconds': \"soon\" is not a whole number");
        yield return Case("an id that differs from the folder", Hw1, "id: hw1-mlp", "id: hw1",
            "assignments/hw1-mlp/assignment.yaml:1: field 'id': \"hw1\" must match the folder name \"hw1-mlp\"",
            "assignments/course.yaml:6: field 'components[0].assignment': \"hw1-mlp\" has no assignments/hw1-mlp/assignment.yaml",
            "assignments/hw1-mlp/assignment.yaml:1: field 'id': \"hw1\" is not a grade component in assignments/course.yaml; add it under components with its weight",
            "rubrics/hw1-mlp.yaml:1: field 'assignment': \"hw1-mlp\" does not match the assignment that uses this rubric (hw1, in assignments/hw1-mlp/assignment.yaml)");
        yield return Case("a rubric file that does not exist", Hw1, "rubric: rubrics/hw1-mlp.yaml", "rubric: rubrics/hw1.yaml",
            "assignments/hw1-mlp/assignment.yaml:10: field 'rubric': \"rubrics/hw1.yaml\" does not exist",
            "rubrics/hw1-mlp.yaml:1: field 'assignment': assignments/hw1-mlp/assignment.yaml names \"rubrics/hw1.yaml\" as its rubric, not this file");
        yield return Case("a rubric path outside the repository", Hw1, "rubric: rubrics/hw1-mlp.yaml", "rubric: ../rubrics/hw1-mlp.yaml",
            "assignments/hw1-mlp/assignment.yaml:10: field 'rubric': \"../rubrics/hw1-mlp.yaml\" must be a .yaml path relative to the repository root, inside it (like rubrics/hw1-mlp.yaml)",
            "rubrics/hw1-mlp.yaml:1: field 'assignment': assignments/hw1-mlp/assignment.yaml names \"../rubrics/hw1-mlp.yaml\" as its rubric, not this file");
        yield return Case("autograded code without sandbox limits", Hw1, "resources:\n  cpu_seconds: 60\n  wall_seconds: 120\n  memory_mb: 1024\n  max_output_kb: 256\n  gpu: false\n", "",
            "assignments/hw1-mlp/assignment.yaml:1: field 'resources': is missing; autograded code needs sandbox limits (cpu_seconds, wall_seconds, memory_mb, max_output_kb, gpu)");
        yield return Case("a limit that is not a whole number", Hw1, "memory_mb: 1024", "memory_mb: 1.5GB",
            "assignments/hw1-mlp/assignment.yaml:14: field 'resources.memory_mb': \"1.5GB\" is not a whole number");
        yield return Case("a gpu flag that is not a boolean", Hw1, "gpu: false", "gpu: maybe",
            "assignments/hw1-mlp/assignment.yaml:16: field 'resources.gpu': \"maybe\" is not true or false");
        yield return Case("an unknown submission form", Hw1, "[github-classroom, zip-upload]", "[github-classroom, email]",
            "assignments/hw1-mlp/assignment.yaml:7: field 'submission.accepts[1]': \"email\" is not one of: github-classroom, zip-upload, pdf-upload, in-class");
        yield return Case("a zip name without the student", Hw1, "\"{netid}_hw1.zip\"", "\"hw1.zip\"",
            "assignments/hw1-mlp/assignment.yaml:9: field 'submission.zip_name': \"hw1.zip\" must contain {netid} and end in .zip, e.g. {netid}_hw1.zip");
        yield return Case("GitHub Classroom without a repository prefix", Hw1, "  repository_prefix: hw1-mlp\n", "",
            "assignments/hw1-mlp/assignment.yaml:7: field 'submission.repository_prefix': is missing; GitHub Classroom repositories are named <prefix>-<login>, so give the prefix (e.g. hw1-mlp)");
        yield return Case("sandbox limits on a document", Paper, "rubric: rubrics/project-paper.yaml", "rubric: rubrics/project-paper.yaml\nresources:\n  cpu_seconds: 1",
            "assignments/project-paper/assignment.yaml:12: field 'resources': does not apply here: only autograded-code runs in the sandbox, this is a document");
        yield return Case("an unknown participation", Paper, "participation: team", "participation: pairs",
            "assignments/project-paper/assignment.yaml:5: field 'participation': \"pairs\" is not one of: individual, team",
            "assignments/course.yaml:23: field 'team_policy.contribution_statement.assignment': \"project-paper\" is done individually (participation: pairs); contribution statements only make sense for team work");
        yield return Case("a value where a block belongs", Paper, "submission:\n  accepts: [pdf-upload]\n  max_pages: 6\n  pages_exclude_references: true\n  format: jmlr\n", "submission: pdf\n",
            "assignments/project-paper/assignment.yaml:6: field 'submission': expected a block of 'key: value' fields, found \"pdf\"");

        // rubrics
        yield return Case("a check the catalog does not have", Hw1Rubric, "check: hw1.forward-pass", "check: hw1.forward-pas",
            "rubrics/hw1-mlp.yaml:8: field 'items[0].check': \"hw1.forward-pas\" is not a known check; known checks starting with 'hw1.': hw1.forward-pass, hw1.sgd-step, hw1.weight-gradients");
        yield return Case("a check from an unknown family", Hw1Rubric, "check: hw1.forward-pass", "check: hw9.forward",
            "rubrics/hw1-mlp.yaml:8: field 'items[0].check': \"hw9.forward\" is not a known check; no check starts with 'hw9.'");
        yield return Case("an auto item without a check", Hw1Rubric, "    check: hw1.sgd-step\n", "",
            "rubrics/hw1-mlp.yaml:10: field 'items[1].check': is missing; an auto item must name the check that scores it (e.g. hw1.forward-pass)");
        yield return Case("a manual item with a check", PaperRubric, "    kind: manual\n    credit: proportional", "    kind: manual\n    check: hw1.sgd-step\n    credit: proportional",
            "rubrics/project-paper.yaml:8: field 'items[0].check': does not apply here: a manual item is scored by a TA, not by a check (use kind: auto)");
        yield return Case("two items with the same id", Hw1Rubric, "id: sgd-step", "id: forward-pass",
            "rubrics/hw1-mlp.yaml:10: field 'items[1].id': \"forward-pass\" is already the id of the item on line 4; ids must be unique");
        yield return Case("negative points", Hw1Rubric, "points: 40", "points: -40",
            "rubrics/hw1-mlp.yaml:12: field 'items[1].points': -40 is out of range; it must be more than 0 and at most 1000");
        yield return Case("an unknown credit rule", Hw1Rubric, "credit: proportional", "credit: partial",
            "rubrics/hw1-mlp.yaml:9: field 'items[0].credit': \"partial\" is not one of: all-or-nothing, proportional");
        yield return Case("an unknown item type", Hw1Rubric, "type: bonus", "type: extra-credit",
            "rubrics/hw1-mlp.yaml:20: field 'items[2].type': \"extra-credit\" is not one of: regular, deduction, bonus");
        yield return Case("a rubric for another assignment", Hw1Rubric, "assignment: hw1-mlp", "assignment: hw2-cnn",
            "rubrics/hw1-mlp.yaml:1: field 'assignment': \"hw2-cnn\" does not match the assignment that uses this rubric (hw1-mlp, in assignments/hw1-mlp/assignment.yaml)");
        yield return Case("a rubric with only a deduction", PaperRubric,
            "  - id: content\n    description: \"Content\"\n    points: 100\n    kind: manual\n    credit: proportional\n", "",
            "rubrics/project-paper.yaml:3: field 'items': has no regular item, so the assignment would have no full marks; bonus and deduction items need regular items beside them");
        yield return Case("an item without a description", PaperRubric, "    description: \"Too long\"\n", "",
            "rubrics/project-paper.yaml:9: field 'items[1].description': is missing; say what the item rewards or deducts");
    }

    [TestCaseSource(nameof(Cases))]
    public void A_broken_fixture_reports_exactly_what_is_wrong(string file, string find, string replace, string[] expected)
    {
        using var fixture = new FixtureCourse();
        fixture.Edit(file, find, replace);

        var result = fixture.Validate();

        Assert.That(result.IsValid, Is.False);
        Assert.That(result.Tree, Is.Null);
        Assert.That(result.Errors.Select(e => e.ToString()), Is.EquivalentTo(expected));
    }

    [Test]
    public void An_orphan_rubric_is_reported()
    {
        using var fixture = new FixtureCourse();
        fixture.Write("rubrics/gan-bonus.yaml", "assignment: gan-bonus\ntitle: GAN\nitems:\n  - id: a\n    description: d\n    points: 1\n    kind: manual\n");

        var errors = fixture.Validate().Errors.Select(e => e.ToString());

        Assert.That(errors, Is.EqualTo(new[]
        {
            "rubrics/gan-bonus.yaml:1: field 'assignment': \"gan-bonus\" has no assignments/gan-bonus/assignment.yaml, so nothing uses this rubric",
        }));
    }

    [Test]
    public void A_missing_course_file_is_reported()
    {
        using var fixture = new FixtureCourse();
        fixture.Delete(Course);

        var errors = fixture.Validate().Errors.Select(e => e.ToString());

        Assert.That(errors, Has.Member("assignments/course.yaml:1: the course file is missing; it describes the course and its grade components"));
    }

    [Test]
    public void Roster_problems_name_the_csv_line()
    {
        using var fixture = new FixtureCourse();
        fixture.Write("assignments/roster.csv", "identifier,github_username,github_id,name\nfx0001,a,1,A\nfx0001,b,2,B\nfx0003,a,3,C\nfx0004,d,4\n");

        var errors = fixture.Validate().Errors.Select(e => e.ToString());

        Assert.That(errors, Is.EqualTo(new[]
        {
            "assignments/roster.csv:3: field 'identifier': \"fx0001\" is already used on line 2",
            "assignments/roster.csv:4: field 'github_username': \"a\" is already used on line 2",
            "assignments/roster.csv:5: expected 4 comma-separated fields, found 3",
        }));
    }

    [Test]
    public void A_roster_with_the_wrong_header_is_reported()
    {
        using var fixture = new FixtureCourse();
        fixture.Write("assignments/roster.csv", "netid,name\nfx0001,A\n");

        var errors = fixture.Validate().Errors.Select(e => e.ToString());

        Assert.That(errors, Is.EqualTo(new[] { "assignments/roster.csv:1: the header must be exactly identifier,github_username,github_id,name" }));
    }

    private static TestCaseData Case(string name, string file, string find, string replace, params string[] expected) =>
        new TestCaseData(file, find, replace, expected).SetName($"Broken fixture: {name}");
}

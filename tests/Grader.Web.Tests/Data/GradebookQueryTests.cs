using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data.Course;
using Grader.Web.Grading;
using NodaTime;
using NodaTime.Testing;

namespace Grader.Web.Tests.Data;

/// <summary>
/// The gradebook's query string: every value checked (a bad one named and replaced by the default), sorting by any
/// column with students without a value last, the status filters, search by netid or name, and the page cut. The lines
/// are the policy engine's grades of the shipped course's 30 students on the demo clock (HW1 graded, the rest to come).
/// </summary>
public sealed class GradebookQueryTests
{
    private static readonly CourseCatalog Course = new(Support.RunningApp.RepositoryRoot, Path.GetTempPath(), Path.GetTempPath());
    private static readonly FakeClock DemoClock = new(Instant.FromUtc(2023, 2, 20, 17, 0));

    /// <summary>Student i (0-based) scores i/30 of every HW1 check; every fourth has a late flag, every fifth pending review.</summary>
    private static IReadOnlyList<GradebookLine> Lines()
    {
        var tree = Course.Tree;
        var rubric = tree.RubricFor("hw1-mlp");
        var due = tree.Assignment("hw1-mlp").DueIn(tree.Course.TimeZone).ToInstant();
        var submissions = tree.Roster.Select((student, i) => new Submission(student.Identifier, "hw1-mlp", due - Duration.FromHours(1),
            [
                .. rubric.Items.Where(item => item.Kind == RubricItemKind.Auto)
                    .Select(item => (ItemOutcome)new CheckOutcome(item.Id, i / 30.0, CheckStatus.PartialCredit, "partly")),
                .. rubric.Items.Where(item => item.Kind == RubricItemKind.Manual).Select(item => (ItemOutcome)new TaScore(item.Id, 0, "ok", "ta1")),
            ]) { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList();
        var grades = new CourseGrader(tree, DemoClock).GradeAll(GradingFacts.Empty with { Submissions = submissions });
        return grades.Select((g, i) => new GradebookLine(g, tree.Roster[i].Name, PendingReview: i % 5 == 0, Late: i % 4 == 0, OpenCase: i == 7, MissingWork: false)).ToList();
    }

    private static GradebookRequest Parse(string? sort = null, string? dir = null, string? status = null, string? q = null, string? page = null, string? size = null) =>
        GradebookRequest.Parse(Course.Tree.Course, sort, dir, status, q, page, size);

    [Test]
    public void Sorting_by_a_component_orders_by_the_engine_percent_with_ties_by_netid()
    {
        var lines = Lines();
        var descending = Parse(sort: "hw1-mlp", dir: "desc", size: "200").Apply(lines);
        var ascending = Parse(sort: "hw1-mlp", size: "200").Apply(lines);
        var percents = descending.Lines.Select(l => l.Grade.Components[0].Assignment.Percent).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(percents, Is.Ordered.Descending);
            Assert.That(percents[0], Is.GreaterThan(percents[^1]));
            Assert.That(ascending.Lines.Select(l => l.Grade.Components[0].Assignment.Percent), Is.Ordered.Ascending);
            Assert.That(descending.Lines.GroupBy(l => l.Grade.Components[0].Assignment.Percent).Select(g => g.Select(l => l.Grade.StudentId)),
                Has.All.Ordered.Using((IComparer<string>)StringComparer.Ordinal), "ties by netid");
            Assert.That(Parse(sort: "current", dir: "desc").Apply(lines).Lines.Select(l => l.Grade.CurrentPercentOnGradedWork), Is.Ordered.Descending);
            Assert.That(Parse(sort: "name").Apply(lines).Lines.Select(l => l.Name), Is.Ordered.Using((IComparer<string>)StringComparer.OrdinalIgnoreCase));
        });
    }

    [Test]
    public void Students_without_a_value_sort_last_in_either_direction()
    {
        var lines = Lines();

        // HW2 is not due on the demo clock: nobody has a value, so the order falls back to the netid.
        var byHw2 = Parse(sort: "hw2-cnn", dir: "desc", size: "200").Apply(lines);
        // Every grade is in progress, so the final column has no value for anyone either.
        var byFinal = Parse(sort: "final", size: "200").Apply(lines);

        Assert.Multiple(() =>
        {
            Assert.That(byHw2.Lines.Select(l => l.Grade.StudentId), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(byFinal.Lines.Select(l => l.Grade.StudentId), Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
            Assert.That(byHw2.Means.For("hw2-cnn"), Is.EqualTo(new ColumnMean(null, 0)));
        });
    }

    [Test]
    public void Filters_search_and_pages_cut_the_matching_students()
    {
        var lines = Lines();
        var late = Parse(status: "late").Apply(lines);
        var pending = Parse(status: "pending-review", size: "25").Apply(lines);
        var search = Parse(q: "DM001").Apply(lines);
        string someName = lines[12].Name;
        var byName = Parse(q: someName.ToUpperInvariant()).Apply(lines);
        var secondPage = Parse(size: "25", page: "2").Apply(lines);
        var pastTheEnd = Parse(size: "25", page: "9").Apply(lines);

        Assert.Multiple(() =>
        {
            Assert.That(late.Lines.Select(l => l.Grade.StudentId), Is.EqualTo(new[] { "dm0001", "dm0005", "dm0009", "dm0013", "dm0017", "dm0021", "dm0025", "dm0029" }));
            Assert.That((pending.Matching, pending.PageCount), Is.EqualTo((6, 1)));
            Assert.That(Parse(status: "open-case").Apply(lines).Lines.Single().Grade.StudentId, Is.EqualTo("dm0008"));
            Assert.That(Parse(status: "missing").Apply(lines).Matching, Is.Zero);
            Assert.That(search.Lines.Select(l => l.Grade.StudentId), Is.EqualTo(new[] { "dm0010", "dm0011", "dm0012", "dm0013", "dm0014", "dm0015", "dm0016", "dm0017", "dm0018", "dm0019" }));
            Assert.That(byName.Lines.Select(l => l.Grade.StudentId), Does.Contain("dm0013"));
            Assert.That((secondPage.First, secondPage.Last, secondPage.Matching, secondPage.PageCount), Is.EqualTo((26, 30, 30, 2)));
            Assert.That(secondPage.Lines.Select(l => l.Grade.StudentId), Is.EqualTo(Enumerable.Range(26, 5).Select(i => $"dm00{i}")));
            Assert.That(pastTheEnd.Page, Is.EqualTo(2), "a page past the end shows the last one");
            Assert.That(late.Means.For("hw1-mlp").Students, Is.EqualTo(8), "means are over the matching students");
        });
    }

    [Test]
    public void A_bad_value_is_named_and_replaced_by_the_default()
    {
        var request = Parse(sort: "<script>", dir: "sideways", status: "failing", q: new string('x', 500), page: "-3", size: "100000");

        Assert.Multiple(() =>
        {
            Assert.That((request.Sort, request.Descending, request.Filter, request.Search.Length, request.Page, request.PageSize),
                Is.EqualTo((GradebookRequest.SortByStudent, false, GradebookFilter.All, GradebookRequest.MaxSearchLength, 1, GradebookRequest.DefaultPageSize)));
            Assert.That(request.Problems, Has.Count.EqualTo(6));
            Assert.That(request.Problems[0], Is.EqualTo("sort: there is no column '<script>'; sorted by student instead."));
            Assert.That(request.Problems, Has.Some.StartsWith("page: '-3' is not a page number"));
            Assert.That(Parse(page: "99999999999999999999").Problems, Has.Some.StartsWith("page: '99999999999999999999'"));
            Assert.That(Parse().Problems, Is.Empty);
        });
    }
}

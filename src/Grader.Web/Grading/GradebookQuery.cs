using Grader.Core.Configuration;
using Grader.Core.Grading;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Grading;

/// <summary>The gradebook's status filters: students with at least one such thing.</summary>
public enum GradebookFilter
{
    All,

    /// <summary>Items waiting for a TA on a submission that counts, or an open regrade request.</summary>
    PendingReview,

    /// <summary>A submission received after its deadline (extension and grace included), counted or not.</summary>
    Late,

    /// <summary>A similarity case against the student that the instructor has neither confirmed nor dismissed.</summary>
    OpenCase,

    /// <summary>Work past its deadline with nothing handed in.</summary>
    MissingWork,
}

/// <summary>One student's gradebook line: the engine's grade and what the status filters look at.</summary>
public sealed record GradebookLine(FinalGrade Grade, string Name, bool PendingReview, bool Late, bool OpenCase, bool MissingWork)
{
    public bool Matches(GradebookFilter filter) => filter switch
    {
        GradebookFilter.PendingReview => PendingReview,
        GradebookFilter.Late => Late,
        GradebookFilter.OpenCase => OpenCase,
        GradebookFilter.MissingWork => MissingWork,
        _ => true,
    };
}

/// <summary>One page of the gradebook after filter, search and sort, with the means over every matching student.</summary>
/// <param name="Matching">Students matching the filter and search, on all pages.</param>
/// <param name="Page">1-based, within [1, <see cref="PageCount"/>].</param>
public sealed record GradebookPage(IReadOnlyList<GradebookLine> Lines, int Matching, int ClassSize, int Page, int PageSize, ClassMeans Means)
{
    public int PageCount => Math.Max(1, (Matching + PageSize - 1) / PageSize);

    /// <summary>The 1-based position of the first line on this page among the matching students (0 when none match).</summary>
    public int First => Matching == 0 ? 0 : ((Page - 1) * PageSize) + 1;

    public int Last => (Page - 1) * PageSize + Lines.Count;
}

/// <summary>
/// What the gradebook page asks for, from its query string: sort column and direction, status filter, search, page.
/// Every value is checked here; a bad one is named in <see cref="Problems"/> and replaced by the default.
/// </summary>
public sealed record GradebookRequest(string Sort, bool Descending, GradebookFilter Filter, string Search, int Page, int PageSize)
{
    public const string SortByStudent = "student";
    public const string SortByName = "name";
    public const string SortByCurrent = "current";
    public const string SortByFinal = "final";
    public const string SortByState = "state";
    public const int MaxSearchLength = 100;

    public static IReadOnlyList<int> PageSizes { get; } = [25, 50, 100, 200];

    public const int DefaultPageSize = 50;

    /// <summary>Query-string values of <see cref="GradebookFilter"/>, in the order the form offers them.</summary>
    public static IReadOnlyList<(GradebookFilter Filter, string Value, string Label)> Filters { get; } =
    [
        (GradebookFilter.All, "all", "all students"),
        (GradebookFilter.PendingReview, "pending-review", "pending review"),
        (GradebookFilter.Late, "late", "late submission"),
        (GradebookFilter.OpenCase, "open-case", "open similarity case"),
        (GradebookFilter.MissingWork, "missing", "missing work"),
    ];

    public IReadOnlyList<string> Problems { get; init; } = [];

    public string FilterValue => Filters.First(f => f.Filter == Filter).Value;

    /// <summary>Reads the query string's raw values (null when absent); the course says which sort columns exist.</summary>
    public static GradebookRequest Parse(Course course, string? sort, string? direction, string? status, string? search, string? page, string? size)
    {
        ArgumentNullException.ThrowIfNull(course);
        var problems = new List<string>();
        string sortColumn = SortByStudent;
        if (!string.IsNullOrEmpty(sort))
        {
            if (SortColumns(course).Contains(sort, StringComparer.Ordinal))
            {
                sortColumn = sort;
            }
            else
            {
                problems.Add($"sort: there is no column '{Bounded(sort)}'; sorted by student instead.");
            }
        }

        bool descending = false;
        if (direction is "desc")
        {
            descending = true;
        }
        else if (!string.IsNullOrEmpty(direction) && direction != "asc")
        {
            problems.Add($"dir: '{Bounded(direction)}' is neither asc nor desc; ascending instead.");
        }

        var filter = GradebookFilter.All;
        if (!string.IsNullOrEmpty(status))
        {
            var known = Filters.FirstOrDefault(f => f.Value == status);
            if (known.Value is null)
            {
                problems.Add($"status: '{Bounded(status)}' is not one of {string.Join(", ", Filters.Select(f => f.Value))}; showing all students.");
            }
            else
            {
                filter = known.Filter;
            }
        }

        string query = (search ?? "").Trim();
        if (query.Length > MaxSearchLength)
        {
            problems.Add($"q: the search is {query.Length} characters; only the first {MaxSearchLength} are used.");
            query = query[..MaxSearchLength];
        }

        int pageNumber = 1;
        if (!string.IsNullOrEmpty(page) && (!int.TryParse(page, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageNumber) || pageNumber < 1))
        {
            problems.Add($"page: '{Bounded(page)}' is not a page number; showing page 1.");
            pageNumber = 1;
        }

        int pageSize = DefaultPageSize;
        if (!string.IsNullOrEmpty(size)
            && (!int.TryParse(size, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || !PageSizes.Contains(pageSize)))
        {
            problems.Add($"size: '{Bounded(size)}' is not one of {string.Join(", ", PageSizes)}; {DefaultPageSize} per page instead.");
            pageSize = DefaultPageSize;
        }

        return new GradebookRequest(sortColumn, descending, filter, query, pageNumber, pageSize) { Problems = problems };
    }

    /// <summary>Every column the gradebook sorts by: student, name, each component, current, final, state.</summary>
    public static IReadOnlyList<string> SortColumns(Course course) =>
        [SortByStudent, SortByName, .. course.Components.Select(c => c.AssignmentId), SortByCurrent, SortByFinal, SortByState];

    // A bad value is quoted back, never more than a line of it.
    private static string Bounded(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>Filters, searches, sorts and cuts one page; the means are over every matching line.</summary>
    public GradebookPage Apply(IReadOnlyList<GradebookLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var matching = lines.Where(l => l.Matches(Filter)
            && (Search.Length == 0
                || l.Grade.StudentId.Contains(Search, StringComparison.OrdinalIgnoreCase)
                || l.Name.Contains(Search, StringComparison.OrdinalIgnoreCase))).ToList();

        // Rows without a value (work still to come, a grade still in progress) go last whichever the direction; ties by netid.
        Func<GradebookLine, IComparable?> key = Sort switch
        {
            SortByStudent => l => l.Grade.StudentId,
            SortByName => l => l.Name,
            SortByCurrent => l => l.Grade.CurrentPercentOnGradedWork,
            SortByFinal => l => l.Grade.IsProvisional ? null : l.Grade.FinalPercent,
            SortByState => l => l.Grade.State,
            _ => l => l.Grade.Components.FirstOrDefault(c => c.Assignment.AssignmentId == Sort) is { IsRemaining: false } c ? c.Assignment.Percent : null,
        };
        var withValue = matching.Where(l => key(l) is not null);
        var ordered = (Descending
                ? withValue.OrderByDescending(key, Comparer<IComparable?>.Create(CompareValues))
                : withValue.OrderBy(key, Comparer<IComparable?>.Create(CompareValues)))
            .ThenBy(l => l.Grade.StudentId, StringComparer.Ordinal)
            .Concat(matching.Where(l => key(l) is null).OrderBy(l => l.Grade.StudentId, StringComparer.Ordinal))
            .ToList();

        int pageCount = Math.Max(1, (ordered.Count + PageSize - 1) / PageSize);
        int page = Math.Min(Page, pageCount);
        return new GradebookPage(ordered.Skip((page - 1) * PageSize).Take(PageSize).ToList(), ordered.Count, lines.Count, page, PageSize,
            ClassMeans.Of(matching.Select(l => l.Grade).ToList()));
    }

    private static int CompareValues(IComparable? a, IComparable? b) => a is string x && b is string y
        ? string.Compare(x, y, StringComparison.OrdinalIgnoreCase)
        : Comparer<IComparable?>.Default.Compare(a, b);

    /// <summary>
    /// The gradebook's lines: the engine's grades (cached) with each student's name and the status facts the engine
    /// does not grade from (open regrade requests, undecided similarity cases): two small queries.
    /// </summary>
    public static async Task<IReadOnlyList<GradebookLine>> LinesAsync(Gradebook gradebook, GraderDbContext db, CourseTree tree, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gradebook);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(tree);
        var grades = await gradebook.GradeAllAsync(cancellationToken).ConfigureAwait(false);
        var openCases = (await db.SimilarityCases.AsNoTracking().Where(c => c.ConfirmedAtUtc == null && c.DismissedAtUtc == null)
            .Select(c => c.StudentIdentifier).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var openRegrades = (await db.RegradeRequests.AsNoTracking().Where(r => r.Status == RegradeStatus.Open)
            .Join(db.Submissions, r => r.SubmissionId, s => s.Id, (r, s) => new { s.SubmitterId, s.AssignmentId })
            .ToListAsync(cancellationToken).ConfigureAwait(false)).Select(r => (r.SubmitterId, r.AssignmentId)).ToHashSet();
        var names = tree.Roster.ToDictionary(s => s.Identifier, s => s.Name, StringComparer.Ordinal);
        return grades.Select(g => new GradebookLine(
            g,
            names.GetValueOrDefault(g.StudentId, ""),
            PendingReview: g.Components.Any(c => c.Assignment.Rubric?.PendingItemIds.Count > 0
                || openRegrades.Contains((c.Assignment.SubmitterId, c.Assignment.AssignmentId))),
            Late: g.Components.Any(c => c.Assignment.Attempts.Any(a => a.Late.IsLate)),
            OpenCase: openCases.Contains(g.StudentId),
            MissingWork: g.Components.Any(c => c.Assignment.Counting is null && !c.Assignment.IsProvisional && c.Assignment.ZeroedByCases.Count == 0)))
            .ToList();
    }
}

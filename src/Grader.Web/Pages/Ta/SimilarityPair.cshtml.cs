using System.Globalization;
using Grader.Data;
using Grader.Similarity;
using Grader.Web.Grading;
using Grader.Web.Similarity;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Pages.Ta;

/// <summary>
/// One reported pair side by side: for every matching region, the lines of both files with line numbers, the matching
/// lines highlighted, a few lines of context around them. A TA opens a case against either student from here.
/// </summary>
public sealed class SimilarityPairModel(GraderDbContext db, SimilarityComparisons comparisons, StaffDecisions decisions, UserManager<AppUser> users) : PageModel
{
    /// <summary>Lines shown before and after a matching region.</summary>
    public const int ContextLines = 3;

    public sealed record CodeLine(int Number, string Text, bool Matches);

    public sealed record CodeExcerpt(string File, int StartLine, int EndLine, IReadOnlyList<CodeLine> Lines);

    public sealed record RegionView(int Number, int Fingerprints, CodeExcerpt First, CodeExcerpt Second);

    [BindProperty(SupportsGet = true)]
    public string Assignment { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Key { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string First { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string Second { get; set; } = "";

    /// <summary>Which side the case is against: "first" or "second".</summary>
    [BindProperty]
    public string Suspect { get; set; } = "";

    [BindProperty]
    public string Summary { get; set; } = "";

    public StoredSimilarityReport? Report { get; private set; }

    public SimilarPair? Pair { get; private set; }

    public ComparedSubmission? FirstSubmission { get; private set; }

    public ComparedSubmission? SecondSubmission { get; private set; }

    public IReadOnlyList<RegionView> Regions { get; private set; } = [];

    public IReadOnlyList<SimilarityCase> Cases { get; private set; } = [];

    /// <summary>The score the threshold applies to, in percent.</summary>
    public double ScorePercent => Pair is null || Report is null ? 0 : Math.Round(Pair.Score(Report.Report.Options.Measure) * 100, 1);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        if (string.IsNullOrEmpty(Summary))
        {
            Summary = $"{Regions.Count} matching {(Regions.Count == 1 ? "region" : "regions")}: "
                + string.Join("; ", Regions.Select(r => $"{r.First.File}:{r.First.StartLine}-{r.First.EndLine} ~ {r.Second.File}:{r.Second.StartLine}-{r.Second.EndLine}"));
        }

        return Page();
    }

    public async Task<IActionResult> OnPostOpenAsync(CancellationToken cancellationToken)
    {
        var by = await users.GetUserAsync(User);
        if (by is null || !SubmissionAccess.IsStaff(User))
        {
            return Forbid();
        }

        if (!await LoadAsync(cancellationToken))
        {
            return NotFound();
        }

        var (suspect, other) = Suspect switch
        {
            "first" => (FirstSubmission!, SecondSubmission!),
            "second" => (SecondSubmission!, FirstSubmission!),
            _ => (null, null),
        };
        try
        {
            if (suspect is null || other is null)
            {
                throw new ReviewRejectedException($"Choose whose submission the case is against (first or second); got '{Suspect}'.");
            }

            if (suspect.SubmissionId is not { } suspectId)
            {
                throw new ReviewRejectedException($"{suspect.Id} is a previous year's submission: open the case against this term's student.");
            }

            var opened = other.SubmissionId is { } otherId
                ? await decisions.OpenSimilarityCaseAsync(suspectId, otherId, ScorePercent, Summary, by, cancellationToken)
                : await decisions.OpenArchiveSimilarityCaseAsync(suspectId, other.Id, ScorePercent, Summary, by, cancellationToken);
            return Redirect($"/Ta/Similarity?assignment={Uri.EscapeDataString(Assignment)}#case-{opened.Id.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (ReviewRejectedException rejected)
        {
            ModelState.AddModelError(string.Empty, rejected.Message);
            return Page();
        }
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Report = comparisons.Load(Assignment, Key);
        Pair = Report?.Pair(First, Second);
        if (Report is null || Pair is null)
        {
            return false;
        }

        // The report's own order: regions name the report's first submission first.
        (First, Second) = (Pair.First, Pair.Second);
        FirstSubmission = Report.Submission(Pair.First);
        SecondSubmission = Report.Submission(Pair.Second);
        if (FirstSubmission is null || SecondSubmission is null)
        {
            return false;
        }

        var firstFiles = await comparisons.SourcesOfAsync(FirstSubmission, cancellationToken);
        var secondFiles = await comparisons.SourcesOfAsync(SecondSubmission, cancellationToken);
        Regions = Pair.Regions.Select((r, i) => new RegionView(
            i + 1,
            r.Fingerprints,
            Excerpt(firstFiles, r.FirstFile, r.FirstStartLine, r.FirstEndLine),
            Excerpt(secondFiles, r.SecondFile, r.SecondStartLine, r.SecondEndLine))).ToList();
        var ids = new long?[] { FirstSubmission.SubmissionId, SecondSubmission.SubmissionId }.OfType<long>().ToList();
        Cases = await db.SimilarityCases.AsNoTracking().Where(c => c.SubmissionId != null && ids.Contains(c.SubmissionId.Value)).OrderBy(c => c.Id).ToListAsync(cancellationToken);
        Cases = Cases.Where(c => SimilarityModel.IsCaseOn(c, FirstSubmission, SecondSubmission) || SimilarityModel.IsCaseOn(c, SecondSubmission, FirstSubmission)).ToList();
        return true;
    }

    /// <summary>The region's lines of one file with some context; the file may be gone (a changed archive): then no lines.</summary>
    private static CodeExcerpt Excerpt(IReadOnlyList<SourceFile> files, string path, int startLine, int endLine)
    {
        var file = files.FirstOrDefault(f => f.Path == path);
        if (file is null)
        {
            return new CodeExcerpt(path, startLine, endLine, []);
        }

        var lines = file.Text.ReplaceLineEndings("\n").Split('\n');
        int from = Math.Max(file.FirstLine, startLine - ContextLines);
        int to = Math.Min(file.FirstLine + lines.Length - 1, endLine + ContextLines);
        var shown = new List<CodeLine>();
        for (int number = from; number <= to; number++)
        {
            shown.Add(new CodeLine(number, lines[number - file.FirstLine], number >= startLine && number <= endLine));
        }

        return new CodeExcerpt(path, startLine, endLine, shown);
    }
}

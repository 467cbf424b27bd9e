namespace Grader.Similarity;

/// <summary>Merges matched fingerprints (a line range in each file) into the larger regions a TA reads side by side.</summary>
internal static class RegionMerger
{
    /// <summary>One fingerprint found in both: its lines in a file of each submission.</summary>
    internal readonly record struct Match(int FirstFile, int FirstStart, int FirstEnd, int SecondFile, int SecondStart, int SecondEnd);

    /// <summary>A merged region; <see cref="Count"/> is how many matches it holds.</summary>
    internal sealed record Region(int FirstFile, int FirstStart, int FirstEnd, int SecondFile, int SecondStart, int SecondEnd, int Count);

    /// <summary>
    /// Walks the matches in the first file's line order and extends a region when the next match lies within
    /// <paramref name="gapLines"/> of it in both files (the best-aligned one when several qualify), so a copied method becomes one region and a method moved
    /// elsewhere becomes its own. Regions come back ordered by first file and line.
    /// </summary>
    public static List<Region> Merge(IEnumerable<Match> matches, int gapLines)
    {
        var regions = new List<Region>();
        foreach (var group in matches.GroupBy(m => (m.FirstFile, m.SecondFile)))
        {
            var open = new List<Region>();
            foreach (var match in group.OrderBy(m => m.FirstStart).ThenBy(m => m.SecondStart))
            {
                int index = -1;
                for (int candidate = 0; candidate < open.Count; candidate++)
                {
                    // Of the regions this match touches, extend the one whose alignment (line offset) it continues best.
                    var touched = open[candidate];
                    if (match.FirstStart <= touched.FirstEnd + gapLines + 1
                        && match.SecondStart <= touched.SecondEnd + gapLines + 1
                        && match.SecondEnd >= touched.SecondStart - gapLines - 1
                        && (index < 0 || Skew(match, touched) < Skew(match, open[index])))
                    {
                        index = candidate;
                    }
                }

                if (index < 0)
                {
                    open.Add(new Region(match.FirstFile, match.FirstStart, match.FirstEnd, match.SecondFile, match.SecondStart, match.SecondEnd, 1));
                    continue;
                }

                var region = open[index];
                open[index] = region with
                {
                    FirstEnd = Math.Max(region.FirstEnd, match.FirstEnd),
                    SecondStart = Math.Min(region.SecondStart, match.SecondStart),
                    SecondEnd = Math.Max(region.SecondEnd, match.SecondEnd),
                    Count = region.Count + 1,
                };
            }

            regions.AddRange(WithoutEchoes(open));
        }

        return regions.OrderBy(r => r.FirstFile).ThenBy(r => r.FirstStart).ThenBy(r => r.SecondFile).ThenBy(r => r.SecondStart).ToList();
    }

    private static int Skew(Match match, Region region)
        => Math.Abs((match.SecondStart - match.FirstStart) - (region.SecondEnd - region.FirstEnd));

    /// <summary>
    /// Drops a region lying inside a larger one on both sides: a k-gram repeated within a file (two similar loops)
    /// also pairs with the other copy, which would show the same code twice.
    /// </summary>
    private static IEnumerable<Region> WithoutEchoes(List<Region> regions)
        => regions.Where(small => !regions.Any(large =>
            !ReferenceEquals(large, small)
            && large.Count > small.Count
            && large.FirstStart <= small.FirstStart && small.FirstEnd <= large.FirstEnd
            && large.SecondStart <= small.SecondStart && small.SecondEnd <= large.SecondEnd));
}

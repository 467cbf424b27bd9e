using System.Collections.Concurrent;

namespace Grader.Similarity;

/// <summary>
/// Compares all submissions of an assignment: fingerprints each (minus the starter code), builds an inverted index
/// from fingerprint to the submissions holding it, counts shared fingerprints only for pairs that share any, and
/// reports the pairs at or above the threshold with their matching regions. Time grows with the pairs that actually
/// share code, memory with the total size of the submissions.
/// </summary>
public sealed class SimilarityEngine
{
    // Occurrences of one hash in a submission considered for pairing; more is generated boilerplate, not evidence.
    private const int MaxOccurrencesPairedPerHash = 16;

    private readonly Fingerprinter fingerprinter;

    /// <summary>An engine with <paramref name="options"/> (validated here).</summary>
    public SimilarityEngine(SimilarityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        fingerprinter = new Fingerprinter(options.KGramLength, options.Window);
    }

    /// <summary>The settings in use.</summary>
    public SimilarityOptions Options { get; }

    /// <summary>Fingerprints and compares in one step.</summary>
    public SimilarityReport Compare(string assignmentId, IReadOnlyList<SubmissionSource> submissions, IReadOnlyList<SourceFile>? starter = null)
        => Compare(assignmentId, Fingerprint(submissions, starter));

    /// <summary>Fingerprints every submission (in parallel), removing the k-grams of <paramref name="starter"/>.</summary>
    public IReadOnlyList<FingerprintedSubmission> Fingerprint(IReadOnlyList<SubmissionSource> submissions, IReadOnlyList<SourceFile>? starter = null)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        var duplicate = submissions.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two submissions have the id '{duplicate.Key}'; ids must be unique", nameof(submissions));
        }

        var starterHashes = starter is { Count: > 0 } ? fingerprinter.AllKGramHashes(starter) : null;
        var result = new FingerprintedSubmission[submissions.Count];
        Parallel.For(0, submissions.Count, i => result[i] = fingerprinter.Fingerprint(submissions[i], starterHashes));
        return result;
    }

    /// <summary>Compares every pair that shares a fingerprint, except two archived submissions.</summary>
    public SimilarityReport Compare(string assignmentId, IReadOnlyList<FingerprintedSubmission> submissions)
    {
        ArgumentNullException.ThrowIfNull(submissions);
        var postings = BuildIndex(submissions);
        var ignored = Options.MaxSubmissionsPerFingerprint is int cap
            ? postings.Where(p => p.Value.Length > cap).Select(p => p.Key).ToHashSet()
            : [];
        var sizes = submissions.Select(s => s.DistinctHashes.Count(h => !ignored.Contains(h))).ToArray();

        var candidates = new ConcurrentBag<(int First, int Second, int Shared)>();
        int count = submissions.Count;
        Parallel.For(
            0,
            count,
            () => new int[count],
            (first, _, shared) =>
            {
                var touched = new List<int>();
                foreach (ulong hash in submissions[first].DistinctHashes)
                {
                    if (ignored.Contains(hash))
                    {
                        continue;
                    }

                    // Postings are ascending: walk down to the submissions after this one, so each pair counts once.
                    int[] holders = postings[hash];
                    for (int k = holders.Length - 1; k >= 0 && holders[k] > first; k--)
                    {
                        int second = holders[k];
                        if (shared[second]++ == 0)
                        {
                            touched.Add(second);
                        }
                    }
                }

                foreach (int second in touched)
                {
                    int sharedCount = shared[second];
                    shared[second] = 0;
                    if (submissions[first].IsArchived && submissions[second].IsArchived)
                    {
                        continue;
                    }

                    if (sharedCount >= Options.MinSharedFingerprints && Score(sharedCount, sizes[first], sizes[second]) >= Options.Threshold)
                    {
                        candidates.Add((first, second, sharedCount));
                    }
                }

                return shared;
            },
            _ => { });

        var pairs = candidates
            .AsParallel()
            .Select(c => new SimilarPair(
                submissions[c.First].Id,
                submissions[c.Second].Id,
                Jaccard(c.Shared, sizes[c.First], sizes[c.Second]),
                ShareOfSmaller(c.Shared, sizes[c.First], sizes[c.Second]),
                c.Shared,
                MatchRegions(submissions[c.First], submissions[c.Second], ignored)))
            .ToList();
        pairs.Sort((a, b) =>
        {
            int byScore = b.Score(Options.Measure).CompareTo(a.Score(Options.Measure));
            return byScore != 0 ? byScore : string.CompareOrdinal(a.First + "\n" + a.Second, b.First + "\n" + b.Second);
        });

        var summaries = submissions.Select((s, i) => new SubmissionSummary(s.Id, s.FilePaths.Count, s.TokenCount, sizes[i], s.IsArchived)).ToList();
        return new SimilarityReport(assignmentId, Options, summaries, pairs);
    }

    /// <summary>The regions of <paramref name="first"/> and <paramref name="second"/> that share fingerprints, merged into spans.</summary>
    internal IReadOnlyList<MatchedRegion> MatchRegions(FingerprintedSubmission first, FingerprintedSubmission second, IReadOnlySet<ulong> ignored)
    {
        var inSecond = new Dictionary<ulong, List<Fingerprint>>();
        foreach (var fingerprint in second.Fingerprints)
        {
            if (!ignored.Contains(fingerprint.Hash))
            {
                if (!inSecond.TryGetValue(fingerprint.Hash, out var list))
                {
                    inSecond[fingerprint.Hash] = list = [];
                }

                if (list.Count < MaxOccurrencesPairedPerHash)
                {
                    list.Add(fingerprint);
                }
            }
        }

        // Each fingerprint of the first pairs with one occurrence in the second: the one that continues the alignment of
        // the previous match (same file, same line offset), so code repeated within a file does not pair crosswise.
        var matches = new List<RegionMerger.Match>();
        int previousFile = -1;
        int previousOffset = 0;
        foreach (var fingerprint in first.Fingerprints)
        {
            if (!inSecond.TryGetValue(fingerprint.Hash, out var others))
            {
                continue;
            }

            var chosen = others
                .OrderBy(o => o.FileIndex == previousFile ? 0 : 1)
                .ThenBy(o => Math.Abs(o.StartLine - fingerprint.StartLine - previousOffset))
                .First();
            previousFile = chosen.FileIndex;
            previousOffset = chosen.StartLine - fingerprint.StartLine;
            matches.Add(new RegionMerger.Match(fingerprint.FileIndex, fingerprint.StartLine, fingerprint.EndLine, chosen.FileIndex, chosen.StartLine, chosen.EndLine));
        }

        return RegionMerger.Merge(matches, Options.MergeGapLines)
            .Select(r => new MatchedRegion(first.FilePaths[r.FirstFile], r.FirstStart, r.FirstEnd, second.FilePaths[r.SecondFile], r.SecondStart, r.SecondEnd, r.Count))
            .ToList();
    }

    private double Score(int shared, int firstSize, int secondSize)
        => Options.Measure == SimilarityMeasure.Jaccard ? Jaccard(shared, firstSize, secondSize) : ShareOfSmaller(shared, firstSize, secondSize);

    private static double Jaccard(int shared, int firstSize, int secondSize) => (double)shared / (firstSize + secondSize - shared);

    private static double ShareOfSmaller(int shared, int firstSize, int secondSize) => (double)shared / Math.Min(firstSize, secondSize);

    /// <summary>Fingerprint hash → the indices of the submissions holding it, ascending.</summary>
    private static Dictionary<ulong, int[]> BuildIndex(IReadOnlyList<FingerprintedSubmission> submissions)
    {
        var lists = new Dictionary<ulong, List<int>>();
        for (int i = 0; i < submissions.Count; i++)
        {
            foreach (ulong hash in submissions[i].DistinctHashes)
            {
                if (!lists.TryGetValue(hash, out var holders))
                {
                    lists[hash] = holders = [];
                }

                holders.Add(i);
            }
        }

        return lists.ToDictionary(p => p.Key, p => p.Value.ToArray());
    }
}

namespace Grader.Similarity;

/// <summary>A winnowed k-gram hash and where it came from: a file of the submission and the lines its k tokens span.</summary>
public readonly record struct Fingerprint(ulong Hash, int FileIndex, int StartLine, int EndLine);

/// <summary>A submission reduced to its fingerprints (starter code already removed). Memory: a few fingerprints per line.</summary>
public sealed class FingerprintedSubmission
{
    internal FingerprintedSubmission(string id, bool isArchived, IReadOnlyList<string> filePaths, int tokenCount, Fingerprint[] fingerprints)
    {
        Id = id;
        IsArchived = isArchived;
        FilePaths = filePaths;
        TokenCount = tokenCount;
        Fingerprints = fingerprints;
        DistinctHashes = fingerprints.Select(f => f.Hash).Distinct().Order().ToArray();
    }

    /// <summary>The submission's id, as given.</summary>
    public string Id { get; }

    /// <summary>True for a previous year's submission: compared with this term's, never with another archived one.</summary>
    public bool IsArchived { get; }

    /// <summary>The paths of its files; <see cref="Fingerprint.FileIndex"/> indexes this list.</summary>
    public IReadOnlyList<string> FilePaths { get; }

    /// <summary>How many normalised tokens its files had.</summary>
    public int TokenCount { get; }

    /// <summary>Its fingerprints in file and position order, minus those found in the starter code.</summary>
    public IReadOnlyList<Fingerprint> Fingerprints { get; }

    /// <summary>The distinct hashes of <see cref="Fingerprints"/>, ascending: what pairs are scored on.</summary>
    internal ulong[] DistinctHashes { get; }
}

/// <summary>
/// Winnowing (Schleimer, Wilkerson and Aiken 2003, the method of MOSS): hash every k-gram of normalised tokens, and in
/// every window of <c>w</c> consecutive hashes keep the smallest (the rightmost on ties). Two texts sharing a run of
/// at least k + w − 1 tokens share a fingerprint; runs shorter than k never match.
/// </summary>
public sealed class Fingerprinter
{
    private readonly int kGramLength;
    private readonly int window;

    /// <summary>A fingerprinter for k-grams of <paramref name="kGramLength"/> tokens winnowed with windows of <paramref name="window"/>.</summary>
    public Fingerprinter(int kGramLength, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kGramLength, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        this.kGramLength = kGramLength;
        this.window = window;
    }

    /// <summary>Fingerprints every file of <paramref name="submission"/> (k-grams never cross files), dropping any
    /// fingerprint whose hash is in <paramref name="excludedHashes"/> (the starter code's k-grams).</summary>
    public FingerprintedSubmission Fingerprint(SubmissionSource submission, IReadOnlySet<ulong>? excludedHashes = null)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var fingerprints = new List<Fingerprint>();
        int tokenCount = 0;
        for (int fileIndex = 0; fileIndex < submission.Files.Count; fileIndex++)
        {
            var tokens = CodeTokenizer.Tokenize(submission.Files[fileIndex]);
            tokenCount += tokens.Count;
            var hashes = KGramHashes(tokens);
            foreach (int start in Winnow(hashes))
            {
                if (excludedHashes is null || !excludedHashes.Contains(hashes[start]))
                {
                    fingerprints.Add(new Fingerprint(hashes[start], fileIndex, tokens[start].Line, tokens[start + kGramLength - 1].Line));
                }
            }
        }

        return new FingerprintedSubmission(submission.Id, submission.IsArchived, submission.Files.Select(f => f.Path).ToList(), tokenCount, [.. fingerprints]);
    }

    /// <summary>Every k-gram hash of the files (not only the winnowed ones), to exclude code the starter already had.</summary>
    public HashSet<ulong> AllKGramHashes(IEnumerable<SourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var all = new HashSet<ulong>();
        foreach (var file in files)
        {
            all.UnionWith(KGramHashes(CodeTokenizer.Tokenize(file)));
        }

        return all;
    }

    /// <summary>hashes[i] is the hash of tokens i .. i + k − 1; empty when the text has fewer than k tokens.</summary>
    internal ulong[] KGramHashes(IReadOnlyList<CodeToken> tokens)
    {
        int count = tokens.Count - kGramLength + 1;
        if (count <= 0)
        {
            return [];
        }

        var tokenHashes = new ulong[tokens.Count];
        for (int i = 0; i < tokens.Count; i++)
        {
            tokenHashes[i] = Mix((ulong)tokens[i].Kind + 0x9E3779B97F4A7C15UL);
        }

        // Polynomial hash over the k token hashes, then mixed so the window minimum is not biased by the last token.
        var hashes = new ulong[count];
        for (int start = 0; start < count; start++)
        {
            ulong hash = 0xCBF29CE484222325UL;
            for (int offset = 0; offset < kGramLength; offset++)
            {
                hash = (hash ^ tokenHashes[start + offset]) * 0x100000001B3UL;
            }

            hashes[start] = Mix(hash);
        }

        return hashes;
    }

    /// <summary>The positions winnowing selects: per window the minimum hash (rightmost on ties), each position once.</summary>
    internal List<int> Winnow(ulong[] hashes)
    {
        var selected = new List<int>();
        if (hashes.Length == 0)
        {
            return selected;
        }

        // A text shorter than one window still yields its minimum.
        int windowLength = Math.Min(window, hashes.Length);
        int lastSelected = -1;
        for (int windowStart = 0; windowStart + windowLength <= hashes.Length; windowStart++)
        {
            int minimum = windowStart;
            for (int i = windowStart + 1; i < windowStart + windowLength; i++)
            {
                if (hashes[i] <= hashes[minimum])
                {
                    minimum = i;
                }
            }

            if (minimum != lastSelected)
            {
                selected.Add(minimum);
                lastSelected = minimum;
            }
        }

        return selected;
    }

    // SplitMix64's finaliser: a cheap bijection that spreads every input bit over the whole word.
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }
}

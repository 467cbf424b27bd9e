using System.Security.Cryptography;
using System.Text;

namespace Grader.Runner.Compilation;

/// <summary>
/// Compiled submissions kept in memory by what decides the result: the grader version, the assignment's policy and
/// every unit's path, kind, cell layout and text. A re-grade of the same code with the same grader (a TA's rerun, a
/// regrade request) then skips Roslyn. Bounded: the least recently used entries go first once there are more than
/// <see cref="MaxEntries"/> entries or their assemblies hold more than <see cref="MaxBytes"/> bytes.
/// </summary>
public sealed class CompilationCache
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(string Key, CompilationOutcome Outcome)> _byRecency = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, CompilationOutcome Outcome)>> _byKey = [];
    private long _bytes;

    public CompilationCache(int maxEntries = 256, long maxBytes = 64L * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxEntries);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        MaxEntries = maxEntries;
        MaxBytes = maxBytes;
    }

    public int MaxEntries { get; }

    public long MaxBytes { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>Lookups answered from the cache, and lookups that had to compile.</summary>
    public long Hits { get; private set; }

    public long Misses { get; private set; }

    /// <summary>
    /// The cached outcome for this code, policy and grader version, or <paramref name="compile"/>'s (then kept).
    /// Two gradings of the same code at once may both compile; the result is the same, so that is only wasted work.
    /// </summary>
    public CompilationOutcome GetOrCompile(string graderVersion, StaticPolicyOptions policy, IReadOnlyList<CodeUnit> units, Func<CompilationOutcome> compile)
    {
        ArgumentNullException.ThrowIfNull(compile);
        string key = KeyOf(graderVersion, policy, units);
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var node))
            {
                _byRecency.Remove(node);
                _byRecency.AddFirst(node);
                Hits++;
                return node.Value.Outcome;
            }

            Misses++;
        }

        var outcome = compile();
        Add(key, outcome);
        return outcome;
    }

    /// <summary>A SHA-256 over everything that decides a compilation's outcome, each field length-prefixed.</summary>
    public static string KeyOf(string graderVersion, StaticPolicyOptions policy, IReadOnlyList<CodeUnit> units)
    {
        ArgumentNullException.ThrowIfNull(graderVersion);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(units);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Field(string value)
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }

        Field(graderVersion);
        Field($"autograd={policy.ForbidAutograd};threads={policy.ForbidThreads}");
        Field(units.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var unit in units)
        {
            Field(unit.Path);
            Field(unit.IsScript ? "script" : "file");
            Field(unit.Cells is null ? "-" : string.Join(';', unit.Cells.Select(c => $"{c.FirstLine},{c.LineCount}")));
            Field(unit.Text);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private void Add(string key, CompilationOutcome outcome)
    {
        long size = SizeOf(outcome);
        // Over the compile budget depends on the machine's load as much as on the code: compile again next time.
        if (MaxEntries == 0 || size > MaxBytes || outcome.Messages.Any(m => m.Id == StudentCompiler.OverBudgetId))
        {
            return;
        }

        lock (_gate)
        {
            if (_byKey.ContainsKey(key))
            {
                return;
            }

            _byKey[key] = _byRecency.AddFirst((key, outcome));
            _bytes += size;
            while (_byKey.Count > MaxEntries || _bytes > MaxBytes)
            {
                var oldest = _byRecency.Last!;
                _byRecency.RemoveLast();
                _byKey.Remove(oldest.Value.Key);
                _bytes -= SizeOf(oldest.Value.Outcome);
            }
        }
    }

    // The assembly dominates; messages count roughly so that a flood of diagnostics cannot fill memory unseen.
    private static long SizeOf(CompilationOutcome outcome)
        => (outcome.Assembly?.LongLength ?? 0) + outcome.EarlierSubmissions.Sum(earlier => earlier.Image.LongLength)
            + outcome.Messages.Sum(m => 64L + m.Message.Length * 2L) + outcome.Violations.Count * 256L;
}

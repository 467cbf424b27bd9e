namespace Grader.Runner.Sandbox;

/// <summary>
/// Takes the sandbox's start-up and tear-down off a grading's critical path. Hosts are started ahead of need (one per
/// worker slot for each set of limits in use), so the start-up overlaps the compile of the next submission; every
/// submission still gets a fresh host with its own control groups and limits, and a host is never handed out twice.
/// Finished hosts are torn down in the background (<see cref="Retire"/>) after the report is written. Disposing the
/// pool (or the process exiting) shuts every host down that was started ahead of need and never used, and waits for
/// the background teardowns.
/// </summary>
public sealed class SandboxPool : IDisposable
{
    // Two sets of limits stay warm: a notebook run and the checks of one assignment use one each.
    private const int MaxWarmLimitSets = 2;

    private readonly SandboxLauncher _launcher;
    private readonly int _warmPerLimits;
    private readonly BackgroundTeardown _teardown;
    private readonly Lock _gate = new();

    // The hosts started ahead of need, by limits, most recently used set first.
    private readonly List<(SandboxLimits Limits, Queue<SandboxSession> Hosts)> _warm = [];

    // Handed out and not yet retired: torn down at Dispose if their caller never retired them (a grader fault).
    private readonly HashSet<SandboxSession> _inUse = [];
    private bool _disposed;

    /// <param name="launcher">Starts the hosts.</param>
    /// <param name="warmPerLimits">Hosts kept started ahead of need for each set of limits: one per worker slot; 0
    /// starts every host on demand (one grading, nothing to start ahead for).</param>
    /// <param name="teardown">Where finished hosts are torn down; default: a queue of this pool's own.</param>
    public SandboxPool(SandboxLauncher launcher, int warmPerLimits, BackgroundTeardown? teardown = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmPerLimits);
        _launcher = launcher;
        _warmPerLimits = warmPerLimits;
        _teardown = teardown ?? new BackgroundTeardown();
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Hosts started ahead of need and not yet handed out (for tests and diagnostics).</summary>
    public int WarmCount
    {
        get
        {
            lock (_gate)
            {
                return _warm.Sum(set => set.Hosts.Count);
            }
        }
    }

    /// <summary>The hosts started ahead of need, not yet handed out (for tests: each must end up torn down).</summary>
    public IReadOnlyList<SandboxSession> WarmHosts
    {
        get
        {
            lock (_gate)
            {
                return [.. _warm.SelectMany(set => set.Hosts)];
            }
        }
    }

    /// <summary>
    /// A sandbox for one submission: a host started ahead of need with the same limits when there is a healthy one,
    /// else a new one; then the submission's assembly and files are put in, and a replacement is started for the
    /// next. Call <see cref="SandboxSession.WaitUntilReady"/> next and <see cref="Retire"/> when done.
    /// </summary>
    public SandboxSession Start(string studentAssembly, string? submissionFiles, SandboxLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ObjectDisposedException.ThrowIf(_disposed, this);
        // A granted GPU belongs to this grading's lease only; such hosts are never started ahead.
        bool pooled = _warmPerLimits > 0 && limits.GrantedGpu is null;
        var session = (pooled ? TakeWarm(limits) : null) ?? _launcher.StartUnassigned(limits);
        lock (_gate)
        {
            _inUse.Add(session);
        }

        try
        {
            session.Assign(studentAssembly, submissionFiles);
        }
        catch
        {
            Retire(session);
            throw;
        }

        if (pooled)
        {
            // Off the critical path: starting the process would cost a few milliseconds more here.
            _teardown.Run(() => Replenish(limits));
        }

        return session;
    }

    /// <summary>Tears the sandbox down in the background (stragglers killed, control groups and run folder removed).</summary>
    public void Retire(SandboxSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            _inUse.Remove(session);
        }

        _teardown.Run(session.Dispose);
    }

    /// <summary>
    /// Shuts down every host started ahead of need (and any handed out but never retired) and waits for every
    /// background teardown.
    /// </summary>
    public void Dispose()
    {
        List<SandboxSession> unused;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            unused = [.. _warm.SelectMany(set => set.Hosts), .. _inUse];
            _warm.Clear();
            _inUse.Clear();
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        // Replenishing tasks see _disposed and tear their host down themselves; wait for them first.
        _teardown.WaitForAll();
        Parallel.ForEach(unused, host => host.Dispose());
        _teardown.WaitForAll();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();

    private SandboxSession? TakeWarm(SandboxLimits limits)
    {
        var stale = new List<SandboxSession>();
        SandboxSession? taken = null;
        lock (_gate)
        {
            int index = _warm.FindIndex(set => set.Limits == limits);
            if (index >= 0)
            {
                var set = _warm[index];
                _warm.RemoveAt(index);
                _warm.Insert(0, set);
                while (taken is null && set.Hosts.TryDequeue(out var host))
                {
                    // A host that died while waiting (killed, out of memory at start) is not handed out: the student would
                    // be told their code was killed before it was even loaded.
                    if (host.StoppedBecause is null && host.ExitCode is null)
                    {
                        taken = host;
                    }
                    else
                    {
                        stale.Add(host);
                    }
                }
            }
        }

        foreach (var host in stale)
        {
            Console.Error.WriteLine($"grader: a sandbox started ahead of need had ended while it waited ({host.StoppedBecause?.Message ?? $"exit code {host.ExitCode}"}); another one is used");
            Retire(host);
        }

        return taken;
    }

    private void Replenish(SandboxLimits limits)
    {
        var evicted = new List<SandboxSession>();
        while (true)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    break;
                }

                int index = _warm.FindIndex(set => set.Limits == limits);
                if (index < 0)
                {
                    _warm.Insert(0, (limits, new Queue<SandboxSession>()));
                    // A set of limits no longer in use (another assignment's) gives its hosts back.
                    while (_warm.Count > MaxWarmLimitSets)
                    {
                        evicted.AddRange(_warm[^1].Hosts);
                        _warm.RemoveAt(_warm.Count - 1);
                    }

                    index = 0;
                }

                if (_warm[index].Hosts.Count >= _warmPerLimits)
                {
                    break;
                }
            }

            var host = _launcher.StartUnassigned(limits);
            bool kept = false;
            lock (_gate)
            {
                int index = _warm.FindIndex(set => set.Limits == limits);
                if (!_disposed && index >= 0 && _warm[index].Hosts.Count < _warmPerLimits)
                {
                    _warm[index].Hosts.Enqueue(host);
                    kept = true;
                }
            }

            if (!kept)
            {
                host.Dispose();
                break;
            }
        }

        foreach (var host in evicted)
        {
            Retire(host);
        }
    }
}

/// <summary>
/// Work that must finish but not before the report: sandbox teardowns, deleting a grading's scratch folder. Bounded:
/// when <see cref="MaxPending"/> jobs are already waiting, the caller does the next one itself, so teardowns cannot pile
/// up faster than they finish. <see cref="WaitForAll"/> before the process exits leaves nothing behind.
/// </summary>
public sealed class BackgroundTeardown
{
    public const int MaxPending = 8;

    private readonly Lock _gate = new();
    private readonly HashSet<Task> _pending = [];

    /// <summary>Jobs started and not finished.</summary>
    public int Pending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="job"/> in the background, or here when too many are already waiting.</summary>
    public void Run(Action job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (Pending >= MaxPending)
        {
            job();
            return;
        }

        Track(Task.Run(() => RunReported(job)));
    }

    /// <summary>Keeps <paramref name="task"/> among the jobs <see cref="WaitForAll"/> waits for.</summary>
    public void Track(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        lock (_gate)
        {
            _pending.Add(task);
        }

        task.ContinueWith(done =>
        {
            lock (_gate)
            {
                _pending.Remove(done);
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits until every job started so far (and any they start) has finished.</summary>
    public void WaitForAll()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _pending];
            }

            if (pending.Length == 0)
            {
                return;
            }

            foreach (var task in pending)
            {
                ((IAsyncResult)task).AsyncWaitHandle.WaitOne();
            }

            lock (_gate)
            {
                _pending.ExceptWith(pending);
            }
        }
    }

    /// <summary>A teardown that fails must not take a grading down with it; it is said on stderr for the operator.</summary>
    private static void RunReported(Action job)
    {
        try
        {
            job();
        }
#pragma warning disable CA1031 // Nothing waits on a background teardown; its failure is reported, not thrown.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Console.Error.WriteLine($"grader: a background teardown failed: {error.GetType().Name}: {error.Message}");
        }
    }
}

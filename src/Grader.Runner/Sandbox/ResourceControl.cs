using System.Globalization;

namespace Grader.Runner.Sandbox;

/// <summary>
/// Per-run control group for memory and process limits, CPU accounting and a reliable kill of everything the run
/// started. Uses cgroup v2 when this host delegates its controllers, else the v1 hierarchies, else nothing: the
/// launcher then falls back to rlimits (see <see cref="SandboxLauncher"/>), which cannot bound a fork bomb run as root.
/// </summary>
internal sealed class ResourceControl : IDisposable
{
    private readonly List<string> _groups;
    private readonly string? _memoryGroup;
    private readonly string? _cpuGroup;
    private readonly bool _isV2;

    private ResourceControl(List<string> groups, string? memoryGroup, string? cpuGroup, bool isV2)
    {
        _groups = groups;
        _memoryGroup = memoryGroup;
        _cpuGroup = cpuGroup;
        _isV2 = isV2;
    }

    /// <summary>The cgroup.procs files a process must write its pid into to join every group of this run.</summary>
    public IReadOnlyList<string> ProcsFiles => _groups.Select(g => Path.Combine(g, "cgroup.procs")).ToList();

    public bool LimitsMemory => _memoryGroup is not null;

    /// <summary>The run's control group folders (one per hierarchy on cgroup v1); empty with rlimits only.</summary>
    public IReadOnlyList<string> Groups => _groups;

    public string Description => _groups.Count == 0 ? "rlimits only" : (_isV2 ? "cgroup v2" : "cgroup v1");

    /// <summary>Creates the groups for one run, or an empty control when the host offers none we may write.</summary>
    public static ResourceControl Create(string runName, SandboxLimits limits)
    {
        try
        {
            return TryCreateV2(runName, limits) ?? TryCreateV1(runName, limits) ?? None();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return None();
        }
    }

    internal static ResourceControl None() => new([], null, null, false);

    private static ResourceControl? TryCreateV2(string runName, SandboxLimits limits)
    {
        string? root = OwnGroupPath("0", "/sys/fs/cgroup/unified") ?? OwnGroupPath("0", "/sys/fs/cgroup");
        if (root is null || !File.Exists(Path.Combine(root, "cgroup.subtree_control")))
        {
            return null;
        }

        var enabled = File.ReadAllText(Path.Combine(root, "cgroup.subtree_control")).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!enabled.Contains("memory") || !enabled.Contains("pids"))
        {
            return null;
        }

        string group = Path.Combine(root, runName);
        Directory.CreateDirectory(group);
        File.WriteAllText(Path.Combine(group, "memory.max"), Megabytes(limits.MemoryMegabytes));
        TryWrite(Path.Combine(group, "memory.swap.max"), "0");
        File.WriteAllText(Path.Combine(group, "pids.max"), limits.MaxProcesses.ToString(CultureInfo.InvariantCulture));
        return new ResourceControl([group], group, group, isV2: true);
    }

    private static ResourceControl? TryCreateV1(string runName, SandboxLimits limits)
    {
        string? memoryRoot = OwnGroupPath("memory", "/sys/fs/cgroup/memory");
        string? pidsRoot = OwnGroupPath("pids", "/sys/fs/cgroup/pids");
        if (memoryRoot is null || pidsRoot is null)
        {
            return null;
        }

        string memory = Path.Combine(memoryRoot, runName);
        string pids = Path.Combine(pidsRoot, runName);
        Directory.CreateDirectory(memory);
        Directory.CreateDirectory(pids);
        var groups = new List<string> { memory, pids };
        File.WriteAllText(Path.Combine(memory, "memory.limit_in_bytes"), Megabytes(limits.MemoryMegabytes));
        TryWrite(Path.Combine(memory, "memory.memsw.limit_in_bytes"), Megabytes(limits.MemoryMegabytes));
        File.WriteAllText(Path.Combine(pids, "pids.max"), limits.MaxProcesses.ToString(CultureInfo.InvariantCulture));

        string? cpu = null;
        string? cpuRoot = OwnGroupPath("cpuacct", "/sys/fs/cgroup/cpuacct");
        if (cpuRoot is not null)
        {
            cpu = Path.Combine(cpuRoot, runName);
            Directory.CreateDirectory(cpu);
            groups.Add(cpu);
        }

        return new ResourceControl(groups, memory, cpu, isV2: false);
    }

    /// <summary>Peak memory of the run in bytes, when measured.</summary>
    public long? PeakMemoryBytes => _memoryGroup is null ? null
        : ReadLong(Path.Combine(_memoryGroup, _isV2 ? "memory.peak" : "memory.max_usage_in_bytes"));

    /// <summary>CPU time of the run, when measured.</summary>
    public TimeSpan? CpuTime
    {
        get
        {
            if (_cpuGroup is null)
            {
                return null;
            }

            if (!_isV2)
            {
                long? nanoseconds = ReadLong(Path.Combine(_cpuGroup, "cpuacct.usage"));
                return nanoseconds is null ? null : TimeSpan.FromTicks(nanoseconds.Value / 100);
            }

            string statFile = Path.Combine(_cpuGroup, "cpu.stat");
            if (!File.Exists(statFile))
            {
                return null;
            }

            var usage = File.ReadLines(statFile).FirstOrDefault(l => l.StartsWith("usage_usec ", StringComparison.Ordinal));
            return usage is null ? null : TimeSpan.FromMicroseconds(long.Parse(usage[11..], CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Whether the kernel had to refuse memory to the run (the run hit its memory limit).</summary>
    public bool HitMemoryLimit
    {
        get
        {
            if (_memoryGroup is null)
            {
                return false;
            }

            if (_isV2)
            {
                string events = Path.Combine(_memoryGroup, "memory.events");
                return File.Exists(events) && File.ReadLines(events).Any(l => (l.StartsWith("oom_kill ", StringComparison.Ordinal) || l.StartsWith("max ", StringComparison.Ordinal)) && !l.EndsWith(" 0", StringComparison.Ordinal));
            }

            // failcnt stays 0 when the kernel goes straight to the OOM killer; oom_control counts those kills.
            string oomControl = Path.Combine(_memoryGroup, "memory.oom_control");
            bool oomKilled = File.Exists(oomControl) && File.ReadLines(oomControl).Any(l => l.StartsWith("oom_kill ", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal));
            return oomKilled || ReadLong(Path.Combine(_memoryGroup, "memory.failcnt")) > 0;
        }
    }

    /// <summary>
    /// Kills and removes the groups of runs whose runner process no longer exists (it was SIGKILLed, or its machine
    /// lost power, before its teardown): <paramref name="runnerIsAlive"/> is asked with the pid in the group's name.
    /// </summary>
    /// <returns>The groups removed.</returns>
    public static IReadOnlyList<string> RemoveGroupsOfDeadRunners(Func<int, bool> runnerIsAlive)
    {
        ArgumentNullException.ThrowIfNull(runnerIsAlive);
        var removed = new List<string>();
        string? v2 = OwnGroupPath("0", "/sys/fs/cgroup/unified") ?? OwnGroupPath("0", "/sys/fs/cgroup");
        var roots = new[] { (v2, true), (OwnGroupPath("memory", "/sys/fs/cgroup/memory"), false), (OwnGroupPath("pids", "/sys/fs/cgroup/pids"), false), (OwnGroupPath("cpuacct", "/sys/fs/cgroup/cpuacct"), false) };
        foreach (var (root, isV2) in roots)
        {
            if (root is null)
            {
                continue;
            }

            foreach (var group in Directory.EnumerateDirectories(root, "grader-*"))
            {
                if (RunnerPidOf(Path.GetFileName(group)) is { } pid && !runnerIsAlive(pid))
                {
                    new ResourceControl([group], null, null, isV2).Dispose();
                    if (!Directory.Exists(group))
                    {
                        removed.Add(group);
                    }
                }
            }
        }

        return removed;
    }

    /// <summary>The runner's pid in a run name made by <see cref="SandboxLauncher"/> (<c>grader-PID-GUID</c>); null for any other name.</summary>
    internal static int? RunnerPidOf(string runName)
    {
        var parts = runName.Split('-');
        return parts.Length == 3 && parts[0] == "grader" && parts[2].Length == 32 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            ? pid
            : null;
    }

    /// <summary>Kills every process still in the run's groups (threads left running, forked children).</summary>
    public void KillAll()
    {
        foreach (var group in _groups)
        {
            string kill = Path.Combine(group, "cgroup.kill");
            if (_isV2 && File.Exists(kill))
            {
                TryWrite(kill, "1");
                continue;
            }

            string procs = Path.Combine(group, "cgroup.procs");
            if (!File.Exists(procs))
            {
                continue;
            }

            foreach (var line in File.ReadAllLines(procs))
            {
                if (int.TryParse(line, CultureInfo.InvariantCulture, out int pid))
                {
                    try
                    {
                        System.Diagnostics.Process.GetProcessById(pid).Kill();
                    }
                    catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                    {
                        // Already gone.
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        KillAll();
        foreach (var group in _groups)
        {
            // A group can be removed only once empty; killed processes take a moment to be reaped.
            for (int attempt = 0; attempt < 50 && Directory.Exists(group); attempt++)
            {
                try
                {
                    Directory.Delete(group);
                }
                catch (IOException)
                {
                    Thread.Sleep(20);
                }
            }
        }
    }

    /// <summary>Where this process's own group of a hierarchy is mounted, if writable.</summary>
    private static string? OwnGroupPath(string hierarchy, string mountPoint)
    {
        if (!Directory.Exists(mountPoint) || !File.Exists("/proc/self/cgroup"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            bool matches = hierarchy == "0" ? parts[0] == "0" && parts[1].Length == 0 : parts[1].Split(',').Contains(hierarchy);
            if (!matches)
            {
                continue;
            }

            string path = mountPoint + parts[2].TrimEnd('/');
            return Directory.Exists(path) && IsWritable(path) ? path : null;
        }

        return null;
    }

    private static bool IsWritable(string directory)
    {
        string probe = Path.Combine(directory, $"grader-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string Megabytes(int megabytes) => (megabytes * 1024L * 1024L).ToString(CultureInfo.InvariantCulture);

    private static long? ReadLong(string file)
        => File.Exists(file) && long.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out long value) ? value : null;

    private static void TryWrite(string file, string value)
    {
        try
        {
            if (File.Exists(file))
            {
                File.WriteAllText(file, value);
            }
        }
        catch (IOException)
        {
            // Optional knob (e.g. swap accounting disabled on this host).
        }
    }
}

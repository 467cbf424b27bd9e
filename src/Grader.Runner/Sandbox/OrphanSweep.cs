using System.Globalization;

namespace Grader.Runner.Sandbox;

/// <summary>
/// What a runner killed without its teardown leaves behind: control groups with its sandbox processes still in them,
/// and run and work folders under the temp folder. Each is named with the runner's pid; the first launcher of a
/// process sweeps those of runners that no longer exist. A live runner's are never touched (its pid is alive; a pid
/// reused by another process only postpones the sweep).
/// </summary>
internal static class OrphanSweep
{
    private static int s_swept;

    /// <summary>Sweeps once per process; later calls return at once. Never throws: what it cannot remove stays.</summary>
    public static void OncePerProcess()
    {
        if (Interlocked.Exchange(ref s_swept, 1) == 0)
        {
            try
            {
                Sweep(Path.GetTempPath(), IsAlive);
            }
#pragma warning disable CA1031 // Leftovers of another run must never stop this one from grading.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Console.Error.WriteLine($"grader: could not sweep the leftovers of killed runners: {error.GetType().Name}: {error.Message}");
            }
        }
    }

    /// <summary>Removes the groups and the <c>grader-run-PID-*</c> and <c>grader-work-PID</c> folders of dead runners.</summary>
    /// <returns>What was removed (for tests and the log).</returns>
    internal static IReadOnlyList<string> Sweep(string tempFolder, Func<int, bool> runnerIsAlive)
    {
        var removed = new List<string>(ResourceControl.RemoveGroupsOfDeadRunners(runnerIsAlive));
        foreach (var folder in Directory.EnumerateDirectories(tempFolder, "grader-*"))
        {
            if (RunnerPidOfFolder(Path.GetFileName(folder)) is { } pid && !runnerIsAlive(pid) && TryDelete(folder))
            {
                removed.Add(folder);
            }
        }

        return removed;
    }

    /// <summary>The pid in <c>grader-run-PID-XXXX</c> or <c>grader-work-PID</c>; null for any other name.</summary>
    internal static int? RunnerPidOfFolder(string name)
    {
        var parts = name.Split('-');
        bool named = parts.Length >= 3 && parts[0] == "grader" && ((parts[1] == "run" && parts.Length == 4) || (parts[1] == "work" && parts.Length == 3));
        return named && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : null;
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");

    private static bool TryDelete(string folder)
    {
        try
        {
            // Folders were made read-only for the sandbox; a file's own mode does not matter for deleting it on Linux
            // (and the sandbox's socket in a run folder is not a file whose attributes can be set).
            foreach (var directory in new DirectoryInfo(folder).EnumerateDirectories("*", SearchOption.AllDirectories).Prepend(new DirectoryInfo(folder)))
            {
                if (directory.LinkTarget is null)
                {
                    directory.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
                }
            }

            Directory.Delete(folder, recursive: true);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

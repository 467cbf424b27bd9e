using System.Runtime;
using System.Runtime.InteropServices;

namespace Grader.Runner.Grading;

/// <summary>
/// Keeps a process that grades thousands of submissions near the size it reaches after the first few. Measured over
/// 1,000 gradings, the growth was not live data (41 MB live at the end) but memory the GC kept committed for reuse and
/// free space in glibc's heaps; every <see cref="Interval"/> gradings both are handed back to the system.
/// </summary>
internal static class GradingMemory
{
    /// <summary>Gradings between two compactions: a blocking collection of a heap of ~15 MB live is cheap next to 50 gradings.</summary>
    public const int Interval = 50;

    private static int s_gradings;

    /// <summary>Counts a finished grading; every <see cref="Interval"/>th compacts the heap and trims the native heaps.</summary>
    public static void GradingFinished()
    {
        if (Interlocked.Increment(ref s_gradings) % Interval != 0)
        {
            return;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        // Aggressive: decommit what the GC holds in reserve, not only collect.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        // Finalizers free TorchSharp tensors no scope owned; the native side then has free chunks to give back.
        TrimNativeHeaps();
    }

    private static void TrimNativeHeaps()
    {
        try
        {
            _ = malloc_trim(0);
        }
        catch (Exception error) when (error is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl, macOS): nothing to trim this way.
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int malloc_trim(nuint pad);
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Grader.Sandbox;

/// <summary>
/// The submission's CPU limit, counted from when its code arrives. The host is started with its limit raised by the
/// runner's start-up allowance (the runtime, TorchSharp and libtorch loading, the warm-up: 1-2 s, and more on a busy
/// machine); at Load it lowers its own limit to what it has used so far plus the submission's budget. Lowering needs
/// no privilege, and nothing the student's code can do afterwards raises it again.
/// </summary>
internal static class CpuBudget
{
    private const int ResourceCpu = 0; // RLIMIT_CPU on Linux

    /// <summary>The process may use <paramref name="seconds"/> more of CPU: SIGXCPU then, SIGKILL a second later.</summary>
    public static void StartNow(int seconds)
    {
        ulong used = (ulong)Math.Ceiling(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
        var limit = new ResourceLimit { Current = used + (ulong)seconds, Maximum = used + (ulong)seconds + 1 };
        if (setrlimit(ResourceCpu, ref limit) != 0)
        {
            // The start-up allowance stays on top of the budget; the runner's own accounting still counts from Load.
            Console.Error.WriteLine($"grader-sandbox: could not set the CPU limit (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct ResourceLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int setrlimit(int resource, ref ResourceLimit limit);
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Grader.Runner.Sandbox;

/// <summary>
/// Starts the sandbox host for one submission under bubblewrap: new user, PID, IPC, UTS, cgroup and network
/// namespaces (so no network at all), a read-only view of /usr, the .NET runtime, the sandbox host folder and this
/// submission's compiled code and files, a read-only root and /dev, private size-capped /tmp and /dev/shm, no nested
/// user namespaces, no capabilities, a fresh session (no terminal injection), killed with the runner. Resource limits come from a per-run control group where the host allows,
/// plus rlimits everywhere.
/// </summary>
public sealed class SandboxLauncher
{
    private const string SandboxHostFolderName = "sandbox";

    private readonly string _sandboxHostDirectory;
    private readonly string _dotnetHost;

    public SandboxLauncher(string? sandboxHostDirectory = null)
    {
        _sandboxHostDirectory = sandboxHostDirectory ?? Path.Combine(AppContext.BaseDirectory, SandboxHostFolderName);
        if (!File.Exists(Path.Combine(_sandboxHostDirectory, "grader-sandbox.dll")))
        {
            throw new SandboxUnavailableException($"the sandbox host is missing from {_sandboxHostDirectory} (build Grader.Runner)");
        }

        _dotnetHost = ResolveDotnetHost();
        OrphanSweep.OncePerProcess();
        if (FindOnPath("bwrap") is null)
        {
            throw new SandboxUnavailableException("bubblewrap (bwrap) is not installed: run scripts/setup.sh");
        }
    }

    /// <summary>For tests: limits by rlimits alone, as in a container without a writable cgroup.</summary>
    internal bool RlimitsOnly { get; init; }

    /// <summary>Inside the sandbox, the run folder's layout: the student's assembly, their files, the socket.</summary>
    internal const string AssemblyFolderName = "bin";
    internal const string AssemblyFileName = "student.dll";
    internal const string FilesFolderName = "files";
    internal const string AssemblyPathInside = "/submission/bin/student.dll";
    internal const string IpcFolderName = "ipc";
    internal const string SocketFileName = "runner.sock";

    /// <summary>Starts a sandbox that loads <paramref name="studentAssembly"/>; call <see cref="SandboxSession.WaitUntilReady"/> next.</summary>
    /// <param name="studentAssembly">The compiled submission (the only code of the student the sandbox gets).</param>
    /// <param name="submissionFiles">The submission's own files (data the notebook reads), visible read-only as the working directory; null for none.</param>
    public SandboxSession Start(string studentAssembly, string? submissionFiles, SandboxLimits limits)
    {
        var session = StartUnassigned(limits);
        try
        {
            session.Assign(studentAssembly, submissionFiles);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return session;
    }

    /// <summary>
    /// Starts a sandbox host with no submission yet, under its own control groups and limits: it loads the runtime
    /// and libtorch and waits on standby. Its run folder is empty until <see cref="SandboxSession.Assign"/> fills it,
    /// so a host started ahead of need has seen nothing of any student.
    /// </summary>
    public SandboxSession StartUnassigned(SandboxLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        string runName = $"grader-{Environment.ProcessId}-{Guid.NewGuid():N}";
        // The pid in both names lets a later runner sweep them if this one is killed before its teardown (OrphanSweep).
        string runDirectory = Directory.CreateTempSubdirectory($"grader-run-{Environment.ProcessId}-").FullName;
        string ipcDirectory = Path.Combine(runDirectory, IpcFolderName);
        string binDirectory = Path.Combine(runDirectory, AssemblyFolderName);
        string filesDirectory = Path.Combine(runDirectory, FilesFolderName);
        Directory.CreateDirectory(ipcDirectory);
        Directory.CreateDirectory(binDirectory);
        Directory.CreateDirectory(filesDirectory);
        var privateMounts = SupportsPrivateMounts.Value ? PrivateMounts.In(runDirectory) : null;

        var control = RlimitsOnly ? ResourceControl.None() : ResourceControl.Create(runName, limits);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string socketPath = Path.Combine(ipcDirectory, SocketFileName);
        // The runner's end of the connection is made in the sandbox's network namespace with the listener's address,
        // so the sandbox's /proc/net/unix shows the path bound here: bound through a folder descriptor, it names no
        // host folder. The descriptor stays open while the listener may still delete its file by that path.
        var ipcFolder = OpenFolderPath(ipcDirectory);
        listener.Bind(new UnixDomainSocketEndPoint($"/proc/self/fd/{ipcFolder.DangerousGetHandle()}/{SocketFileName}"));
        listener.Listen(1);
        // The sandbox runs as "nobody" in its own user namespace; it must be allowed to connect.
        File.SetUnixFileMode(socketPath, (UnixFileMode)0x1FF);

        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // The shell joins the run's control groups, then becomes prlimit, which sets rlimits and becomes bwrap: the
        // limits are in place before any student code exists, and no process escapes the groups by forking first.
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("for f in \"$@\"; do case \"$f\" in --) shift; break;; esac; echo $$ > \"$f\" || exit 97; shift; done; exec \"$@\"");
        startInfo.ArgumentList.Add("join-groups");
        foreach (var procsFile in control.ProcsFiles)
        {
            startInfo.ArgumentList.Add(procsFile);
        }

        startInfo.ArgumentList.Add("--");
        foreach (var argument in PrlimitArguments(limits, control))
        {
            startInfo.ArgumentList.Add(argument);
        }

        if (privateMounts is not null)
        {
            foreach (var argument in privateMounts.Arguments(_sandboxHostDirectory, limits))
            {
                startInfo.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in BubblewrapArguments(binDirectory, filesDirectory, ipcDirectory, privateMounts, limits))
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add(_dotnetHost);
        startInfo.ArgumentList.Add("/grader/grader-sandbox.dll");
        startInfo.ArgumentList.Add("--socket");
        startInfo.ArgumentList.Add("/ipc/runner.sock");

        Process process;
        try
        {
            process = SandboxForker.Start(startInfo);
        }
        catch
        {
            listener.Dispose();
            ipcFolder.Dispose();
            control.Dispose();
            Directory.Delete(runDirectory, recursive: true);
            throw;
        }

        process.StandardInput.Close();
        return new SandboxSession(process, listener, control, runDirectory, limits, ipcFolder);
    }

    /// <summary>CPU seconds a host may spend starting (runtime, TorchSharp, libtorch, warm-up) besides the submission's budget.</summary>
    internal const int StartCpuAllowanceSeconds = 30;

    private static IEnumerable<string> PrlimitArguments(SandboxLimits limits, ResourceControl control)
    {
        yield return "prlimit";
        // The host's start-up on top of the submission's budget; the host lowers its limit to the budget at Load (CpuBudget).
        yield return $"--cpu={limits.CpuSeconds + StartCpuAllowanceSeconds}";
        yield return $"--nofile={limits.MaxOpenFiles}";
        // Just above the /tmp size, so a disk filler meets "no space left" (an exception it can see) first.
        yield return $"--fsize={(limits.TmpMegabytes + 1) * 1024L * 1024L}";
        yield return "--core=0";
        if (!control.LimitsMemory)
        {
            // Without a memory cgroup, bound the address space instead. The .NET GC reserves address space far
            // beyond what it uses, so the GC heap is capped separately (DOTNET_GCHeapHardLimit) and the address-space
            // limit leaves room for reservations, libtorch and thread stacks.
            yield return $"--as={(limits.MemoryMegabytes + 8192L) * 1024L * 1024L}";
        }

        yield return "--";
    }

    private IEnumerable<string> BubblewrapArguments(string binDirectory, string filesDirectory, string ipcDirectory, PrivateMounts? privateMounts, SandboxLimits limits)
    {
        // /tmp and /dev/shm: capped in size (and in files where the private mounts are made), both writable.
        // bwrap's /dev/shm is a folder of the /dev tmpfs, which has no size cap (and / neither): its own capped tmpfs
        // here, and both made read-only at the end. tmpfs pages are outside RLIMIT_AS, so without a memory cgroup
        // these caps are the only bound on what the sandbox may keep in memory as files.
        string[] scratch = privateMounts is null
            ? ["--size", Megabytes(limits.SharedMemoryMegabytes), "--tmpfs", "/dev/shm", "--size", Megabytes(limits.TmpMegabytes), "--tmpfs", "/tmp"]
            : ["--bind", privateMounts.SharedMemory, "/dev/shm", "--bind", privateMounts.Tmp, "/tmp"];
        string graderSource = privateMounts?.SandboxHost ?? _sandboxHostDirectory;
        string[] arguments =
        [
            "bwrap",
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try",
            "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr",
            "--proc", "/proc", "--dev", "/dev",
            .. scratch,
            "--ro-bind", graderSource, "/grader",
            "--ro-bind", binDirectory, "/submission/bin",
            "--ro-bind", ipcDirectory, "/ipc",
            "--clearenv",
            "--setenv", "HOME", "/tmp",
            "--setenv", "TMPDIR", "/tmp",
            "--setenv", "PATH", "/usr/bin:/bin",
            "--setenv", "DOTNET_CLI_TELEMETRY_OPTOUT", "1",
            "--setenv", "DOTNET_NOLOGO", "1",
            "--setenv", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1",
            "--setenv", "DOTNET_EnableDiagnostics", "0",
            // Three quarters of the memory limit for the GC heap (hex, as the runtime wants it); the rest is for
            // libtorch's native tensors. The student then gets an OutOfMemoryException instead of a kill.
            "--setenv", "DOTNET_GCHeapHardLimit", (limits.MemoryMegabytes * 1024L * 1024L * 3 / 4).ToString("X", CultureInfo.InvariantCulture),
            "--setenv", "DOTNET_TieredPGO", "0",
            // Homework-sized tensors: more libtorch threads only spin and fight the other sandboxes for the cores.
            "--setenv", "OMP_NUM_THREADS", "1",
        ];
        foreach (var argument in arguments)
        {
            yield return argument;
        }

        // /lib, /lib64, /bin are symlinks into /usr on merged-/usr systems (Debian 12); bind them where they are not.
        foreach (var top in new[] { "/lib", "/lib64", "/bin" })
        {
            var info = new FileInfo(top);
            if (info.LinkTarget is { } target)
            {
                yield return "--symlink";
                yield return target;
                yield return top;
            }
            else if (Directory.Exists(top))
            {
                yield return "--ro-bind";
                yield return top;
                yield return top;
            }
        }

        string dotnetRoot = Path.GetDirectoryName(_dotnetHost)!;
        if (!dotnetRoot.StartsWith("/usr/", StringComparison.Ordinal))
        {
            yield return "--ro-bind";
            yield return dotnetRoot;
            yield return dotnetRoot;
        }

        // Empty until the sandbox is assigned a submission; the bind shows what is copied in later.
        yield return "--ro-bind";
        yield return filesDirectory;
        yield return "/submission/files";
        yield return "--chdir";
        yield return "/submission/files";

        if (limits.GrantedGpu is { } gpu)
        {
            // The driver's shared control nodes, and of the GPUs only the granted one.
            var devices = new[] { "/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset", $"/dev/nvidia{gpu}" };
            foreach (var device in devices.Where(File.Exists))
            {
                yield return "--dev-bind";
                yield return device;
                yield return device;
            }

            yield return "--setenv";
            yield return "CUDA_VISIBLE_DEVICES";
            yield return gpu.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            yield return "--setenv";
            yield return "CUDA_VISIBLE_DEVICES";
            yield return "";
        }

        if (SupportsDisableUserns.Value)
        {
            // No nested user namespace, hence no mounts, no namespaced capabilities for a second bwrap or unshare.
            yield return "--disable-userns";
        }

        // Last, once every folder and mount point exists: only /tmp and /dev/shm (capped) stay writable.
        yield return "--remount-ro";
        yield return "/dev";
        yield return "--remount-ro";
        yield return "/";
        yield return "--";
    }

    /// <summary>
    /// Mounts bubblewrap 0.8 cannot make, made in a user and mount namespace of the sandbox's own between prlimit and
    /// bwrap (unshare --map-root-user: root there, nobody on the host; the mounts exist only in that namespace and
    /// vanish with the sandbox): /tmp and /dev/shm as tmpfs capped in size and in files (nr_inodes: each file is
    /// kernel memory outside RLIMIT_AS), and the sandbox host folder as a read-only overlay whose layers are named by
    /// descriptor, so the sandbox's /proc/self/mountinfo shows "/" and /proc/self/fd/N instead of host folders.
    /// The folders are empty mount points in the run folder.
    /// </summary>
    internal sealed record PrivateMounts(string Tmp, string SharedMemory, string SandboxHost, string EmptyLayer)
    {
        public static PrivateMounts In(string runDirectory)
        {
            var mounts = new PrivateMounts(Path.Combine(runDirectory, "tmp"), Path.Combine(runDirectory, "shm"), Path.Combine(runDirectory, "grader"), Path.Combine(runDirectory, "empty"));
            foreach (var folder in new[] { mounts.Tmp, mounts.SharedMemory, mounts.SandboxHost, mounts.EmptyLayer })
            {
                Directory.CreateDirectory(folder);
            }

            return mounts;
        }

        /// <summary>Mounts, then execs the rest of the command line (bwrap). Overlay needs two lower layers without an upper one.</summary>
        private const string Script = """
            set -e
            mount -t tmpfs -o "nosuid,nodev,mode=1777,size=$1,nr_inodes=$2" tmpfs "$3"
            mount -t tmpfs -o "nosuid,nodev,mode=1777,size=$4,nr_inodes=$5" tmpfs "$6"
            exec 3<"$7" 4<"$8"
            mount -t overlay -o lowerdir=/proc/self/fd/3:/proc/self/fd/4 overlay "$9"
            exec 3<&- 4<&-
            shift 9
            exec "$@"
            """;

        public IEnumerable<string> Arguments(string sandboxHostDirectory, SandboxLimits limits) =>
        [
            "unshare", "--user", "--map-root-user", "--mount", "/bin/sh", "-c", Script, "private-mounts",
            Megabytes(limits.TmpMegabytes), limits.TmpFiles.ToString(CultureInfo.InvariantCulture), Tmp,
            Megabytes(limits.SharedMemoryMegabytes), limits.SharedMemoryFiles.ToString(CultureInfo.InvariantCulture), SharedMemory,
            sandboxHostDirectory, EmptyLayer, SandboxHost,
        ];

        /// <summary>Makes the mounts in a scratch folder, with <paramref name="anyFolder"/> as the overlay's layer, and runs /bin/true after them.</summary>
        internal static bool Work(string anyFolder)
        {
            var scratch = Directory.CreateTempSubdirectory("grader-probe-");
            try
            {
                var startInfo = new ProcessStartInfo(FindOnPath("unshare") ?? "unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var argument in In(scratch.FullName).Arguments(anyFolder, new SandboxLimits()).Skip(1).Append("/bin/true"))
                {
                    startInfo.ArgumentList.Add(argument);
                }

                using var probe = Process.Start(startInfo);
                if (probe is null)
                {
                    return false;
                }

                probe.StandardOutput.ReadToEnd();
                probe.StandardError.ReadToEnd();
                probe.WaitForExit();
                return probe.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
            finally
            {
                scratch.Delete(recursive: true);
            }
        }
    }

    /// <summary>Whether this host lets the sandbox's <see cref="PrivateMounts"/> be made (util-linux unshare, user namespaces that may mount tmpfs and overlay: Linux 5.11+).</summary>
    internal static readonly Lazy<bool> SupportsPrivateMounts = new(() => PrivateMounts.Work(AppContext.BaseDirectory));

    private static SafeFileHandle OpenFolderPath(string folder)
    {
        const int O_PATH = 0x200000, O_CLOEXEC = 0x80000;  // The same on x86-64 and arm64.
        int descriptor = open(folder, O_PATH | O_CLOEXEC);
        return descriptor >= 0 ? new SafeFileHandle(descriptor, ownsHandle: true)
            : throw new IOException($"cannot open {folder}: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    private static string Megabytes(int megabytes) => (megabytes * 1024L * 1024L).ToString(CultureInfo.InvariantCulture);

    /// <summary>bubblewrap 0.8.0 (Debian 12) and later: older ones refuse the option, and their sandbox then allows nested user namespaces.</summary>
    internal static readonly Lazy<bool> SupportsDisableUserns = new(() =>
    {
        try
        {
            using var help = Process.Start(new ProcessStartInfo("bwrap", "--help") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false });
            if (help is null)
            {
                return false;
            }

            string text = help.StandardOutput.ReadToEnd() + help.StandardError.ReadToEnd();
            help.WaitForExit();
            return text.Contains("--disable-userns", StringComparison.Ordinal);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    private static string ResolveDotnetHost()
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        string candidate = fromEnvironment is { Length: > 0 } && File.Exists(fromEnvironment)
            ? fromEnvironment
            : FindOnPath("dotnet") ?? throw new SandboxUnavailableException("the dotnet host is not on PATH");
        return new FileInfo(candidate).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(candidate);
    }

    private static string? FindOnPath(string program)
        => (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}

/// <summary>
/// Forks every sandbox from one thread that lives as long as the runner. bwrap's --die-with-parent is
/// PR_SET_PDEATHSIG, which fires when the *thread* that forked it ends, not the process: a sandbox started from a
/// thread-pool thread (the pool's start-ahead) was SIGKILLed when that idle thread retired, about 20 s later, in the
/// middle of a long run (HW3's checks) or while it waited to be handed out.
/// </summary>
internal static class SandboxForker
{
    private static readonly System.Collections.Concurrent.BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> s_requests = [];

    private static readonly Lazy<Thread> s_thread = new(() =>
    {
        var thread = new Thread(Serve) { IsBackground = true, Name = "sandbox forker" };
        thread.Start();
        return thread;
    });

    /// <summary>Starts the process on the forking thread and returns it (or the exception Process.Start threw).</summary>
    public static Process Start(ProcessStartInfo startInfo)
    {
        _ = s_thread.Value;
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_requests.Add((startInfo, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static void Serve()
    {
        foreach (var (startInfo, started) in s_requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(startInfo) ?? throw new SandboxUnavailableException($"could not start {startInfo.FileName}"));
            }
#pragma warning disable CA1031 // Handed to the caller, whose start it was.
            catch (Exception error)
#pragma warning restore CA1031
            {
                started.SetException(error);
            }
        }
    }
}

/// <summary>This host cannot run sandboxes (missing bubblewrap, dotnet or the sandbox host build).</summary>
public sealed class SandboxUnavailableException(string message) : Exception(message);

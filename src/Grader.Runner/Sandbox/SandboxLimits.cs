namespace Grader.Runner.Sandbox;

/// <summary>What one sandboxed run of a student's code may use. Each limit says what it protects against.</summary>
public sealed record SandboxLimits
{
    /// <summary>CPU seconds over all threads (infinite loops, busy-waiting threads left running).</summary>
    public int CpuSeconds { get; init; } = 120;

    /// <summary>Wall-clock seconds for the whole run (sleeping or blocked code, deadlocks).</summary>
    public int WallSeconds { get; init; } = 180;

    /// <summary>Wall-clock seconds for one call into the student's code.</summary>
    public int CallSeconds { get; init; } = 60;

    /// <summary>Resident memory, GC heap and native tensors together (memory bombs).</summary>
    public int MemoryMegabytes { get; init; } = 3072;

    /// <summary>Processes and threads (fork bombs). .NET and libtorch start a few dozen threads of their own.</summary>
    public int MaxProcesses { get; init; } = 256;

    /// <summary>Open file descriptors.</summary>
    public int MaxOpenFiles { get; init; } = 512;

    /// <summary>Size of the private writable /tmp and of any one file written (disk fillers).</summary>
    public int TmpMegabytes { get; init; } = 64;

    /// <summary>Size of the private writable /dev/shm (shared memory kept as files: memory outside RLIMIT_AS).</summary>
    public int SharedMemoryMegabytes { get; init; } = 16;

    /// <summary>Files and folders in /tmp (inode exhaustion: each is kernel memory, outside RLIMIT_AS).</summary>
    public int TmpFiles { get; init; } = 4096;

    /// <summary>Files and folders in /dev/shm.</summary>
    public int SharedMemoryFiles { get; init; } = 256;

    /// <summary>Bytes of stdout+stderr kept for the log; more is dropped and noted.</summary>
    public int OutputBytesKept { get; init; } = 64 * 1024;

    /// <summary>Bytes of stdout+stderr after which the run is stopped (output floods).</summary>
    public long OutputBytesStop { get; init; } = 8L * 1024 * 1024;

    /// <summary>Largest answer message the runner accepts from the sandbox (forged frames: what the runner may be made to hold).</summary>
    public int MaxAnswerBytes { get; init; } = Grader.Sandbox.Protocol.MessageCodec.MaxMessageBytes;

    /// <summary>Index of the GPU granted to this run, or null for CPU only (GPU device nodes are then not visible).</summary>
    public int? GrantedGpu { get; init; }
}

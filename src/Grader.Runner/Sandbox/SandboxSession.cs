using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Grader.Reference.Checks;
using Grader.Sandbox.Protocol;
using Grader.Submissions;

namespace Grader.Runner.Sandbox;

/// <summary>
/// One running sandbox: the runner's side of the conversation with a student's code. Every call is bounded in time;
/// the first failure that ends the run (timeout, crash, early exit, output flood, forged message) stops the sandbox,
/// and later calls fail at once with the same explanation, so the checks score what was answered and move on.
/// </summary>
/// <remarks>
/// A session starts before it has a submission: the host comes up (runtime, libtorch) and says it is on standby while
/// the runner still compiles. <see cref="Assign"/> then puts one submission's assembly and files into the run folder
/// (bind-mounted read-only into the sandbox, and empty until then) and <see cref="WaitUntilReady"/> tells the host to
/// load it. A session serves exactly one submission; it is never reused.
/// </remarks>
public sealed class SandboxSession : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Socket _listener;
    private readonly IDisposable? _socketFolder;
    private readonly ResourceControl _control;
    private readonly string _runDirectory;
    private readonly SandboxLimits _limits;
    private readonly Stopwatch _wallClock = Stopwatch.StartNew();
    private readonly Lock _stopGate = new();
    private readonly Task _standby;
    private readonly CappedOutput _output;
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly CancellationTokenSource _stopped = new();
    private NetworkStream? _connection;
    private bool _disposed;
    private bool _ended;
    private bool _assigned;
    private TimeSpan _roundTrips;
    private TimeSpan _studentTime;
    private TimeSpan? _cpuBeforeLoad;

    internal SandboxSession(Process process, Socket listener, ResourceControl control, string runDirectory, SandboxLimits limits, IDisposable? socketFolder = null)
    {
        _process = process;
        _listener = listener;
        _socketFolder = socketFolder;
        _control = control;
        _runDirectory = runDirectory;
        _limits = limits;
        _output = new CappedOutput(limits.OutputBytesKept, limits.OutputBytesStop, () => Stop(SandboxStopReason.OutputFlood,
            $"your code wrote more than {limits.OutputBytesStop / (1024 * 1024)} MB of output; the run was stopped"));
        _stdoutPump = _output.PumpAsync(process.StandardOutput.BaseStream);
        _stderrPump = _output.PumpAsync(process.StandardError.BaseStream);
        _standby = Task.Run(AwaitStandbyAsync);
    }

    /// <summary>The run folder on the runner's side (the sandbox sees it as /submission); for tests and diagnostics.</summary>
    public string RunDirectory => _runDirectory;

    /// <summary>This run's own control group folders (removed at <see cref="Dispose"/>); for tests.</summary>
    internal IReadOnlyList<string> ControlGroups => _control.Groups;

    /// <summary>The limits this sandbox was started with; a pool hands a started sandbox only to a run with the same.</summary>
    public SandboxLimits Limits => _limits;

    /// <summary>Whether a submission was given to this sandbox (it then serves that one only).</summary>
    public bool IsAssigned => _assigned;

    /// <summary>The host's exit code once it has ended (killed while on standby, crashed), else null.</summary>
    public int? ExitCode
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>Why the run ended early, or null while it is healthy or after a clean shutdown.</summary>
    public SandboxStop? StoppedBecause { get; private set; }

    /// <summary>What the sandbox host said when it came up (TorchSharp version, device).</summary>
    public string? HostDescription { get; private set; }

    /// <summary>Where the limits were enforced ("cgroup v1", "cgroup v2", "rlimits only").</summary>
    public string ResourceControlDescription => _control.Description;

    /// <summary>
    /// Gives this sandbox its one submission: copies the compiled assembly and the submission's files into the run
    /// folder, which the host has had mounted (empty) since it started. The run's wall clock starts here.
    /// </summary>
    /// <param name="studentAssembly">The compiled submission (the only code of the student the sandbox gets); a notebook's
    /// earlier script submissions lie beside it (<see cref="SubmissionChainFiles"/>).</param>
    /// <param name="submissionFiles">The submission's own files (data the notebook reads), visible read-only as the working directory; null for none.</param>
    /// <exception cref="InvalidOperationException">the sandbox already has a submission: sandboxes are never reused.</exception>
    public void Assign(string studentAssembly, string? submissionFiles)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_assigned)
        {
            throw new InvalidOperationException("this sandbox already serves a submission; every submission gets a fresh sandbox");
        }

        _assigned = true;
        string binDirectory = Path.Combine(_runDirectory, SandboxLauncher.AssemblyFolderName);
        // A notebook's earlier script submissions keep their names: the last one references them by name.
        foreach (var earlier in SubmissionChainFiles.EarlierFiles(studentAssembly))
        {
            File.Copy(earlier, Path.Combine(binDirectory, Path.GetFileName(earlier)));
        }

        File.Copy(studentAssembly, Path.Combine(binDirectory, SandboxLauncher.AssemblyFileName));
        if (submissionFiles is not null)
        {
            CopyFiles(submissionFiles, Path.Combine(_runDirectory, SandboxLauncher.FilesFolderName));
        }

        _wallClock.Restart();
    }

    /// <summary>Waits for the sandbox host to be on standby, tells it to load the assigned assembly, and waits for that.</summary>
    public void WaitUntilReady()
    {
        if (!_assigned)
        {
            throw new InvalidOperationException("assign a submission to the sandbox before waiting for it");
        }

        Run(async token =>
        {
            await _standby.WaitAsync(token).ConfigureAwait(false);
            // The submission's CPU is counted from here, here as in the host: the start-up was the grader's.
            _cpuBeforeLoad = _control.CpuTime;
            await SendAsync(MessageKind.Load, new LoadRequest(SandboxLauncher.AssemblyPathInside, _limits.CpuSeconds), token).ConfigureAwait(false);
            return await ReceiveFrameAsync(token).ConfigureAwait(false);
        }, "starting the sandbox", (kind, message) => message switch
        {
            ReadyMessage ready => HostDescription = StudentText.Show(ready.Description),
            FailedMessage failed => throw Stop(SandboxStopReason.StartFailed, $"your compiled code could not be loaded: {StudentText.Show(failed.Message)}"),
            _ => throw Violation("starting the sandbox", $"{kind} before it was ready"),
        });
    }

    /// <summary>Runs in the background from the start: accepts the host's connection and reads its standby message.</summary>
    private async Task AwaitStandbyAsync()
    {
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
        accept.CancelAfter(StartTimeout);
        try
        {
            var client = await _listener.AcceptAsync(accept.Token).ConfigureAwait(false);
            _connection = new NetworkStream(client, ownsSocket: true);
            // Exactly one client, the host, which connects before any student code exists: stop listening and remove
            // the path now, so student code can never connect a second client and write frames of its own.
            _listener.Dispose();
            _socketFolder?.Dispose();
            string socketFile = Path.Combine(_runDirectory, SandboxLauncher.IpcFolderName, SandboxLauncher.SocketFileName);
            if (File.Exists(socketFile))
            {
                File.Delete(socketFile);
            }
            var (kind, message) = DecodeAnswer(await ReceiveFrameAsync(accept.Token).ConfigureAwait(false), "starting");
            if (message is not StandbyMessage)
            {
                throw Violation("starting", $"{kind} before it was on standby");
            }
        }
        catch (Exception) when (_disposed)
        {
            // A pre-started sandbox that was never used, torn down while it was starting.
        }
        catch (OperationCanceledException) when (StoppedBecause is null)
        {
            throw Stop(SandboxStopReason.StartFailed, $"the sandbox did not start within {StartTimeout.TotalSeconds:0} s");
        }
        catch (OperationCanceledException) when (StoppedBecause is { } earlierStop)
        {
            throw new SandboxStoppedException(earlierStop);
        }
        catch (ProtocolViolationException violation)
        {
            throw Violation("starting", violation.Message);
        }
        catch (Exception exception) when (exception is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
            throw StopAfterExit("starting the sandbox");
        }
    }

    /// <summary>Makes an instance of the student's class implementing <paramref name="contract"/>; returns its handle.</summary>
    public int Create(Type contract)
    {
        return Run(token => ExchangeAsync(MessageKind.Create, new CreateRequest(contract.FullName!), token), $"creating your {contract.Name}", (kind, message) => message switch
        {
            CreatedMessage created => created.ObjectId,
            FailedMessage failed => throw new StudentCodeException(failed),
            _ => throw Violation($"creating your {contract.Name}", $"{kind} as the answer to a Create"),
        });
    }

    /// <summary>Calls a contract method on a student object and returns the (type-checked) answer.</summary>
    public object? Call(int objectId, MethodInfo method, object?[] arguments)
    {
        var contract = method.DeclaringType!;
        string what = $"{contract.Name}.{method.Name}";
        var parameterTypes = method.GetParameters().Select(p => p.ParameterType.FullName!).ToArray();
        return Run(token => ExchangeAsync(MessageKind.Call, new CallRequest(objectId, contract.FullName!, method.Name, parameterTypes, arguments), token), what, (kind, message) =>
        {
            switch (message)
            {
                case ReturnedMessage when method.ReturnType == typeof(void):
                    return null;
                case ReturnedMessage { Value: null } when !method.ReturnType.IsValueType:
                    return null;
                case ReturnedMessage returned when returned.Value is not null && method.ReturnType.IsInstanceOfType(returned.Value):
                    return returned.Value;
                case ReturnedMessage returned:
                    throw new StudentCodeException($"returned {returned.Value?.GetType().Name ?? "null"} where the contract says {method.ReturnType.Name}");
                case FailedMessage failed:
                    throw new StudentCodeException(failed);
                default:
                    throw Violation(what, $"{kind} as the answer to a call");
            }
        });
    }

    /// <summary>Runs the notebook's own top-level code once; throws what a call would (the student's exception, a stop).</summary>
    public void RunTopLevelCode()
    {
        Run(token => ExchangeAsync(MessageKind.RunTopLevel, new RunTopLevelRequest(), token), "running the notebook's top-level code", (kind, message) => message switch
        {
            ReturnedMessage => 0,
            FailedMessage failed => throw new StudentCodeException(failed),
            _ => throw Violation("running the notebook's top-level code", $"{kind} as the answer to a notebook run"),
        });
    }

    /// <summary>Everything the student's code printed (capped), for the log shown to the student.</summary>
    public string Log => _output.Text;

    public bool LogTruncated => _output.Truncated;

    public TimeSpan WallTime => _wallClock.Elapsed;

    /// <summary>Time inside the student's code as the sandbox reported it (benchmark figures only: it is self-reported).</summary>
    public TimeSpan StudentComputeTime => _studentTime;

    /// <summary>Round trips of calls minus the student's own time: encoding, the socket, decoding.</summary>
    public TimeSpan ProtocolTime => _roundTrips > _studentTime ? _roundTrips - _studentTime : TimeSpan.Zero;

    public long? PeakMemoryBytes => _control.PeakMemoryBytes;

    /// <summary>CPU time of the run since the submission was loaded (the host's start-up not included).</summary>
    public TimeSpan? CpuTime => _control.CpuTime is { } total ? total - (_cpuBeforeLoad ?? TimeSpan.Zero) : null;

    /// <summary>
    /// Ends the run: asks the host to exit and waits (bounded) until its output is read to the end, so that the log is
    /// complete. What is left (killing stragglers, removing the control groups and the run folder) is
    /// <see cref="Dispose"/>'s work, which may run after the report is written.
    /// </summary>
    public void EndRun()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (StoppedBecause is null && _connection is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                Frames.WriteAsync(_connection, MessageCodec.Encode(MessageKind.Shutdown, new ShutdownRequest()), timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // It is going away anyway.
            }
        }
        else
        {
            KillEverything();
        }

        // The pumps end when every process holding the output pipes is gone; a child left running by the student
        // keeps them open, and is killed below after the bound.
        if (!Task.WaitAll([_stdoutPump, _stderrPump], TimeSpan.FromSeconds(2)))
        {
            KillEverything();
            Task.WaitAll([_stdoutPump, _stderrPump], TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Ends the run if that was not done, then makes sure nothing of the run is left.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        EndRun();
        _disposed = true;
        _process.WaitForExit(TimeSpan.FromSeconds(2));
        KillEverything();
        _stopped.Cancel();
        try
        {
            _standby.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // A start that failed or was cancelled; its reason is in StoppedBecause when it matters.
        }

        _connection?.Dispose();
        _listener.Dispose();
        _socketFolder?.Dispose();
        _control.Dispose();
        _process.Dispose();
        _stopped.Dispose();
        DeleteRunDirectory();
    }

    private void DeleteRunDirectory()
    {
        try
        {
            Directory.Delete(_runDirectory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Temp folder; the OS cleans it eventually.
        }
    }

    /// <summary>
    /// Copies a submission's files: regular files and real folders only. A link is neither copied nor followed, since
    /// it could point anywhere on the runner's machine.
    /// </summary>
    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            if (entry.LinkTarget is not null)
            {
                continue;
            }

            string target = Path.Combine(to, entry.Name);
            if (entry is DirectoryInfo folder)
            {
                CopyFiles(folder.FullName, target);
            }
            else if (entry is FileInfo file)
            {
                file.CopyTo(target);
            }
        }
    }

    /// <summary>
    /// Runs one exchange with the host under the call and wall limits, then decodes the answer and lets
    /// <paramref name="interpret"/> read it, both on the calling thread: tensors in an answer then belong to the
    /// caller's TorchSharp dispose scope (a check's), so they are freed when the check ends, not by a finalizer.
    /// </summary>
    private T Run<T>(Func<CancellationToken, Task<byte[]>> exchange, string what, Func<MessageKind, object, T> interpret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (StoppedBecause is { } stop)
        {
            throw new SandboxStoppedException(stop);
        }

        var remainingWall = TimeSpan.FromSeconds(_limits.WallSeconds) - _wallClock.Elapsed;
        var callLimit = TimeSpan.FromSeconds(_limits.CallSeconds);
        bool wallIsTighter = remainingWall < callLimit;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
        timeout.CancelAfter(wallIsTighter ? (remainingWall > TimeSpan.Zero ? remainingWall : TimeSpan.Zero) : callLimit);
        byte[] answer;
        try
        {
            answer = exchange(timeout.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (StoppedBecause is null)
        {
            throw wallIsTighter
                ? Stop(SandboxStopReason.WallTimeLimit, $"the run exceeded its {_limits.WallSeconds} s time limit while {what}")
                : Stop(SandboxStopReason.CallTimeLimit, $"{what} did not answer within {_limits.CallSeconds} s (an endless loop or a very slow step?)");
        }
        catch (OperationCanceledException) when (StoppedBecause is { } earlierStop)
        {
            throw new SandboxStoppedException(earlierStop);
        }
        catch (ProtocolViolationException violation)
        {
            throw Violation(what, violation.Message);
        }
        catch (Exception exception) when (exception is IOException or SocketException or EndOfStreamException)
        {
            throw StopAfterExit(what);
        }

        var (kind, message) = DecodeAnswer(answer, what);
        return interpret(kind, message);
    }

    /// <summary>
    /// Decodes what the sandbox sent. Student code can reach the socket and forge frames, so any failure to decode
    /// (whatever it throws) stops the sandbox as a protocol violation; it is never an exception of the runner's, nor
    /// a failure of the method that was called.
    /// </summary>
    private (MessageKind Kind, object Message) DecodeAnswer(byte[] frame, string what)
    {
        try
        {
            return MessageCodec.Decode(frame);
        }
        catch (ProtocolViolationException violation)
        {
            throw Violation(what, violation.Message);
        }
#pragma warning disable CA1031 // Forged bytes may make any part of decoding throw; each is the sandbox's fault.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            throw Violation(what, $"{exception.GetType().Name}: {StudentText.Show(exception.Message, 120)}");
        }
    }

    private SandboxStoppedException Violation(string what, string why)
        => Stop(SandboxStopReason.ProtocolViolation, $"the sandbox sent an invalid message while {what}: {StudentText.Show(why, 200)}");

    private async Task SendAsync(MessageKind kind, object message, CancellationToken token)
    {
        try
        {
            await Frames.WriteAsync(_connection!, MessageCodec.Encode(kind, message), token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            throw StopAfterExit($"sending {kind}");
        }
    }

    private async Task<byte[]> ReceiveFrameAsync(CancellationToken token)
        => await Frames.ReadAsync(_connection!, _limits.MaxAnswerBytes, token).ConfigureAwait(false)
            ?? throw StopAfterExit("waiting for an answer");

    /// <summary>Sends a request and reads its answer, accounting the round trip and the student's reported share.</summary>
    private async Task<byte[]> ExchangeAsync(MessageKind kind, object request, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        await SendAsync(kind, request, token).ConfigureAwait(false);
        var answer = await ReceiveFrameAsync(token).ConfigureAwait(false);
        var roundTrip = clock.Elapsed;
        double reported = MessageCodec.ReportedStudentMilliseconds(answer);
        _roundTrips += roundTrip;
        _studentTime += TimeSpan.FromMilliseconds(double.IsFinite(reported) ? Math.Clamp(reported, 0, roundTrip.TotalMilliseconds) : 0);
        return answer;
    }

    /// <summary>The connection dropped: explain why the process ended, as far as the evidence goes.</summary>
    private SandboxStoppedException StopAfterExit(string what)
    {
        if (StoppedBecause is { } already)
        {
            return new SandboxStoppedException(already);
        }

        _process.WaitForExit(TimeSpan.FromSeconds(5));
        int? exitCode = _process.HasExited ? _process.ExitCode : null;
        if (_control.HitMemoryLimit)
        {
            return Stop(SandboxStopReason.MemoryLimit, $"your code ran out of its {_limits.MemoryMegabytes} MB memory limit while {what}");
        }

        if (CpuTime is { } cpu && cpu.TotalSeconds >= _limits.CpuSeconds - 1 || exitCode is 152 or 158 || exitCode == 128 + 24)
        {
            return Stop(SandboxStopReason.CpuTimeLimit, $"your code used up its {_limits.CpuSeconds} s of CPU time while {what}");
        }

        string how = exitCode switch
        {
            null => "stopped answering",
            0 => "ended the process (exit code 0)",
            134 => "crashed (abort; a stack overflow or a fatal runtime error)",
            137 => "was killed (SIGKILL)",
            139 => "crashed (segmentation fault)",
            153 => $"was stopped for writing a file beyond the {_limits.TmpMegabytes} MB limit",
            > 128 => $"was ended by signal {exitCode - 128}",
            _ => $"ended the process with exit code {exitCode}",
        };
        return Stop(SandboxStopReason.ExitedEarly, $"your code {how} while {what}, before all checks had their answers");
    }

    private SandboxStoppedException Stop(SandboxStopReason reason, string message)
    {
        bool first;
        lock (_stopGate)
        {
            // The output pumps and the standby wait run on other threads; the first reason wins.
            first = StoppedBecause is null;
            if (first)
            {
                StoppedBecause = new SandboxStop(reason, message);
            }
        }

        if (first)
        {
            KillEverything();
            try
            {
                _stopped.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Stopped by a pump while the session was being disposed: nothing is waiting any more.
            }
        }

        return new SandboxStoppedException(StoppedBecause!);
    }

    private void KillEverything()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between.
        }

        _control.KillAll();
    }

    /// <summary>Keeps the first bytes of the student's output and counts the rest; signals a flood.</summary>
    private sealed class CappedOutput(int keepBytes, long stopBytes, Action onFlood)
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _text = new();
        private long _total;
        private int _kept;

        public bool Truncated { get; private set; }

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return Truncated ? _text + $"\n[... output truncated: {_total} bytes in all, the first {keepBytes} shown]" : _text.ToString();
                }
            }
        }

        public async Task PumpAsync(Stream stream)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    int read = await stream.ReadAsync(buffer).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    bool flood;
                    lock (_gate)
                    {
                        _total += read;
                        int take = Math.Min(read, keepBytes - _kept);
                        if (take > 0)
                        {
                            _text.Append(Encoding.UTF8.GetString(buffer, 0, take));
                            _kept += take;
                        }

                        Truncated |= take < read;
                        flood = _total > stopBytes;
                    }

                    if (flood)
                    {
                        onFlood();
                        return;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or ObjectDisposedException)
            {
                // The process is gone and its pipe with it: what was read is the log.
            }
        }
    }
}

public enum SandboxStopReason
{
    StartFailed,
    CallTimeLimit,
    WallTimeLimit,
    CpuTimeLimit,
    MemoryLimit,
    OutputFlood,
    ExitedEarly,
    ProtocolViolation,
}

/// <summary>Why a run ended before the checks were done; the message is written for the student.</summary>
public sealed record SandboxStop(SandboxStopReason Reason, string Message);

/// <summary>The sandbox is no longer running; every later call fails with the first reason.</summary>
public sealed class SandboxStoppedException(SandboxStop stop) : RemoteStudentCodeException($"did not answer: {stop.Message}")
{
    public SandboxStop Stop { get; } = stop;
}

/// <summary>The student's code threw, or answered something the contract does not allow; the run goes on.</summary>
public sealed class StudentCodeException : RemoteStudentCodeException
{
    /// <remarks>Every string of <paramref name="failure"/> is the student's: shown capped and escaped.</remarks>
    public StudentCodeException(FailedMessage failure)
        : base($"threw {StudentText.Show(ShortName(failure.ExceptionType), 120)}: {StudentText.Show(failure.Message)}")
    {
        StudentStackTrace = StudentText.ShowLines(failure.StackTrace);
    }

    public StudentCodeException(string problem)
        : base(problem)
    {
    }

    public string? StudentStackTrace { get; }

    private static string ShortName(string? typeName) => typeName is null ? "" : typeName[(typeName.LastIndexOf('.') + 1)..];
}

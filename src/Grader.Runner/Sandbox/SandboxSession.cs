using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Grader.Reference.Checks;
using Grader.Sandbox.Protocol;

namespace Grader.Runner.Sandbox;

/// <summary>
/// One running sandbox: the runner's side of the conversation with a student's code. Every call is bounded in time;
/// the first failure that ends the run (timeout, crash, early exit, output flood, forged message) stops the sandbox,
/// and later calls fail at once with the same explanation, so the checks score what was answered and move on.
/// </summary>
public sealed class SandboxSession : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly Socket _listener;
    private readonly ResourceControl _control;
    private readonly string _runDirectory;
    private readonly SandboxLimits _limits;
    private readonly Stopwatch _wallClock = Stopwatch.StartNew();
    private readonly CappedOutput _output;
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly CancellationTokenSource _stopped = new();
    private NetworkStream? _connection;
    private bool _disposed;
    private TimeSpan _roundTrips;
    private TimeSpan _studentTime;

    internal SandboxSession(Process process, Socket listener, ResourceControl control, string runDirectory, SandboxLimits limits)
    {
        _process = process;
        _listener = listener;
        _control = control;
        _runDirectory = runDirectory;
        _limits = limits;
        _output = new CappedOutput(limits.OutputBytesKept, limits.OutputBytesStop, () => Stop(SandboxStopReason.OutputFlood,
            $"your code wrote more than {limits.OutputBytesStop / (1024 * 1024)} MB of output; the run was stopped"));
        _stdoutPump = _output.PumpAsync(process.StandardOutput.BaseStream);
        _stderrPump = _output.PumpAsync(process.StandardError.BaseStream);
    }

    /// <summary>Why the run ended early, or null while it is healthy or after a clean shutdown.</summary>
    public SandboxStop? StoppedBecause { get; private set; }

    /// <summary>What the sandbox host said when it came up (TorchSharp version, device).</summary>
    public string? HostDescription { get; private set; }

    /// <summary>Where the limits were enforced ("cgroup v1", "cgroup v2", "rlimits only").</summary>
    public string ResourceControlDescription => _control.Description;

    /// <summary>Waits for the sandbox host to connect and load the student's assembly.</summary>
    public void WaitUntilReady()
    {
        Run(async token =>
        {
            using var accept = CancellationTokenSource.CreateLinkedTokenSource(token);
            accept.CancelAfter(StartTimeout);
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(accept.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!token.IsCancellationRequested)
            {
                throw Stop(SandboxStopReason.StartFailed, $"the sandbox did not start within {StartTimeout.TotalSeconds:0} s");
            }

            _connection = new NetworkStream(client, ownsSocket: true);
            var (kind, message) = await ReceiveAsync(token).ConfigureAwait(false);
            switch (message)
            {
                case ReadyMessage ready:
                    HostDescription = ready.Description;
                    return 0;
                case FailedMessage failed:
                    throw Stop(SandboxStopReason.StartFailed, $"your compiled code could not be loaded: {failed.Message}");
                default:
                    throw Stop(SandboxStopReason.ProtocolViolation, $"the sandbox sent {kind} before it was ready");
            }
        }, "starting the sandbox");
    }

    /// <summary>Makes an instance of the student's class implementing <paramref name="contract"/>; returns its handle.</summary>
    public int Create(Type contract)
    {
        return Run(async token =>
        {
            var (kind, message) = await ExchangeAsync(MessageKind.Create, new CreateRequest(contract.FullName!), token).ConfigureAwait(false);
            return message switch
            {
                CreatedMessage created => created.ObjectId,
                FailedMessage failed => throw new StudentCodeException(failed),
                _ => throw Stop(SandboxStopReason.ProtocolViolation, $"the sandbox answered a Create with {kind}"),
            };
        }, $"creating your {contract.Name}");
    }

    /// <summary>Calls a contract method on a student object and returns the (type-checked) answer.</summary>
    public object? Call(int objectId, MethodInfo method, object?[] arguments)
    {
        var contract = method.DeclaringType!;
        string what = $"{contract.Name}.{method.Name}";
        var parameterTypes = method.GetParameters().Select(p => p.ParameterType.FullName!).ToArray();
        return Run(async token =>
        {
            var (kind, message) = await ExchangeAsync(MessageKind.Call, new CallRequest(objectId, contract.FullName!, method.Name, parameterTypes, arguments), token).ConfigureAwait(false);
            switch (message)
            {
                case ReturnedMessage returned when method.ReturnType == typeof(void):
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
                    throw Stop(SandboxStopReason.ProtocolViolation, $"the sandbox answered a call with {kind}");
            }
        }, what);
    }

    /// <summary>Runs the notebook's own top-level code once; throws what a call would (the student's exception, a stop).</summary>
    public void RunTopLevelCode()
    {
        Run(async token =>
        {
            var (kind, message) = await ExchangeAsync(MessageKind.RunTopLevel, new RunTopLevelRequest(), token).ConfigureAwait(false);
            return message switch
            {
                ReturnedMessage => 0,
                FailedMessage failed => throw new StudentCodeException(failed),
                _ => throw Stop(SandboxStopReason.ProtocolViolation, $"the sandbox answered a notebook run with {kind}"),
            };
        }, "running the notebook's top-level code");
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

    public TimeSpan? CpuTime => _control.CpuTime;

    /// <summary>Asks the host to exit, then makes sure nothing of the run is left.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (StoppedBecause is null && _connection is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                Frames.WriteAsync(_connection, MessageCodec.Encode(MessageKind.Shutdown, new ShutdownRequest()), timeout.Token).GetAwaiter().GetResult();
                _process.WaitForExit(TimeSpan.FromSeconds(2));
            }
            catch (Exception exception) when (exception is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // It is going away anyway.
            }
        }

        KillEverything();
        Task.WaitAll([_stdoutPump, _stderrPump], TimeSpan.FromSeconds(2));
        _connection?.Dispose();
        _listener.Dispose();
        _control.Dispose();
        _process.Dispose();
        _stopped.Dispose();
        try
        {
            Directory.Delete(_runDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Temp folder; the OS cleans it eventually.
        }
    }

    private T Run<T>(Func<CancellationToken, Task<T>> action, string what)
    {
        if (StoppedBecause is { } stop)
        {
            throw new SandboxStoppedException(stop);
        }

        var remainingWall = TimeSpan.FromSeconds(_limits.WallSeconds) - _wallClock.Elapsed;
        var callLimit = TimeSpan.FromSeconds(_limits.CallSeconds);
        bool wallIsTighter = remainingWall < callLimit;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopped.Token);
        timeout.CancelAfter(wallIsTighter ? (remainingWall > TimeSpan.Zero ? remainingWall : TimeSpan.Zero) : callLimit);
        try
        {
            return action(timeout.Token).GetAwaiter().GetResult();
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
            throw Stop(SandboxStopReason.ProtocolViolation, $"the sandbox sent an invalid message while {what}: {violation.Message}");
        }
        catch (Exception exception) when (exception is IOException or SocketException or EndOfStreamException)
        {
            throw StopAfterExit(what);
        }
    }

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

    private async Task<(MessageKind Kind, object Message)> ReceiveAsync(CancellationToken token)
    {
        var frame = await Frames.ReadAsync(_connection!, _limits.MaxAnswerBytes, token).ConfigureAwait(false)
            ?? throw StopAfterExit("waiting for an answer");
        return MessageCodec.Decode(frame);
    }

    /// <summary>Sends a request and reads its answer, accounting the round trip and the student's reported share.</summary>
    private async Task<(MessageKind Kind, object Message)> ExchangeAsync(MessageKind kind, object request, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        await SendAsync(kind, request, token).ConfigureAwait(false);
        var answer = await ReceiveAsync(token).ConfigureAwait(false);
        var roundTrip = clock.Elapsed;
        double reported = answer.Message switch
        {
            ReturnedMessage returned => returned.StudentMilliseconds,
            FailedMessage failed => failed.StudentMilliseconds,
            _ => 0,
        };
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

        if (_control.CpuTime is { } cpu && cpu.TotalSeconds >= _limits.CpuSeconds - 1 || exitCode is 152 or 158 || exitCode == 128 + 24)
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
        if (StoppedBecause is null)
        {
            StoppedBecause = new SandboxStop(reason, message);
            KillEverything();
            _stopped.Cancel();
        }

        return new SandboxStoppedException(StoppedBecause);
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
    public StudentCodeException(FailedMessage failure)
        : base($"threw {ShortName(failure.ExceptionType)}: {failure.Message}")
    {
        StudentStackTrace = failure.StackTrace;
    }

    public StudentCodeException(string problem)
        : base(problem)
    {
    }

    public string? StudentStackTrace { get; }

    private static string ShortName(string typeName) => typeName[(typeName.LastIndexOf('.') + 1)..];
}

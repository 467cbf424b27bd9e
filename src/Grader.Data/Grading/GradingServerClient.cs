using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Grader.Data.Grading;

/// <summary>The lines <see cref="GradingServerClient"/> and <c>grader serve</c> exchange.</summary>
public static class GradingServerProtocol
{
    /// <summary>Starts every line of the server's that is an answer; its other output is log.</summary>
    public const string AnswerPrefix = "@grader-serve ";

    /// <summary>After the prefix: the server has loaded and warmed up and reads requests.</summary>
    public const string Ready = "ready";

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>Grade <paramref name="Submission"/> and write the report to <paramref name="Report"/>.</summary>
public sealed record GradingServerRequest(long Id, string Assignment, string Submission, string Report);

/// <summary><paramref name="Exit"/> as <c>grader grade</c>'s: 0 report written, 1 bad input, 2 the grader failed.</summary>
public sealed record GradingServerAnswer(long Id, int Exit, string? Error);

/// <summary>
/// Grades through long-lived <c>grader serve</c> processes, one per slot, instead of a fresh <c>grader grade</c>
/// process per run. A fresh process paid ~2 s per submission before its sandbox even started (the runtime, the JIT,
/// Roslyn's first compilation, a sandbox started on demand); a server pays it once. Crashes and leaks still stay out
/// of the caller's process: a server that dies, hangs past the timeout or is cancelled is killed (with its sandboxes)
/// and replaced, and one is retired after <see cref="RunnerOptions.RecycleAfterGradings"/> gradings or above
/// <see cref="RunnerOptions.RecycleAboveMegabytes"/>. Gradings that may use one of a worker's GPUs go through
/// <see cref="RunnerProcessGradingClient"/>, whose child gets <c>CUDA_VISIBLE_DEVICES</c> for its lease.
/// </summary>
public sealed class GradingServerClient : ISubmissionGradingClient, IDisposable
{
    private readonly RunnerProcessGradingClient oneOff;
    private readonly string graderDll;
    private readonly string courseRoot;
    private readonly string storeFolder;
    private readonly string workFolder;
    private readonly TimeSpan timeout;
    private readonly RunnerOptions options;
    private readonly bool hideGpus;
    private readonly Func<string, bool> usesOneOff;
    private readonly SemaphoreSlim slots;
    private readonly ConcurrentStack<GradingServer> idle = new();
    private readonly ConcurrentDictionary<GradingServer, byte> all = new();
    private bool disposed;

    /// <param name="oneOff">For the grader version and for gradings on a granted GPU.</param>
    /// <param name="slots">Gradings at once: at most this many servers.</param>
    /// <param name="gpus">A worker's granted GPUs: gradings whose assignment may use one go through <paramref name="oneOff"/>,
    /// and the servers see no GPU. Null (the web app): the servers' environment is left as it is.</param>
    /// <param name="gpuAllowed">Whether an assignment (by id) may use a GPU.</param>
    public GradingServerClient(
        RunnerProcessGradingClient oneOff, string graderDll, string courseRoot, string workFolder, string storeFolder, RunnerOptions options, int slots,
        GpuGrants? gpus = null, Func<string, bool>? gpuAllowed = null)
    {
        ArgumentNullException.ThrowIfNull(oneOff);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        this.oneOff = oneOff;
        this.graderDll = graderDll;
        this.courseRoot = courseRoot;
        this.workFolder = workFolder;
        this.storeFolder = storeFolder;
        this.options = options;
        timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
        hideGpus = gpus is not null;
        bool anyGpu = gpus is { Indices.Count: > 0 };
        var allowed = gpuAllowed ?? (_ => false);
        usesOneOff = assignmentId => anyGpu && allowed(assignmentId);
        this.slots = new SemaphoreSlim(slots, slots);
        Directory.CreateDirectory(workFolder);
    }

    public string GraderVersion => oneOff.GraderVersion;

    /// <summary>Servers running now (idle or grading), for tests and diagnostics.</summary>
    public IReadOnlyCollection<int> ServerProcessIds => [.. all.Keys.Select(s => s.ProcessId)];

    public async Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
    {
        if (usesOneOff(assignmentId))
        {
            return await oneOff.GradeAsync(assignmentId, submissionFile, cancellationToken).ConfigureAwait(false);
        }

        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        GradingServer? server = null;
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            server = TakeIdle() ?? Start();
            return await server.GradeAsync(assignmentId, submissionFile, Path.Combine(workFolder, $"report-{Guid.NewGuid():N}.json"), timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (server is not null)
            {
                Release(server);
            }

            slots.Release();
        }
    }

    /// <summary>
    /// Starts a server for every free slot now, so that the first submissions find them warm (a worker grades from its
    /// start; the web app starts its servers on demand, since it may never grade).
    /// </summary>
    public void StartAhead()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        for (int missing = slots.CurrentCount - idle.Count; missing > 0; missing--)
        {
            idle.Push(Start());
        }
    }

    /// <summary>Closes every server's input (each finishes and exits) and kills what is still running after a grace period.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        var servers = all.Keys.ToList();
        all.Clear();
        idle.Clear();
        Parallel.ForEach(servers, server => server.Stop(TimeSpan.FromSeconds(10)));
        // The semaphore is left undisposed: a grading still finishing releases its slot after this.
    }

    private GradingServer? TakeIdle()
    {
        while (idle.TryPop(out var server))
        {
            if (server.IsAlive)
            {
                return server;
            }

            Forget(server);
        }

        return null;
    }

    private GradingServer Start()
    {
        var start = RunnerProcessGradingClient.StartInfo(graderDll, courseRoot, ["serve", "--course", courseRoot, "--store", storeFolder]);
        start.RedirectStandardInput = true;
        if (hideGpus)
        {
            start.Environment["CUDA_VISIBLE_DEVICES"] = "";
        }

        var server = GradingServer.Start(start, TimeSpan.FromSeconds(options.ServerStartSeconds));
        all[server] = 0;
        return server;
    }

    private void Release(GradingServer server)
    {
        if (!disposed && server.IsAlive && server.Graded < options.RecycleAfterGradings && server.MemoryMegabytes() <= options.RecycleAboveMegabytes)
        {
            idle.Push(server);
            return;
        }

        Forget(server);
        // Stopped in the background: a server finishes its sandbox teardowns before it exits.
        _ = Task.Run(() => server.Stop(TimeSpan.FromSeconds(30)));
        if (!disposed && server.Graded > 0)
        {
            // The slot was in use, so another submission is likely: its replacement warms up now, not when it comes.
            try
            {
                idle.Push(Start());
            }
            catch (Exception failure) when (failure is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Started on demand by the next grading instead, which then reports what is wrong.
            }
        }
    }

    private void Forget(GradingServer server) => all.TryRemove(server, out _);

    /// <summary>One <c>grader serve</c> process: one request at a time, its output kept per request.</summary>
    private sealed class GradingServer
    {
        private const int MaxOutputChars = 20_000;
        private readonly Process process;
        private readonly TimeSpan startTimeout;
        private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly StringBuilder output = new();
        private readonly Lock gate = new();
        private TaskCompletionSource<GradingServerAnswer>? pending;
        private long nextId;

        private GradingServer(Process process, TimeSpan startTimeout)
        {
            this.process = process;
            this.startTimeout = startTimeout;
        }

        public int ProcessId { get; private set; }

        public int Graded { get; private set; }

        public bool IsAlive
        {
            get
            {
                try
                {
                    return !process.HasExited;
                }
                catch (InvalidOperationException)
                {
                    return false;
                }
            }
        }

        public static GradingServer Start(ProcessStartInfo start, TimeSpan startTimeout)
        {
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            var server = new GradingServer(process, startTimeout);
            process.OutputDataReceived += (_, e) => server.OnOutput(e.Data);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.Exited += (_, _) => server.OnExited();
            process.Start();
            server.ProcessId = process.Id;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return server;
        }

        public long MemoryMegabytes()
        {
            try
            {
                process.Refresh();
                return process.WorkingSet64 / (1024 * 1024);
            }
            catch (InvalidOperationException)
            {
                return 0;
            }
        }

        public async Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, string reportFile, TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(timeout);
            TaskCompletionSource<GradingServerAnswer> answer;
            long id;
            lock (gate)
            {
                output.Clear();
                answer = pending = new TaskCompletionSource<GradingServerAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
                id = ++nextId;
            }

            try
            {
                await ready.Task.WaitAsync(startTimeout, limit.Token).ConfigureAwait(false);
                string request = JsonSerializer.Serialize(new GradingServerRequest(id, assignmentId, submissionFile, reportFile), GradingServerProtocol.Json);
                await process.StandardInput.WriteLineAsync(request.AsMemory(), limit.Token).ConfigureAwait(false);
                await process.StandardInput.FlushAsync(limit.Token).ConfigureAwait(false);
                var answered = await answer.Task.WaitAsync(limit.Token).ConfigureAwait(false);
                Graded++;
                return await RunnerProcessGradingClient.ResultOf(answered.Exit, answered.Error, reportFile, Output(), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Kill();
                return new GradingClientResult(null, $"the grader did not finish within {timeout.TotalSeconds:0} s", Output());
            }
            catch (TimeoutException)
            {
                Kill();
                return new GradingClientResult(null, $"the grader did not start within {startTimeout.TotalSeconds:0} s", Output());
            }
            catch (GraderServerEndedException ended)
            {
                return new GradingClientResult(null, ended.Message, Output());
            }
            catch (IOException broken)
            {
                Kill();
                return new GradingClientResult(null, $"the grader could not be reached: {broken.Message}", Output());
            }
            catch (OperationCanceledException)
            {
                // Stopping: the grading in progress ends with its sandbox; the run goes back to the queue.
                Kill();
                throw;
            }
            finally
            {
                File.Delete(reportFile);
            }
        }

        /// <summary>Closes the server's input so that it finishes and exits; kills it after <paramref name="grace"/>.</summary>
        public void Stop(TimeSpan grace)
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(grace))
                {
                    Kill();
                }
            }
            catch (Exception failure) when (failure is InvalidOperationException or IOException)
            {
                Kill();
            }
            finally
            {
                process.Dispose();
            }
        }

        private void Kill()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (Exception failure) when (failure is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        private void OnOutput(string? line)
        {
            if (line is null || !line.StartsWith(GradingServerProtocol.AnswerPrefix, StringComparison.Ordinal))
            {
                Append(line);
                return;
            }

            string payload = line[GradingServerProtocol.AnswerPrefix.Length..];
            if (payload == GradingServerProtocol.Ready)
            {
                ready.TrySetResult();
                return;
            }

            GradingServerAnswer? answer;
            try
            {
                answer = JsonSerializer.Deserialize<GradingServerAnswer>(payload, GradingServerProtocol.Json);
            }
            catch (JsonException)
            {
                Append(line);
                return;
            }

            lock (gate)
            {
                if (answer is not null && answer.Id == nextId)
                {
                    pending?.TrySetResult(answer);
                }
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                if (output.Length < MaxOutputChars)
                {
                    output.AppendLine(line);
                }
            }
        }

        private string Output()
        {
            lock (gate)
            {
                return output.ToString();
            }
        }

        private void OnExited()
        {
            string code;
            try
            {
                code = process.ExitCode.ToString(CultureInfo.InvariantCulture);
            }
            catch (InvalidOperationException)
            {
                code = "unknown";
            }

            var ended = new GraderServerEndedException($"the grader process ended (exit code {code}) before it answered");
            ready.TrySetException(ended);
            lock (gate)
            {
                pending?.TrySetException(ended);
            }
        }
    }

    private sealed class GraderServerEndedException(string message) : Exception(message);
}

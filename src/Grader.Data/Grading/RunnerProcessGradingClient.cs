using System.Diagnostics;
using System.Reflection;
using System.Text;
using Grader.Core.Reports;

namespace Grader.Data.Grading;

/// <summary>Grades one submission file. The web app never grades in its own process (no TorchSharp here).</summary>
public interface ISubmissionGradingClient
{
    /// <summary>The version the runner writes into its reports; part of the key under which reports are reused.</summary>
    string GraderVersion { get; }

    /// <summary>Grades <paramref name="submissionFile"/>; its file name matters (the syllabus naming check reads it).</summary>
    Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken);
}

/// <summary>A report, or why there is none (<see cref="Error"/>, with the runner's own output).</summary>
public sealed record GradingClientResult(GradingReport? Report, string? Error, string Output)
{
    public bool Succeeded => Report is not null;
}

public sealed class RunnerOptions
{
    public const string Section = "Runner";

    /// <summary>grader.dll of Grader.Runner; empty: runner/grader.dll beside the web app (the build puts it there).</summary>
    public string GraderDll { get; set; } = "";

    /// <summary>Wall-clock limit for one grading, on top of the sandbox's own limits.</summary>
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>
    /// Grade through long-lived <c>grader serve</c> processes (<see cref="GradingServerClient"/>); false: a fresh
    /// <c>grader grade</c> process per run (<see cref="RunnerProcessGradingClient"/>), ~2 s more per submission.
    /// </summary>
    public bool KeepGraderRunning { get; set; } = true;

    /// <summary>A <c>grader serve</c> process is replaced after this many gradings.</summary>
    public int RecycleAfterGradings { get; set; } = 500;

    /// <summary>A <c>grader serve</c> process is replaced when its working set grows past this.</summary>
    public int RecycleAboveMegabytes { get; set; } = 1536;

    /// <summary>How long a <c>grader serve</c> process may take to start and warm up.</summary>
    public int ServerStartSeconds { get; set; } = 120;
}

/// <summary>
/// Runs <c>dotnet grader.dll grade &lt;assignment&gt; &lt;file&gt; --course &lt;root&gt; --report &lt;json&gt;</c>. Exit 0: a
/// report was written (even when the student scored zero); 1: bad input; 2: the grader itself failed.
/// </summary>
public sealed class RunnerProcessGradingClient : ISubmissionGradingClient
{
    private const int MaxOutputChars = 20_000;
    private readonly string graderDll;
    private readonly string courseRoot;
    private readonly string workFolder;
    private readonly TimeSpan timeout;
    private readonly string storeFolder;
    private readonly GpuGrants? gpus;
    private readonly Func<string, bool> gpuAllowed;

    /// <param name="storeFolder">The content-addressed store the runner keeps submissions in: the app's own, so that the
    /// runner needs no write access to the course repository and the bytes are kept once.</param>
    /// <param name="gpus">A worker's granted GPUs: each child grader gets <c>CUDA_VISIBLE_DEVICES</c> set to one free granted
    /// GPU when its assignment allows one, else to nothing (CPU). Null: the child's environment is left as it is.</param>
    /// <param name="gpuAllowed">Whether an assignment (by id) may use a GPU.</param>
    public RunnerProcessGradingClient(
        string graderDll, string courseRoot, string workFolder, TimeSpan timeout, string storeFolder, GpuGrants? gpus = null, Func<string, bool>? gpuAllowed = null)
    {
        if (!File.Exists(graderDll))
        {
            throw new FileNotFoundException($"The grader is not at {graderDll}; build Grader.Web (it copies the runner to runner/) or set Runner:GraderDll.", graderDll);
        }

        this.graderDll = graderDll;
        this.courseRoot = courseRoot;
        this.workFolder = workFolder;
        this.timeout = timeout;
        this.storeFolder = storeFolder;
        this.gpus = gpus;
        this.gpuAllowed = gpuAllowed ?? (_ => false);
        graderVersion = new Lazy<string>(AskGraderVersion);
        Directory.CreateDirectory(workFolder);
    }

    /// <summary>The version the runner stamps on its reports (release + a fingerprint of its grading code).</summary>
    public string GraderVersion => graderVersion.Value;

    private readonly Lazy<string> graderVersion;

    private string AskGraderVersion()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(graderDll);
        start.ArgumentList.Add("version");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the grader");
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode == 0 && output.Length > 0
            ? output
            : throw new InvalidOperationException($"`grader version` failed (exit {process.ExitCode}): {process.StandardError.ReadToEnd()}");
    }

    /// <summary><c>dotnet grader.dll ARGUMENTS</c> in the course folder, its output captured, without terminal decoration.</summary>
    internal static ProcessStartInfo StartInfo(string graderDll, string courseRoot, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = courseRoot,
        };
        start.ArgumentList.Add(graderDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Spectre.Console would draw a live progress bar for a terminal; plain lines read better in a log.
        start.Environment["TERM"] = "dumb";
        start.Environment["NO_COLOR"] = "1";
        return start;
    }

    /// <summary>What <c>grader grade</c>'s exit code (or <c>grader serve</c>'s answer) and report file mean; deletes the file.</summary>
    internal static async Task<GradingClientResult> ResultOf(int exitCode, string? error, string reportFile, string output, CancellationToken cancellationToken)
    {
        try
        {
            string why = error is null ? "" : $": {error}";
            return exitCode switch
            {
                0 when File.Exists(reportFile) => new GradingClientResult(GradingReport.FromJson(await File.ReadAllTextAsync(reportFile, cancellationToken).ConfigureAwait(false)), null, output),
                0 => new GradingClientResult(null, "the grader exited 0 but wrote no report", output),
                1 => new GradingClientResult(null, $"the grader refused the input (exit 1){why}", output),
                _ => new GradingClientResult(null, $"the grader failed (exit {exitCode}){why}", output),
            };
        }
        finally
        {
            File.Delete(reportFile);
        }
    }

    public async Task<GradingClientResult> GradeAsync(string assignmentId, string submissionFile, CancellationToken cancellationToken)
    {
        string reportFile = Path.Combine(workFolder, $"report-{Guid.NewGuid():N}.json");
        var start = StartInfo(graderDll, courseRoot, ["grade", assignmentId, submissionFile, "--course", courseRoot, "--store", storeFolder, "--report", reportFile]);
        // At most one grading per granted GPU: the lease is held until the child has exited.
        using var gpu = gpus is not null && gpuAllowed(assignmentId) ? gpus.TryAcquire() : null;
        if (gpus is not null)
        {
            start.Environment["CUDA_VISIBLE_DEVICES"] = gpu?.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                if (output.Length < MaxOutputChars)
                {
                    output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return new GradingClientResult(null, $"the grader did not finish within {timeout.TotalSeconds:0} s", output.ToString());
        }

        return await ResultOf(process.ExitCode, null, reportFile, output.ToString(), cancellationToken).ConfigureAwait(false);
    }
}

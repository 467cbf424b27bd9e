using System.CommandLine;
using System.Text.Json;
using Grader.Core.Configuration;
using Grader.Data.Grading;
using Grader.Reference.Checks;
using Grader.Runner.Compilation;
using Grader.Runner.Grading;
using Grader.Submissions.Storage;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader serve --course ROOT --store STORE</c>: a long-lived grader for the web app and <c>grader worker</c>
/// (<see cref="GradingServerClient"/>). It reads one request per line on stdin, grades it like <c>grader grade
/// --report</c> (same exit codes), and answers on stdout with <see cref="GradingServerProtocol.AnswerPrefix"/>.
/// Staying alive keeps what a fresh process pays on every run: the JIT, Roslyn's first compilations, and a sandbox
/// host started ahead for the next submission. It ends when stdin closes (its parent retired it) or, within a second or
/// so, when its parent is gone (killed, so that nobody closed stdin).
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var courseOption = new Option<string?>("--course") { Description = "The course repository; default: found from the current folder." };
        var storeOption = new Option<string?>("--store") { Description = "The content-addressed submission store (default: store/ under the course's data folder)." };
        var command = new Command("serve", "Grade requests read from stdin, one JSON line each, in one long-lived process (for the web app and workers).");
        command.Options.Add(courseOption);
        command.Options.Add(storeOption);
        command.SetAction(parse => Run(CourseRoot.Find(parse.GetValue(courseOption)), parse.GetValue(storeOption)));
        return command;
    }

    private static int Run(string courseRoot, string? storeFolder)
    {
        StopWhenOrphaned();
        // stdout carries the answers only; anything else printed in this process goes to stderr.
        var answers = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        Console.SetOut(Console.Error);
        using var graders = new CourseGraders(courseRoot, storeFolder ?? Path.Combine(courseRoot, "data", "store"));
        StudentCompiler.WarmUp();
        answers.WriteLine(GradingServerProtocol.AnswerPrefix + GradingServerProtocol.Ready);

        while (Console.In.ReadLine() is { } line)
        {
            GradingServerRequest? request;
            try
            {
                request = JsonSerializer.Deserialize<GradingServerRequest>(line, GradingServerProtocol.Json);
            }
            catch (JsonException malformed)
            {
                Console.Error.WriteLine($"grader serve: not a request: {malformed.Message}");
                continue;
            }

            if (request is null)
            {
                continue;
            }

            var answer = graders.Grade(request);
            if (answer.Error is not null)
            {
                Console.Error.WriteLine($"grader serve: {answer.Error}");
            }

            try
            {
                answers.WriteLine(GradingServerProtocol.AnswerPrefix + JsonSerializer.Serialize(answer, GradingServerProtocol.Json));
            }
            catch (IOException)
            {
                // The parent is gone (killed while this grading ran): nobody reads the answer, and no request follows.
                break;
            }
        }

        return 0;
    }

    /// <summary>
    /// Ends this process, with its sandboxes (the exit handlers tear them down), once its parent is gone: a web app or
    /// worker that was SIGKILLed cannot close our input, and the grading in progress would go on for nobody while the
    /// run is graded again elsewhere. Polled, because the kernel's parent-death signal follows the parent's thread that
    /// started us, which a thread pool may retire at any time.
    /// </summary>
    private static void StopWhenOrphaned()
    {
        int parent = getppid();
        var watchdog = new Thread(() =>
        {
            while (getppid() == parent)
            {
                Thread.Sleep(1000);
            }

            Console.Error.WriteLine($"grader serve: its parent (pid {parent}) is gone; stopping");
            Environment.Exit(3);
        })
        { IsBackground = true, Name = "grader serve parent watchdog" };
        watchdog.Start();
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    [System.Runtime.InteropServices.DefaultDllImportSearchPaths(System.Runtime.InteropServices.DllImportSearchPath.SafeDirectories)]
    private static extern int getppid();

    /// <summary>
    /// The course as it stands and a <see cref="SubmissionGrader"/> for it. The course files are checked before each
    /// request (sizes and times of what lies under assignments/ and rubrics/), so a changed rubric is graded with
    /// at once, as a fresh <c>grader grade</c> process would.
    /// </summary>
    private sealed class CourseGraders(string courseRoot, string storeFolder) : IDisposable
    {
        private readonly SubmissionStore _store = new(storeFolder);
        private readonly string _workRoot = Path.Combine(Path.GetTempPath(), $"grader-work-{Environment.ProcessId}");
        private string? _fingerprint;
        private CourseTree? _course;
        private IReadOnlyList<string> _courseErrors = [];
        private SubmissionGrader? _grader;

        public GradingServerAnswer Grade(GradingServerRequest request)
        {
            try
            {
                Refresh();
                if (_course is null || _grader is null)
                {
                    return new GradingServerAnswer(request.Id, 1, $"the course at {courseRoot} is not valid: {string.Join("; ", _courseErrors)}");
                }

                if (_course.Assignments.All(a => a.Id != request.Assignment))
                {
                    return new GradingServerAnswer(request.Id, 1, $"no assignment '{request.Assignment}' in {courseRoot}; known: {string.Join(", ", _course.Assignments.Select(a => a.Id))}");
                }

                if (!File.Exists(request.Submission) && !Directory.Exists(request.Submission))
                {
                    return new GradingServerAnswer(request.Id, 1, $"no such submission: {request.Submission}");
                }

                var report = _grader.Grade(request.Assignment, request.Submission);
                File.WriteAllText(request.Report, report.ToJson());
                return new GradingServerAnswer(request.Id, 0, null);
            }
#pragma warning disable CA1031 // The grader's own failure on one submission is answered (exit 2), and the server goes on.
            catch (Exception error)
#pragma warning restore CA1031
            {
                return new GradingServerAnswer(request.Id, 2, $"{error.GetType().Name}: {error.Message}");
            }
        }

        public void Dispose() => _grader?.Dispose();

        private void Refresh()
        {
            string fingerprint = Fingerprint();
            if (fingerprint == _fingerprint)
            {
                return;
            }

            var loaded = CourseTreeLoader.LoadAndValidate(courseRoot, CheckCatalog.AllCheckIds);
            _grader?.Dispose();
            _grader = null;
            _course = loaded.IsValid ? loaded.Tree : null;
            _courseErrors = [.. loaded.Errors.Select(e => e.ToString())];
            if (_course is not null)
            {
                _grader = new SubmissionGrader(_course, _store, _workRoot, options: new SubmissionGraderOptions { SandboxesStartedAhead = 1 });
            }

            // Only once all went well: a grader that could not be made (it throws) is tried again at the next request.
            _fingerprint = fingerprint;
        }

        private string Fingerprint()
        {
            var entries = new[] { "assignments", "rubrics" }
                .Select(folder => Path.Combine(courseRoot, folder))
                .Where(Directory.Exists)
                .SelectMany(folder => new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories))
                .Select(file => $"{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}")
                .Order(StringComparer.Ordinal);
            return string.Join('\n', entries);
        }
    }
}

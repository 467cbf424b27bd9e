using System.Diagnostics;
using System.Globalization;
using Grader.Data.Grading;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader bench --clients [--runs N]</c>: the per-submission cost on the path the web app and <c>grader worker</c>
/// take, where grading happens in another process: a fresh <c>grader grade</c> per run
/// (<see cref="RunnerProcessGradingClient"/>) against a long-lived <c>grader serve</c> (<see cref="GradingServerClient"/>).
/// Each grading is a new submission (the model solution's source files with a distinct comment), so no compile cache
/// helps; the caller's wall time is measured, from asking to holding the report.
/// </summary>
internal static class ClientBenchmark
{
    public static int Run(string courseRoot, int runs)
    {
        string graderDll = Path.Combine(AppContext.BaseDirectory, "grader.dll");
        string scratch = Directory.CreateTempSubdirectory("grader-bench-clients-").FullName;
        try
        {
            string work = Path.Combine(scratch, "work");
            string store = Path.Combine(scratch, "store");
            var options = new RunnerOptions();
            var perRun = new RunnerProcessGradingClient(graderDll, courseRoot, work, TimeSpan.FromSeconds(options.TimeoutSeconds), store);
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            AnsiConsole.MarkupLineInterpolated($"{runs} new submissions per assignment and client, one at a time, on {Environment.ProcessorCount} cores; the caller's wall time per grading in ms (median / p95)");
            var table = new Table().AddColumns("assignment", "client", "wall", "student compute", "wall − student", "wall / student", "first grading");
            int submission = 0;
            foreach (string assignment in new[] { "hw1-mlp", "hw2-cnn", "hw3-rnn" })
            {
                string solution = Path.Combine(courseRoot, "assignments", assignment, "solution");
                if (!Directory.Exists(solution))
                {
                    continue;
                }

                string NewSubmission() => DistinctCopy(solution, Path.Combine(scratch, "submissions", $"{assignment}-{++submission}"), submission);
                using (var served = new GradingServerClient(perRun, graderDll, courseRoot, work, store, options, slots: 1))
                {
                    AddRow(table, assignment, "grader serve (kept running)", Measure(served, assignment, runs, NewSubmission));
                }

                AddRow(table, assignment, "grader grade (a process per run)", Measure(perRun, assignment, runs, NewSubmission));
            }

            AnsiConsole.Write(table);
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private sealed record Sample(double WallMs, double StudentMs);

    private static List<Sample> Measure(ISubmissionGradingClient client, string assignment, int runs, Func<string> newSubmission)
    {
        var samples = new List<Sample>();
        // The first grading is listed apart: the server starts with it (later ones find it warm), the per-run process pays it every time.
        for (int run = 0; run <= runs; run++)
        {
            string submission = newSubmission();
            var clock = Stopwatch.StartNew();
            var result = client.GradeAsync(assignment, submission, CancellationToken.None).GetAwaiter().GetResult();
            double wall = clock.Elapsed.TotalMilliseconds;
            if (result.Report is not { } report)
            {
                throw new InvalidOperationException($"{assignment}: the grading failed: {result.Error}\n{result.Output}");
            }

            samples.Add(new Sample(wall, report.Timings.StudentComputeMs));
        }

        return samples;
    }

    private static void AddRow(Table table, string assignment, string client, List<Sample> samples)
    {
        var measured = samples.Skip(1).ToList();
        table.AddRow(
            assignment,
            client,
            Figure(measured.Select(s => s.WallMs)),
            Figure(measured.Select(s => s.StudentMs)),
            Figure(measured.Select(s => s.WallMs - s.StudentMs)),
            BenchCommand.Median([.. measured.Select(s => s.WallMs / Math.Max(s.StudentMs, 0.001))]).ToString("0.0", CultureInfo.InvariantCulture),
            samples[0].WallMs.ToString("0", CultureInfo.InvariantCulture));
    }

    private static string Figure(IEnumerable<double> values)
    {
        var list = values.ToList();
        return $"{BenchCommand.Median(list):0} / {BenchCommand.Percentile(list, 0.95):0}";
    }

    /// <summary>The solution's source files (not its notebook) with a comment that makes them a submission never seen before.</summary>
    private static string DistinctCopy(string solution, string target, int number)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(solution, "*.cs"))
        {
            File.WriteAllText(Path.Combine(target, Path.GetFileName(file)), File.ReadAllText(file) + $"\n// benchmark submission {number}\n");
        }

        return target;
    }
}

using System.CommandLine;
using System.Globalization;
using Grader.Core.Configuration;
using Grader.Core.Reports;
using Grader.Reference.Checks;
using Grader.Runner.Grading;
using Grader.Submissions.Storage;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader bench [--runs N]</c>: grades each autograded assignment's model solution N times (after one warm-up)
/// and prints the median and p95 of every phase, the overhead (everything but the student's own compute) and the
/// ratio of total grading time to the student's compute. Figures only; nothing is asserted.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var runsOption = new Option<int>("--runs") { Description = "Gradings per assignment (after one warm-up).", DefaultValueFactory = _ => 20 };
        var courseOption = new Option<string?>("--course") { Description = "The course repository; default: found from the current folder." };
        var classOption = new Option<int>("--class") { Description = "Instead: grade a generated class of this many HW1 submissions (solutions, bugs, a few hostile ones) and report throughput." };
        var parallelOption = new Option<int>("--parallel") { Description = "With --class: gradings at once.", DefaultValueFactory = _ => 2 };
        var writeClassOption = new Option<string?>("--write-class") { Description = "With --class: only write the generated submissions into this folder (for `grader-bench-web queue`), grade nothing." };
        var clientsOption = new Option<bool>("--clients") { Description = "Instead: the path the web app and workers take (another process grades): a long-lived `grader serve` against a `grader grade` process per run." };
        var regradeOption = new Option<bool>("--regrade") { Description = "Keep compiled submissions between gradings (a re-grade of the same code skips Roslyn); default: compile every time, as for a new submission." };
        var command = new Command("bench", "Measure per-submission grading overhead on the model solutions, or a whole class's throughput.");
        command.Options.Add(runsOption);
        command.Options.Add(courseOption);
        command.Options.Add(classOption);
        command.Options.Add(parallelOption);
        command.Options.Add(regradeOption);
        command.Options.Add(clientsOption);
        command.Options.Add(writeClassOption);
        command.SetAction(parse =>
        {
            string courseRoot = CourseRoot.Find(parse.GetValue(courseOption));
            int classSize = parse.GetValue(classOption);
            if (parse.GetValue(clientsOption))
            {
                return ClientBenchmark.Run(courseRoot, Math.Max(1, parse.GetValue(runsOption)));
            }

            if (parse.GetValue(writeClassOption) is { } classFolder)
            {
                var written = ClassBenchmark.WriteClass(courseRoot, Math.Max(1, classSize), Path.GetFullPath(classFolder));
                Console.WriteLine($"{written.Count} submissions written to {Path.GetFullPath(classFolder)}: {string.Join(", ", written.GroupBy(s => s.Kind).Select(g => $"{g.Key} {g.Count()}"))}");
                return 0;
            }

            return classSize > 0
                ? ClassBenchmark.Run(courseRoot, classSize, Math.Max(1, parse.GetValue(parallelOption)))
                : Run(courseRoot, Math.Max(1, parse.GetValue(runsOption)), parse.GetValue(regradeOption));
        });
        return command;
    }

    private static int Run(string courseRoot, int runs, bool regrade)
    {
        var course = CourseTreeLoader.LoadAndValidate(courseRoot, CheckCatalog.AllCheckIds);
        if (!course.IsValid)
        {
            return ValidateCommand.Run(courseRoot);
        }

        string scratch = Directory.CreateTempSubdirectory("grader-bench-").FullName;
        try
        {
            // One grading at a time, as a submission arrives: its sandbox was started while the previous one was graded.
            using var grader = new SubmissionGrader(course.Tree!, new SubmissionStore(Path.Combine(scratch, "store")), Path.Combine(scratch, "work"),
                options: new SubmissionGraderOptions { SandboxesStartedAhead = 1, CompileCacheEntries = regrade ? 256 : 0 });
            // A table of ten figures needs more than the 80 columns assumed when output is redirected to a file.
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            AnsiConsole.MarkupLineInterpolated($"{runs} gradings per assignment after one warm-up, on {Environment.ProcessorCount} cores, {(regrade ? "re-grades (compile cache on)" : "compiled every time")}; times in ms (median / p95)");
            var table = new Table().AddColumns("assignment", "intake", "compile", "sandbox start", "student compute", "protocol", "reference + scoring", "teardown + report", "total", "overhead", "total / student");
            foreach (var suite in CheckCatalog.Suites.Where(s => course.Tree!.Assignments.Any(a => a.Id == s.AssignmentId)))
            {
                string solution = Path.Combine(courseRoot, "assignments", suite.AssignmentId, "solution");
                if (!Directory.Exists(solution))
                {
                    continue;
                }

                grader.Grade(suite.AssignmentId, solution);
                var timings = Enumerable.Range(0, runs).Select(_ => grader.Grade(suite.AssignmentId, solution).Timings).ToList();
                table.AddRow(
                    suite.AssignmentId,
                    Figure(timings, t => t.IntakeMs),
                    Figure(timings, t => t.CompileMs),
                    Figure(timings, t => t.SandboxStartMs),
                    Figure(timings, t => t.StudentComputeMs),
                    Figure(timings, t => t.ProtocolMs),
                    Figure(timings, t => t.ChecksMs - t.StudentComputeMs - t.ProtocolMs),
                    Figure(timings, t => t.TotalMs - t.IntakeMs - t.CompileMs - t.SandboxStartMs - t.ChecksMs),
                    Figure(timings, t => t.TotalMs),
                    Figure(timings, t => t.TotalMs - t.StudentComputeMs),
                    Median(timings.Select(t => t.TotalMs / Math.Max(t.StudentComputeMs, 0.001)).ToList()).ToString("0.0", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static string Figure(IReadOnlyList<ReportTimings> timings, Func<ReportTimings, double> phase)
    {
        var values = timings.Select(phase).ToList();
        return $"{Median(values):0} / {Percentile(values, 0.95):0}";
    }

    internal static double Median(IReadOnlyList<double> values) => Percentile(values, 0.5);

    internal static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        double rank = fraction * (sorted.Count - 1);
        int lower = (int)Math.Floor(rank);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using Grader.Core.Configuration;
using Grader.Core.Reports;
using Grader.Reference.Checks;
using Grader.Runner.Grading;
using Grader.Submissions.Storage;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader bench --class N [--parallel P]</c>: a whole class of HW1 submissions, generated from the model solution
/// (each one distinct, so nothing is served from a cache), with seeded bugs, starters, compile errors and a few hostile
/// ones, graded end to end (stored, extracted, compiled, sandboxed, scored, report written). Prints wall time,
/// throughput, where the time went, and the runner's own memory at the start and the end.
/// </summary>
internal static class ClassBenchmark
{
    /// <param name="Edit">Makes the submission from the model solution and the starter.</param>
    private sealed record Variant(string Kind, Func<string, string, string> Edit);

    // The mix of a real class: most solve it, some have a bug, a few hand in the starter or code that does not
    // compile, and a few try something hostile that the sandbox or the policy must stop quickly.
    private static readonly Variant[] Mix =
    [
        new("solution", (code, _) => code),
        new("solution", (code, _) => code),
        new("solution", (code, _) => code),
        new("solution", (code, _) => code),
        new("solution", (code, _) => code),
        new("bias-gradient-bug", (code, _) => code.Replace("Replace(biasGradients, layer, delta.sum(dim: 0));", "Replace(biasGradients, layer, delta.sum(dim: 0) * 2);", StringComparison.Ordinal)),
        new("sgd-sign-bug", (code, _) => code.Replace("biases[layer].sub_(", "biases[layer].add_(", StringComparison.Ordinal)),
        new("compile-error", (code, _) => code.Replace("public Tensor Forward", "public Tensor Forwrd", StringComparison.Ordinal)),
        new("starter", (_, starter) => starter),
        new("hostile-exit", (code, _) => code.Replace("int[] sizes = [", "System.Environment.Exit(0); int[] sizes = [", StringComparison.Ordinal)),
        new("hostile-flood", (code, _) => code.Replace("int[] sizes = [", "while (true) System.Console.Write(new string('x', 4096)); int[] sizes = [", StringComparison.Ordinal)),
    ];

    private sealed record Graded(string Kind, GradingOutcome Outcome, decimal Total, ReportTimings Timings);

    private sealed record MemorySample(int Graded, long WorkingSet, long HeapInUse, long Committed)
    {
        public static MemorySample Take(int graded)
        {
            using var self = Process.GetCurrentProcess();
            return new MemorySample(graded, self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo().TotalCommittedBytes);
        }
    }

    /// <summary>
    /// Writes a class of <paramref name="classSize"/> HW1 submissions into <paramref name="folder"/>, one folder each
    /// named like a syllabus hand-in (<c>st0001_hw1</c>), in the mix above; returns each one's path and kind.
    /// </summary>
    public static IReadOnlyList<(string Path, string Kind)> WriteClass(string courseRoot, int classSize, string folder)
    {
        string starter = File.ReadAllText(Path.Combine(courseRoot, "assignments", "hw1-mlp", "starter", "MultilayerPerceptron.cs"));
        string solution = File.ReadAllText(Path.Combine(courseRoot, "assignments", "hw1-mlp", "solution", "MultilayerPerceptron.cs"));
        var submissions = new List<(string Path, string Kind)>();
        for (int student = 1; student <= classSize; student++)
        {
            var variant = Mix[student % Mix.Length];
            string submission = Path.Combine(folder, $"st{student:0000}_hw1");
            Directory.CreateDirectory(submission);
            // A comment naming the student makes every submission's bytes, and so its hash, distinct.
            File.WriteAllText(Path.Combine(submission, "MultilayerPerceptron.cs"), $"// st{student:0000}\n" + variant.Edit(solution, starter));
            submissions.Add((submission, variant.Kind));
        }

        return submissions;
    }

    public static int Run(string courseRoot, int classSize, int parallel)
    {
        var course = CourseTreeLoader.LoadAndValidate(courseRoot, CheckCatalog.AllCheckIds);
        if (!course.IsValid)
        {
            return ValidateCommand.Run(courseRoot);
        }

        string scratch = Directory.CreateTempSubdirectory("grader-class-").FullName;
        try
        {
            var submissions = WriteClass(courseRoot, classSize, Path.Combine(scratch, "class"));
            using var grader = new SubmissionGrader(course.Tree!, new SubmissionStore(Path.Combine(scratch, "store")), Path.Combine(scratch, "work"),
                options: new SubmissionGraderOptions { SandboxesStartedAhead = parallel });
            var memory = new ConcurrentQueue<MemorySample>();
            memory.Enqueue(MemorySample.Take(0));
            long startRss = memory.First().WorkingSet;
            // What the table needs of each report, not the report: a runner that grades for months keeps none of them,
            // so neither does the benchmark that measures its memory.
            var reports = new ConcurrentBag<Graded>();
            int graded = 0;
            int sampleEvery = Math.Max(1, classSize / 10);
            var clock = Stopwatch.StartNew();
            Parallel.ForEach(submissions, new ParallelOptions { MaxDegreeOfParallelism = parallel }, submission =>
            {
                var report = grader.Grade("hw1-mlp", submission.Path);
                reports.Add(new Graded(submission.Kind, report.Outcome, report.Total, report.Timings));
                if (Interlocked.Increment(ref graded) is var done && done % sampleEvery == 0)
                {
                    memory.Enqueue(MemorySample.Take(done));
                }
            });
            var wall = clock.Elapsed;
            // After a full, compacting collection: what the runner still holds.
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            long liveHeap = GC.GetTotalMemory(forceFullCollection: true);
            long endRss = Process.GetCurrentProcess().WorkingSet64;

            var table = new Table().AddColumns("kind", "count", "median total (ms)", "median score", "outcomes");
            foreach (var group in reports.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var totals = group.Select(r => r.Timings.TotalMs).Order().ToList();
                var scores = group.Select(r => r.Total).Order().ToList();
                table.AddRow(group.Key, group.Count().ToString(System.Globalization.CultureInfo.InvariantCulture), $"{totals[totals.Count / 2]:0}", $"{scores[scores.Count / 2]:0.##}",
                    string.Join(", ", group.GroupBy(r => r.Outcome).Select(o => $"{o.Key.ToString().ToLowerInvariant()} {o.Count()}")));
            }

            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 140);
            AnsiConsole.Write(table);
            double sum(Func<ReportTimings, double> phase) => reports.Sum(r => phase(r.Timings)) / 1000;
            AnsiConsole.MarkupLineInterpolated($"{classSize} submissions, --parallel {parallel}, {Environment.ProcessorCount} cores: {wall.TotalSeconds:0.0} s wall, {classSize / wall.TotalSeconds:0.00} submissions/s");
            AnsiConsole.MarkupLineInterpolated($"time summed over submissions (s): intake {sum(t => t.IntakeMs):0.0}, compile {sum(t => t.CompileMs):0.0}, sandbox start {sum(t => t.SandboxStartMs):0.0}, student compute {sum(t => t.StudentComputeMs):0.0}, protocol {sum(t => t.ProtocolMs):0.0}, checks in all {sum(t => t.ChecksMs):0.0}, total {sum(t => t.TotalMs):0.0}");
            AnsiConsole.MarkupLineInterpolated($"runner working set: {startRss / 1048576} MB at the start, {endRss / 1048576} MB at the end (after a full GC, which leaves {liveHeap / 1048576} MB of live GC heap)");
            // Where memory goes as gradings accumulate: the GC's own heap and commit against the process's working set
            // (the rest is native: libtorch, Roslyn's native images, glibc's heap).
            AnsiConsole.MarkupLine("memory after N gradings (MB): working set / GC heap in use / GC committed");
            AnsiConsole.WriteLine(string.Join("; ", memory.OrderBy(m => m.Graded).Select(m => $"{m.Graded}: {m.WorkingSet / 1048576} / {m.HeapInUse / 1048576} / {m.Committed / 1048576}")));
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}

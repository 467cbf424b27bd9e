using System.CommandLine;
using System.Diagnostics;
using Grader.Similarity;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader similarity &lt;assignment&gt; &lt;folder&gt; [--starter DIR] [--archive DIR]... [--threshold 0.5] [--out report.json]</c>
/// compares every submission in the folder with every other (and with previous years' archives), minus the starter
/// code, prints the most similar pairs and writes the JSON report. <c>grader similarity --bench 300</c> times the
/// comparison of generated HW1 look-alikes.
/// </summary>
internal static class SimilarityCommand
{
    private const string BenchAssignment = "hw1-mlp";
    private const string BenchSolutionFile = "MultilayerPerceptron.cs";

    public static Command Create()
    {
        var assignmentArgument = new Argument<string?>("assignment") { Description = "The assignment id, e.g. hw1-mlp.", Arity = ArgumentArity.ZeroOrOne };
        var folderArgument = new Argument<string?>("submissions") { Description = "A folder: each subfolder, zip, .cs, .csx or .ipynb in it is one submission.", Arity = ArgumentArity.ZeroOrOne };
        var starterOption = new Option<string?>("--starter") { Description = "The starter code (folder or file) whose code is not evidence; default: assignments/<assignment>/starter." };
        var archiveOption = new Option<string[]>("--archive") { Description = "A folder of a previous year's submissions (repeatable); compared with this term's, not with each other.", AllowMultipleArgumentsPerToken = false };
        var thresholdOption = new Option<double>("--threshold") { Description = "Report pairs scoring at least this (0..1).", DefaultValueFactory = _ => 0.5 };
        var measureOption = new Option<SimilarityMeasure>("--measure") { Description = "The score the threshold applies to: Jaccard or ShareOfSmaller.", DefaultValueFactory = _ => SimilarityMeasure.Jaccard };
        var maxHoldersOption = new Option<int?>("--max-holders") { Description = "Ignore fingerprints found in more than this many submissions (common idiom)." };
        var outOption = new Option<string?>("--out") { Description = "Where to write the JSON report (default: data/similarity/<assignment>.json in the course)." };
        var topOption = new Option<int>("--top") { Description = "How many pairs to print.", DefaultValueFactory = _ => 20 };
        var courseOption = new Option<string?>("--course") { Description = "The course repository; default: found from the current folder." };
        var benchOption = new Option<int>("--bench") { Description = "Instead: generate this many HW1 look-alike submissions (seeded) and time the comparison." };
        var seedOption = new Option<int>("--seed") { Description = "With --bench: the seed of the generated submissions.", DefaultValueFactory = _ => 2026 };

        var command = new Command("similarity", "Find similar submissions (winnowed fingerprints of Roslyn token streams, minus the starter code).");
        command.Arguments.Add(assignmentArgument);
        command.Arguments.Add(folderArgument);
        foreach (var option in new Option[] { starterOption, archiveOption, thresholdOption, measureOption, maxHoldersOption, outOption, topOption, courseOption, benchOption, seedOption })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            string courseRoot = CourseRoot.Find(parse.GetValue(courseOption));
            var options = new SimilarityOptions
            {
                Threshold = parse.GetValue(thresholdOption),
                Measure = parse.GetValue(measureOption),
                MaxSubmissionsPerFingerprint = parse.GetValue(maxHoldersOption),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException error)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/] {error.Message}");
                return 1;
            }

            int bench = parse.GetValue(benchOption);
            if (bench > 0)
            {
                return Bench(courseRoot, bench, parse.GetValue(seedOption), options);
            }

            string? assignment = parse.GetValue(assignmentArgument);
            string? folder = parse.GetValue(folderArgument);
            if (assignment is null || folder is null)
            {
                AnsiConsole.MarkupLine("[red]error[/] give <assignment> <folder-of-submissions>, or --bench N");
                return 1;
            }

            string? starter = parse.GetValue(starterOption) ?? DefaultStarter(courseRoot, assignment);
            string output = parse.GetValue(outOption) ?? Path.Combine(courseRoot, "data", "similarity", $"{assignment}.json");
            return Run(assignment, folder, starter, parse.GetValue(archiveOption) ?? [], options, output, Math.Max(1, parse.GetValue(topOption)));
        });
        return command;
    }

    private static string? DefaultStarter(string courseRoot, string assignment)
    {
        string folder = Path.Combine(courseRoot, "assignments", assignment, "starter");
        return Directory.Exists(folder) ? folder : null;
    }

    /// <summary>Reads, compares, prints and writes; returns the process exit code.</summary>
    public static int Run(string assignment, string folder, string? starter, IReadOnlyList<string> archives, SimilarityOptions options, string output, int top)
    {
        if (!Directory.Exists(folder))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] {folder} is not a folder of submissions");
            return 1;
        }

        var missing = archives.Where(a => !Directory.Exists(a)).Append(starter).Where(p => p is not null && !Directory.Exists(p) && !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] no such folder: {string.Join(", ", missing)}");
            return 1;
        }

        var batch = SubmissionReader.ReadFolder(folder);
        var submissions = batch.Submissions.ToList();
        var problems = batch.Problems.ToList();
        foreach (string archive in archives)
        {
            // The archive's folder name (e.g. 2025) prefixes its ids, so a student who took the course twice stays two entries.
            var archived = SubmissionReader.ReadFolder(archive, isArchived: true, idPrefix: Path.GetFileName(Path.TrimEndingDirectorySeparator(archive)) + "/");
            submissions.AddRange(archived.Submissions);
            problems.AddRange(archived.Problems);
        }

        var starterFiles = starter is null ? [] : SubmissionReader.ReadSources(starter, problems);
        foreach (var problem in problems)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning[/] {problem.Path}: {problem.Message}");
        }

        AnsiConsole.MarkupLineInterpolated($"{batch.Submissions.Count} submission(s) of {assignment}, {submissions.Count - batch.Submissions.Count} archived; starter: {starter ?? "none"}");
        SimilarityReport report;
        try
        {
            report = new SimilarityEngine(options).Compare(assignment, submissions, starterFiles);
        }
        catch (ArgumentException error)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] {error.Message}");
            return 1;
        }

        PrintPairs(report, top);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        File.WriteAllText(output, report.ToJson());
        AnsiConsole.MarkupLineInterpolated($"{report.Pairs.Count} pair(s) at or above {options.Threshold:0.##} ({options.Measure}); report: {output}");
        return 0;
    }

    private static void PrintPairs(SimilarityReport report, int top)
    {
        if (report.Pairs.Count == 0)
        {
            return;
        }

        // Region lists need more than the 80 columns assumed when output is redirected to a file.
        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
        var table = new Table().AddColumns("first", "second", "jaccard", "share of smaller", "shared", "matching regions (first ↔ second)");
        foreach (var pair in report.Pairs.Take(top))
        {
            var regions = pair.Regions.OrderByDescending(r => r.Fingerprints).Take(3)
                .Select(r => $"{r.FirstFile}:{r.FirstStartLine}-{r.FirstEndLine} ↔ {r.SecondFile}:{r.SecondStartLine}-{r.SecondEndLine}");
            string more = pair.Regions.Count > 3 ? $" (+{pair.Regions.Count - 3})" : "";
            table.AddRow(
                Markup.Escape(pair.First),
                Markup.Escape(pair.Second),
                $"{pair.Jaccard:0.00}",
                $"{pair.ShareOfSmaller:0.00}",
                $"{pair.SharedFingerprints}",
                Markup.Escape(string.Join("; ", regions) + more));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Generates <paramref name="count"/> disguised copies of the HW1 solution and times fingerprinting and comparing.</summary>
    private static int Bench(string courseRoot, int count, int seed, SimilarityOptions options)
    {
        string solution = Path.Combine(courseRoot, "assignments", BenchAssignment, "solution", BenchSolutionFile);
        string starter = Path.Combine(courseRoot, "assignments", BenchAssignment, "starter", BenchSolutionFile);
        if (!File.Exists(solution) || !File.Exists(starter))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] the benchmark needs {solution} and {starter}");
            return 1;
        }

        var generate = Stopwatch.StartNew();
        var submissions = SubmissionVariants.Generate(File.ReadAllText(solution), count, seed)
            .Select((text, i) => new SubmissionSource($"s{i:D4}", [new SourceFile(BenchSolutionFile, text)]))
            .ToList();
        generate.Stop();
        long sourceBytes = submissions.Sum(s => (long)s.Files[0].Text.Length * sizeof(char));

        var engine = new SimilarityEngine(options);
        var fingerprint = Stopwatch.StartNew();
        var fingerprinted = engine.Fingerprint(submissions, [new SourceFile(BenchSolutionFile, File.ReadAllText(starter))]);
        fingerprint.Stop();
        var compare = Stopwatch.StartNew();
        var report = engine.Compare(BenchAssignment, fingerprinted);
        compare.Stop();

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        AnsiConsole.MarkupLineInterpolated($"{count} generated {BenchAssignment} submissions (seed {seed}, {sourceBytes / 1024} KiB of source), {Environment.ProcessorCount} cores");
        var table = new Table().AddColumns("phase", "seconds");
        table.AddRow("generate (not part of the comparison)", $"{generate.Elapsed.TotalSeconds:0.00}");
        table.AddRow("tokenise + winnow", $"{fingerprint.Elapsed.TotalSeconds:0.00}");
        table.AddRow("index + compare + regions", $"{compare.Elapsed.TotalSeconds:0.00}");
        table.AddRow("total (tokenise to report)", $"{(fingerprint.Elapsed + compare.Elapsed).TotalSeconds:0.00}");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated($"fingerprints: {fingerprinted.Sum(f => f.Fingerprints.Count)}; pairs at or above {options.Threshold:0.##}: {report.Pairs.Count} of {count * (count - 1) / 2}; regions: {report.Pairs.Sum(p => p.Regions.Count)}");
        AnsiConsole.MarkupLineInterpolated($"peak working set: {process.PeakWorkingSet64 / (1024 * 1024)} MiB; managed heap now: {GC.GetTotalMemory(forceFullCollection: false) / (1024 * 1024)} MiB");
        return 0;
    }
}

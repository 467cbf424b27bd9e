using System.Collections.Concurrent;
using System.CommandLine;
using Grader.Core.Configuration;
using Grader.Core.Reports;
using Grader.Reference.Checks;
using Grader.Runner.Grading;
using Grader.Submissions.Storage;
using Spectre.Console;

namespace Grader.Runner.Cli;

/// <summary>
/// <c>grader grade &lt;assignment&gt; &lt;submission&gt; [--out DIR]</c> grades one submission;
/// <c>grader grade &lt;assignment&gt; --batch &lt;folder&gt; [--parallel N]</c> grades every submission in a folder.
/// </summary>
internal static class GradeCommand
{
    public static Command Create()
    {
        var assignmentArgument = new Argument<string>("assignment") { Description = "The assignment id, e.g. hw1-mlp." };
        var submissionArgument = new Argument<string?>("submission") { Description = "A zip, tarball, folder, notebook, .csx or .cs file.", Arity = ArgumentArity.ZeroOrOne };
        var batchOption = new Option<string?>("--batch") { Description = "Grade every submission (file or folder) in this folder." };
        var parallelOption = new Option<int>("--parallel") { Description = "How many submissions to grade at once.", DefaultValueFactory = _ => 1 };
        var outOption = new Option<string?>("--out") { Description = "Where to write the JSON reports (default: reports/ under the course's data folder)." };
        var courseOption = new Option<string?>("--course") { Description = "The course repository; default: found from the current folder." };
        var storeOption = new Option<string?>("--store") { Description = "The content-addressed submission store to keep the bytes in (default: store/ under the course's data folder); share it with the web app." };
        var reportOption = new Option<string?>("--report") { Description = "One submission only: write its JSON report to exactly this file (for programs that run the grader, like the web app)." };

        var command = new Command("grade", "Grade submissions in the sandbox and write a JSON report for each.");
        command.Arguments.Add(assignmentArgument);
        command.Arguments.Add(submissionArgument);
        command.Options.Add(batchOption);
        command.Options.Add(parallelOption);
        command.Options.Add(outOption);
        command.Options.Add(courseOption);
        command.Options.Add(reportOption);
        command.Options.Add(storeOption);
        command.SetAction(parse =>
        {
            string courseRoot = CourseRoot.Find(parse.GetValue(courseOption));
            string assignment = parse.GetValue(assignmentArgument)!;
            string? submission = parse.GetValue(submissionArgument);
            string? batch = parse.GetValue(batchOption);
            if ((submission is null) == (batch is null))
            {
                AnsiConsole.MarkupLine("[red]error[/] give either one submission or --batch <folder>, not both and not neither");
                return 1;
            }

            var submissions = batch is null ? [submission!] : BatchEntries(batch);
            if (submissions is null)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/] {batch} is not a folder");
                return 1;
            }

            string? reportFile = parse.GetValue(reportOption);
            if (reportFile is not null && batch is not null)
            {
                AnsiConsole.MarkupLine("[red]error[/] --report names one file; with --batch use --out <folder>");
                return 1;
            }

            return Run(courseRoot, assignment, submissions, parse.GetValue(outOption), Math.Max(1, parse.GetValue(parallelOption)), reportFile, parse.GetValue(storeOption));
        });
        return command;
    }

    private static IReadOnlyList<string>? BatchEntries(string folder)
        => Directory.Exists(folder)
            ? Directory.EnumerateFileSystemEntries(folder).Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : null;

    /// <summary>Grades the submissions, prints a table, writes the reports; returns the process exit code.</summary>
    public static int Run(string courseRoot, string assignmentId, IReadOnlyList<string> submissions, string? outFolder, int parallel, string? reportFile = null, string? storeFolder = null)
    {
        var course = CourseTreeLoader.LoadAndValidate(courseRoot, CheckCatalog.AllCheckIds);
        if (!course.IsValid)
        {
            foreach (var error in course.Errors)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]error[/] {error}");
            }

            return 1;
        }

        if (course.Tree!.Assignments.All(a => a.Id != assignmentId))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] no assignment '{assignmentId}' in {courseRoot}; known: {string.Join(", ", course.Tree.Assignments.Select(a => a.Id))}");
            return 1;
        }

        var missing = submissions.Where(s => !File.Exists(s) && !Directory.Exists(s)).ToList();
        if (missing.Count > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error[/] no such submission: {string.Join(", ", missing)}");
            return 1;
        }

        string dataFolder = Path.Combine(courseRoot, "data");
        string reportsFolder = reportFile is not null ? Path.GetDirectoryName(Path.GetFullPath(reportFile))! : outFolder ?? Path.Combine(dataFolder, "reports", assignmentId);
        Directory.CreateDirectory(reportsFolder);
        // With more than one submission, each worker's next sandbox starts while its current submission is graded.
        using var grader = new SubmissionGrader(course.Tree, new SubmissionStore(storeFolder ?? Path.Combine(dataFolder, "store")), Path.Combine(Path.GetTempPath(), $"grader-work-{Environment.ProcessId}"),
            options: new SubmissionGraderOptions { SandboxesStartedAhead = submissions.Count > 1 ? Math.Min(parallel, submissions.Count) : 0 });

        var reports = new ConcurrentDictionary<string, GradingReport>();
        var failures = new ConcurrentDictionary<string, string>();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask($"grading {submissions.Count} submission(s) of {assignmentId}", maxValue: submissions.Count);
                Parallel.ForEach(submissions, new ParallelOptions { MaxDegreeOfParallelism = parallel }, submission =>
                {
                    try
                    {
                        var report = grader.Grade(assignmentId, submission);
                        reports[submission] = report;
                        File.WriteAllText(reportFile ?? Path.Combine(reportsFolder, $"{Path.GetFileName(Path.TrimEndingDirectorySeparator(submission))}.{report.Submission.Hash[..12]}.json"), report.ToJson());
                    }
#pragma warning disable CA1031 // The grader's own failure on one submission is reported, and the batch goes on.
                    catch (Exception error)
#pragma warning restore CA1031
                    {
                        failures[submission] = $"{error.GetType().Name}: {error.Message}";
                    }

                    task.Increment(1);
                });
            });

        PrintSummary(submissions, reports, failures);
        AnsiConsole.MarkupLineInterpolated($"reports: {reportsFolder}");
        return failures.IsEmpty ? 0 : 2;
    }

    private static void PrintSummary(IReadOnlyList<string> submissions, IReadOnlyDictionary<string, GradingReport> reports, IReadOnlyDictionary<string, string> failures)
    {
        var table = new Table().AddColumns("submission", "outcome", "score", "time", "summary");
        foreach (var submission in submissions)
        {
            string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(submission));
            if (reports.TryGetValue(submission, out var report))
            {
                string color = report.Outcome == GradingOutcome.Graded ? "green" : "yellow";
                table.AddRow(
                    Markup.Escape(name),
                    $"[{color}]{report.Outcome.ToString().ToLowerInvariant()}[/]",
                    $"{report.Total:0.##} / {report.Max:0.##}",
                    $"{report.Timings.TotalMs / 1000:0.0} s",
                    Markup.Escape(Shorten(report.Summary)));
            }
            else
            {
                table.AddRow(Markup.Escape(name), "[red]grader error[/]", "", "", Markup.Escape(Shorten(failures.GetValueOrDefault(submission, "?"))));
            }
        }

        AnsiConsole.Write(table);
    }

    private static string Shorten(string text) => text.Length <= 110 ? text : text[..107] + "...";
}

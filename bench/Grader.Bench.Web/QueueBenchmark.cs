using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Grader.Core.Grading;
using Grader.Core.Reports;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Web.Extensions;
using Grader.Web.Grading;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// <c>grader-bench-web queue --submissions DIR [--assignment hw1-mlp] [--slots 2]</c>: a class through the web app's
/// own queue, end to end. Every entry of DIR (a folder or an archive named <c>netid_hwN</c>, as <c>grader bench
/// --write-class</c> writes them, or a real class's hand-ins) is uploaded the way the student page does it (stored by
/// hash, recorded, a Quartz job queued); the app grades them with its <c>grader serve</c> children (<c>Grading:Slots</c>
/// of them), and the gradebook is computed from the stored results at the end. Prints the wall time from the first
/// upload to the last result, throughput, where the time went (from the stored reports) and the gradebook's time.
/// </summary>
internal static class QueueBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? submissions = null;
        string assignmentId = "hw1-mlp";
        int slots = 2;
        string folder = Path.Combine(Path.GetTempPath(), "grader-queue-bench");
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--submissions": submissions = Path.GetFullPath(Next()); break;
                case "--assignment": assignmentId = Next(); break;
                case "--slots": slots = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--folder": folder = Path.GetFullPath(Next()); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: grader-bench-web queue --submissions DIR [--assignment hw1-mlp] [--slots 2] [--folder F]");
                    return 2;
            }
        }

        if (submissions is null || !Directory.Exists(submissions))
        {
            Console.Error.WriteLine($"--submissions must name a folder of submissions (got {submissions ?? "nothing"}); `grader bench --class 200 --write-class DIR` writes one");
            return 2;
        }

        var entries = Directory.EnumerateFileSystemEntries(submissions).Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        string repository = CourseCatalog.FindRoot(AppContext.BaseDirectory);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        // The course with a roster of the submitters, so that every result lands in a student's gradebook row.
        string courseRoot = Path.Combine(folder, "course");
        BenchCourse.CopyFrom(repository, courseRoot);
        var submitters = entries.Select(SubmitterOf).ToList();
        await File.WriteAllLinesAsync(Path.Combine(courseRoot, "assignments", "roster.csv"),
            ["identifier,github_username,github_id,name", .. submitters.Distinct().Select((s, n) => $"{s},{s}-gh,{800000 + n},Student {s}")]);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = courseRoot, Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Course:Root"] = courseRoot,
            ["Course:DataFolder"] = Path.Combine(folder, "data"),
            ["Course:SeedDemo"] = "false",
            // Before HW1's deadline: the uploads are on time, as a class's would be.
            ["Course:Now"] = "2023-02-10T12:00:00-05:00",
            ["Grading:RunInWeb"] = "true",
            ["Grading:Slots"] = slots.ToString(CultureInfo.InvariantCulture),
            ["Urls"] = "http://127.0.0.1:0",
        });
        builder.Logging.ClearProviders();
        builder.AddGraderWeb();
        await using var app = builder.Build();
        await app.PrepareDatabaseAsync(seedDemo: false);
        await app.StartAsync();

        Console.WriteLine($"{entries.Count} submissions of {assignmentId} through the web app's queue, Grading:Slots={slots}, {Environment.ProcessorCount} cores");
        var clock = Stopwatch.StartNew();
        var runIds = new List<long>();
        using (var scope = app.Services.CreateScope())
        {
            var grading = scope.ServiceProvider.GetRequiredService<GradingService>();
            var queue = scope.ServiceProvider.GetRequiredService<IGradingQueue>();
            var now = scope.ServiceProvider.GetRequiredService<NodaTime.IClock>().GetCurrentInstant().ToDateTimeUtc();
            for (int n = 0; n < entries.Count; n++)
            {
                var (content, name) = Upload(entries[n]);
                await using (content)
                {
                    var (_, run) = await grading.RecordAsync(assignmentId, submitters[n], content, name, SubmissionSource.Upload, now, null, null, CancellationToken.None);
                    await queue.EnqueueAsync(run.Id, CancellationToken.None);
                    runIds.Add(run.Id);
                }
            }
        }

        var uploaded = clock.Elapsed;
        int finished = 0;
        while (finished < runIds.Count)
        {
            await Task.Delay(250);
            using var scope = app.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
            finished = await db.GradingRuns.CountAsync(r => runIds.Contains(r.Id) && (r.Status == GradingRunStatus.Succeeded || r.Status == GradingRunStatus.Failed));
        }

        var wall = clock.Elapsed;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
            var runs = await db.GradingRuns.AsNoTracking().Where(r => runIds.Contains(r.Id)).Select(r => new { r.Status, r.Outcome, r.ReportJson, r.Error }).ToListAsync();
            var timings = runs.Where(r => r.ReportJson is not null).Select(r => GradingReport.FromJson(r.ReportJson!).Timings).ToList();
            double Sum(Func<ReportTimings, double> phase) => timings.Sum(phase) / 1000;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"uploaded in {uploaded.TotalSeconds:0.0} s; all graded and stored after {wall.TotalSeconds:0.0} s: {entries.Count / wall.TotalSeconds:0.00} submissions/s"));
            Console.WriteLine("outcomes: " + string.Join(", ", runs.GroupBy(r => r.Error is null ? r.Outcome ?? r.Status.ToString() : $"failed ({r.Error})").Select(g => $"{g.Key} {g.Count()}")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"summed over the reports (s): intake {Sum(t => t.IntakeMs):0.0}, compile {Sum(t => t.CompileMs):0.0}, sandbox start {Sum(t => t.SandboxStartMs):0.0}, student compute {Sum(t => t.StudentComputeMs):0.0}, protocol {Sum(t => t.ProtocolMs):0.0}, checks in all {Sum(t => t.ChecksMs):0.0}, inside the grader {Sum(t => t.TotalMs):0.0}; queue, processes and database: {(wall.TotalSeconds * slots) - Sum(t => t.TotalMs):0.0} slot-seconds"));

            var gradebook = scope.ServiceProvider.GetRequiredService<Gradebook>();
            var tree = scope.ServiceProvider.GetRequiredService<CourseCatalog>().Tree;
            var courseClock = scope.ServiceProvider.GetRequiredService<NodaTime.IClock>();
            var gradebookClock = Stopwatch.StartNew();
            var grades = new CourseGrader(tree, courseClock).GradeAll(await gradebook.LoadFactsAsync(CancellationToken.None));
            int withResult = grades.Count(g => g.Components.Any(c => c.Assignment.AssignmentId == assignmentId && c.Assignment.Rubric is not null));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"gradebook: {grades.Count} students, {withResult} with a graded {assignmentId} submission, computed in {gradebookClock.Elapsed.TotalMilliseconds:0} ms"));
        }

        await app.StopAsync();
        return 0;
    }

    /// <summary>The student an entry belongs to: the name before its first underscore (<c>ab1234_hw1.zip</c>: ab1234).</summary>
    private static string SubmitterOf(string entry) => Path.GetFileName(entry).Split('_')[0];

    /// <summary>What the upload page receives: an archive as it is, a folder zipped under its name.</summary>
    private static (Stream Content, string Name) Upload(string entry)
    {
        if (File.Exists(entry))
        {
            return (File.OpenRead(entry), Path.GetFileName(entry));
        }

        var zip = new MemoryStream();
        ZipFile.CreateFromDirectory(entry, zip, CompressionLevel.Fastest, includeBaseDirectory: false);
        zip.Position = 0;
        return (zip, Path.GetFileName(entry) + ".zip");
    }
}

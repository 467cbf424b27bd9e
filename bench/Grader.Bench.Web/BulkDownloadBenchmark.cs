using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Grader.Data;
using Grader.Data.Course;
using Grader.Data.Grading;
using Grader.Submissions.Storage;
using Grader.Web.Extensions;
using Grader.Web.Workspace;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// <c>grader-bench-web bulk [--students 200] [--megabytes-each 1]</c>: the memory an assignment's bulk download takes.
/// A class of N HW1 submissions (the model solution notebook with a saved output of incompressible bytes, so each zip
/// is about the size asked for) is stored in a real content-addressed store with a succeeded run and its report; then
/// the bulk zip (<see cref="SubmissionDownloads.WriteAssignmentZipAsync"/>, the endpoint's code, through the app's own
/// composition, no HTTP) is written to a sink while a sampler records the managed heap and the working set. Prints the
/// bytes written and the peak growth of each over the state just before.
/// </summary>
internal static class BulkDownloadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        int students = 200;
        int megabytesEach = 1;
        string folder = Path.Combine(Path.GetTempPath(), "grader-bulk-bench");
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--students": students = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--megabytes-each": megabytesEach = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--folder": folder = Path.GetFullPath(Next()); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'; usage: grader-bench-web bulk [--students 200] [--megabytes-each 1] [--folder F]");
                    return 2;
            }
        }

        string courseRoot = BenchCourse.FreshIn(folder);
        var identifiers = Enumerable.Range(1, students).Select(s => string.Create(CultureInfo.InvariantCulture, $"bulk{s:D4}")).ToList();
        await File.WriteAllLinesAsync(Path.Combine(courseRoot, "assignments", "roster.csv"),
            ["identifier,github_username,github_id,name", .. identifiers.Select((s, n) => $"{s},{s}-gh,{700000 + n},Student {s}")]);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = courseRoot, Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Course:Root"] = courseRoot,
            ["Course:DataFolder"] = Path.Combine(folder, "data"),
            ["Course:SeedDemo"] = "false",
            ["Course:Now"] = "2023-02-20T12:00:00-05:00",
            ["Grading:RunInWeb"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.AddGraderWeb();
        await using var app = builder.Build();
        await app.PrepareDatabaseAsync(seedDemo: false);

        const string assignmentId = "hw1-mlp";
        string notebook = await File.ReadAllTextAsync(Path.Combine(courseRoot, "assignments", assignmentId, "solution", "hw1.ipynb"));
        long stored = 0;
        using (var scope = app.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<GraderDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<SubmissionStore>();
            var tree = scope.ServiceProvider.GetRequiredService<CourseCatalog>().Tree;
            var due = tree.Assignment(assignmentId).DueIn(tree.Course.TimeZone).ToInstant().ToDateTimeUtc();
            var random = new Random(1);
            foreach (string student in identifiers)
            {
                byte[] zip = SubmissionZip(notebook, megabytesEach, random);
                stored += zip.Length;
                var hash = await store.StoreAsync(new MemoryStream(zip), $"{student}_hw1.zip");
                var submission = new SubmissionRecord
                {
                    AssignmentId = assignmentId, SubmitterId = student, ContentHash = hash.Hex, OriginalFileName = $"{student}_hw1.zip",
                    Source = SubmissionSource.Demo, ReceivedAtUtc = due.AddDays(-1),
                };
                submission.Runs.Add(new GradingRun
                {
                    AssignmentId = assignmentId, ContentHash = hash.Hex, GraderVersion = "bench", Status = GradingRunStatus.Succeeded,
                    QueuedAtUtc = due.AddDays(-1), StartedAtUtc = due.AddDays(-1), FinishedAtUtc = due.AddDays(-1), Outcome = "graded",
                    ReportJson = "{\"bench\": \"" + new string('r', 8 * 1024) + "\"}",
                });
                db.Submissions.Add(submission);
            }

            await db.SaveChangesAsync();
        }

        using var measure = app.Services.CreateScope();
        var downloads = measure.ServiceProvider.GetRequiredService<SubmissionDownloads>();
        var counting = await downloads.CountingAsync(assignmentId, CancellationToken.None);
        using var process = Process.GetCurrentProcess();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        process.Refresh();
        long workingSetBefore = process.WorkingSet64;
        long heapPeak = heapBefore, workingSetPeak = workingSetBefore;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: false));
                process.Refresh();
                workingSetPeak = Math.Max(workingSetPeak, process.WorkingSet64);
                await Task.Delay(10);
            }
        });
        var sink = new CountingSink();
        var clock = Stopwatch.StartNew();
        await downloads.WriteAssignmentZipAsync(assignmentId, counting, sink, CancellationToken.None);
        clock.Stop();
        await sampling.CancelAsync();
        await sampler;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{counting.Count} counting submissions, {stored / 1048576.0:F1} MB stored; the zip: {sink.Length / 1048576.0:F1} MB in {clock.Elapsed.TotalSeconds:F1} s"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"peak growth while writing: managed heap {(heapPeak - heapBefore) / 1048576.0:F1} MB, working set {(workingSetPeak - workingSetBefore) / 1048576.0:F1} MB (before: heap {heapBefore / 1048576.0:F1} MB, working set {workingSetBefore / 1048576.0:F1} MB)"));
        return 0;
    }

    /// <summary><c>netid_hw1.zip</c>: the model notebook with a saved PNG-typed output of random bytes (does not compress).</summary>
    private static byte[] SubmissionZip(string notebook, int megabytes, Random random)
    {
        var noise = new byte[megabytes * 1024 * 1024 * 3 / 4];
        random.NextBytes(noise);
        string output = "{\"output_type\": \"display_data\", \"metadata\": {}, \"data\": {\"image/png\": \"" + Convert.ToBase64String(noise) + "\"}}";
        int lastOutputs = notebook.LastIndexOf("\"outputs\": [", StringComparison.Ordinal);
        string withOutput = lastOutputs < 0 ? notebook : notebook.Insert(lastOutputs + "\"outputs\": [".Length, output);
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("hw1.ipynb", CompressionLevel.Fastest).Open(), Encoding.UTF8);
            writer.Write(withOutput);
        }

        return buffer.ToArray();
    }

    /// <summary>A response body that keeps nothing: counts what is written.</summary>
    private sealed class CountingSink : Stream
    {
        private long length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => length;

        public override long Position { get => length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => length += count;

        public override void Write(ReadOnlySpan<byte> buffer) => length += buffer.Length;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}

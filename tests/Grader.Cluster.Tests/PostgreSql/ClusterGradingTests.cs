using System.Globalization;
using System.IO.Compression;
using System.Text;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Cluster.Tests.PostgreSql;

/// <summary>
/// The deployment of issue 10 on one machine: the web app only queues (Grading:RunInWeb = false), two
/// <c>grader worker</c> processes grade, all three share one PostgreSQL database through clustered Quartz. 100 distinct
/// submissions are uploaded; one worker is killed (SIGKILL) while it grades one of them. Every submission still ends with
/// exactly one run, graded exactly once, the killed worker's run by the other worker. One real grading takes about
/// 3.5 s on an idle 2-core machine, so this test runs for several minutes (far longer on a busy one: the waits below
/// only guard against a hang).
/// </summary>
[Category("Slow")]
public sealed class ClusterGradingTests
{
    private const int Submissions = 100;
    private const int Students = 10;
    private const string StudentPassword = "Student-demo-1";
    private const string GradingSchedulerName = "grader-grading";

    /// <summary>Reports of the demo's five variants, shared with the web tests, so that seeding the demo costs little.</summary>
    private static readonly string SharedReportCache = Path.Combine(Path.GetTempPath(), "grader-web-tests-report-cache");

    [Test]
    public async Task TwoWorkersAndTheWebAppGradeAHundredSubmissionsExactlyOnceThoughOneWorkerIsKilled()
    {
        using var build = BuildCopy.Of(NodeProcess.WebBuildFolder);
        await using var database = await TestDatabase.CreateAsync();
        string dataFolder = Path.Combine(Path.GetTempPath(), $"grader-cluster-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataFolder);
        string runTag = Guid.NewGuid().ToString("N");
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = "PostgreSql",
            ["Database__ConnectionString"] = database.ConnectionString,
            ["Course__Root"] = NodeProcess.RepositoryRoot,
            ["Course__DataFolder"] = dataFolder,
            ["Course__ReportCacheFolder"] = SharedReportCache,
            ["Quartz__Clustered"] = "true",
            // Short check-ins, so a killed node is found dead within seconds rather than the production default's 20 s.
            ["Quartz__CheckinIntervalSeconds"] = "1",
            ["Quartz__CheckinMisfireThresholdSeconds"] = "3",
        };
        int port = NodeProcess.FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        var webSettings = new Dictionary<string, string>(settings)
        {
            ["Urls"] = baseAddress.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Grading__RunInWeb"] = "false",
        };

        await using var web = NodeProcess.Start("web", build.WebDll, [], webSettings);
        NodeProcess? killed = null;
        NodeProcess? survivor = null;
        var submissionIds = new List<long>();
        try
        {
            await WaitUntilListeningAsync(web, baseAddress);
            killed = NodeProcess.Start("worker A", build.GraderDll, ["worker", "--slots", "1"], settings);
            survivor = NodeProcess.Start("worker B", build.GraderDll, ["worker", "--slots", "1"], settings);

            var students = Enumerable.Range(1, Students).Select(i => string.Create(CultureInfo.InvariantCulture, $"dm{i:0000}")).ToList();
            foreach (string student in students)
            {
                using var client = await StudentClient.SignInAsync(baseAddress, student, StudentPassword);
                for (int upload = 0; upload < Submissions / Students; upload++)
                {
                    submissionIds.Add(await client.UploadAsync("hw1-mlp", $"{student}_hw1.zip", DistinctSubmission(student, upload, runTag)));
                }
            }

            string killedNode = await NodeIdOfAsync(database, killed, web);
            string survivorNode = await NodeIdOfAsync(database, survivor, web);

            // Kill worker A in the middle of a grading, once it has finished a few (so it is past its start, in its stride).
            var runningOnKilled = new List<long>();
            for (var deadline = DateTime.UtcNow.AddMinutes(20); DateTime.UtcNow < deadline && runningOnKilled.Count == 0; await Task.Delay(50))
            {
                var runs = await RunsAsync(database, submissionIds);
                if (runs.Count(r => r.Status == GradingRunStatus.Succeeded && r.WorkerId == killedNode) >= 3)
                {
                    runningOnKilled = runs.Where(r => r.Status == GradingRunStatus.Running && r.WorkerId == killedNode).Select(r => r.Id).ToList();
                }
            }

            Assert.That(runningOnKilled, Is.Not.Empty, $"worker A never got going:\n{killed.Log}\n{survivor.Log}");
            await killed.SignalAsync("KILL");
            Assert.That(await killed.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.True, "worker A survived SIGKILL");
            var atKill = await RunsAsync(database, submissionIds);
            long killedRun = atKill.Single(r => r.Status == GradingRunStatus.Running && r.WorkerId == killedNode).Id;
            TestContext.Out.WriteLine($"killed worker A grading run {killedRun}, with {atKill.Count(r => r.Status == GradingRunStatus.Succeeded)} of {Submissions} graded");

            List<GradingRun> final = [];
            for (var deadline = DateTime.UtcNow.AddMinutes(60); DateTime.UtcNow < deadline; await Task.Delay(1000))
            {
                final = await RunsAsync(database, submissionIds);
                if (final.All(r => r.Status is GradingRunStatus.Succeeded or GradingRunStatus.Failed))
                {
                    break;
                }
            }

            long hashes = await database.ScalarAsync(
                $"SELECT count(DISTINCT \"ContentHash\") FROM \"Submissions\" WHERE \"Id\" IN ({string.Join(",", submissionIds)})");
            long gradingTriggersLeft = await database.ScalarAsync($"SELECT count(*) FROM qrtz_triggers WHERE sched_name = '{GradingSchedulerName}'");
            var nodes = await NodeIdsAsync(database);
            string logs = $"web:\n{Tail(web.Log)}\nworker A:\n{Tail(killed.Log)}\nworker B:\n{Tail(survivor.Log)}";
            Assert.Multiple(() =>
            {
                Assert.That(hashes, Is.EqualTo(Submissions), "100 distinct contents: no report could be reused");
                Assert.That(final, Has.Count.EqualTo(Submissions), "one run per submission: none added, none lost");
                Assert.That(final.Select(r => r.SubmissionId), Is.EquivalentTo(submissionIds));
                Assert.That(final.Where(r => r.Status != GradingRunStatus.Succeeded).Select(r => $"run {r.Id}: {r.Status} {r.Error}"), Is.Empty, logs);
                Assert.That(final.Select(r => r.ReusedFromRunId), Has.All.Null, "each graded by the runner, not copied");
                Assert.That(final.Select(r => r.Total), Has.All.EqualTo(90m),
                    "the model solution: every auto item, the two manual items left to a TA; not so:\n" + string.Join("\n", final.Where(r => r.Total != 90m).Select(Explain)) + "\n" + logs);
                Assert.That(final.Select(r => r.Items.Count), Has.All.EqualTo(8), "each report's items stored once");
                Assert.That(final.Select(r => r.WorkerId).Distinct(), Is.EquivalentTo(new[] { killedNode, survivorNode }), "graded by the two workers, not the web app");
                Assert.That(final.Single(r => r.Id == killedRun).WorkerId, Is.EqualTo(survivorNode), "the killed worker's run was recovered by the other");
                Assert.That(gradingTriggersLeft, Is.Zero, "no grading job left behind in Quartz");
                Assert.That(nodes, Is.SupersetOf(new[] { killedNode, survivorNode }), "each worker registered its node");
            });

            // SIGTERM is a graceful stop: the surviving worker, idle now, exits cleanly.
            await survivor.SignalAsync("TERM");
            Assert.That(await survivor.WaitForExitAsync(TimeSpan.FromSeconds(60)), Is.True, $"worker B did not stop on SIGTERM:\n{Tail(survivor.Log)}");
            Assert.That(survivor.ExitCode, Is.Zero, Tail(survivor.Log));
        }
        finally
        {
            await (killed?.DisposeAsync() ?? ValueTask.CompletedTask);
            await (survivor?.DisposeAsync() ?? ValueTask.CompletedTask);
            await web.DisposeAsync();
            await ForgetReportsAsync(database, submissionIds);
            TryDelete(dataFolder);
        }
    }

    /// <summary>The HW1 model solution plus a note unique to this submission, so every zip has new bytes and nothing comes from a cache.</summary>
    private static byte[] DistinctSubmission(string netId, int upload, string runTag)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntryFromFile(Path.Combine(NodeProcess.RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb"), "hw1.ipynb");
            using var note = new StreamWriter(archive.CreateEntry("notes.txt").Open(), Encoding.UTF8);
            note.Write(string.Create(CultureInfo.InvariantCulture, $"cluster test {runTag}, {netId}, upload {upload}"));
        }

        return buffer.ToArray();
    }

    private static async Task WaitUntilListeningAsync(NodeProcess web, Uri baseAddress)
    {
        using var client = new HttpClient { BaseAddress = baseAddress };
        for (var deadline = DateTime.UtcNow.AddSeconds(180); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            Assert.That(web.HasExited, Is.False, () => $"the web app exited:\n{web.Log}");
            try
            {
                using var response = await client.GetAsync(new Uri("Account/Login", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: migrating and seeding the demo.
            }
        }

        Assert.Fail($"the web app did not answer within 180 s:\n{web.Log}");
    }

    /// <summary>A worker's node id: its <see cref="WorkerNode"/> row, whose id carries the process id.</summary>
    private static async Task<string> NodeIdOfAsync(TestDatabase database, NodeProcess worker, NodeProcess web)
    {
        string pid = string.Create(CultureInfo.InvariantCulture, $"-{worker.ProcessId}-");
        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            Assert.That(worker.HasExited, Is.False, () => $"{worker.Name} exited:\n{worker.Log}");
            if ((await NodeIdsAsync(database)).FirstOrDefault(id => id.Contains(pid, StringComparison.Ordinal)) is { } id)
            {
                return id;
            }
        }

        Assert.Fail($"{worker.Name} registered no node within 120 s:\n{worker.Log}\nweb:\n{Tail(web.Log)}");
        return "";
    }

    private static async Task<List<string>> NodeIdsAsync(TestDatabase database)
    {
        await using var db = database.Context();
        return await db.WorkerNodes.AsNoTracking().Select(n => n.Id).ToListAsync();
    }

    /// <summary>A run as a failure message needs it: where it was graded and what its report says of each item.</summary>
    private static string Explain(GradingRun run)
    {
        var report = run.ReportJson is null ? null : Grader.Core.Reports.GradingReport.FromJson(run.ReportJson);
        return $"run {run.Id} on {run.WorkerId}: {run.Outcome}: {report?.Summary ?? run.Error}; "
            + string.Join("; ", report?.Items.Where(i => i.Points < i.Max).Select(i => $"{i.Id} {i.Status}: {i.Reason}") ?? []);
    }

    private static async Task<List<GradingRun>> RunsAsync(TestDatabase database, IReadOnlyCollection<long> submissionIds)
    {
        await using var db = database.Context();
        return await db.GradingRuns.AsNoTracking().Include(r => r.Items).Where(r => submissionIds.Contains(r.SubmissionId)).ToListAsync();
    }

    /// <summary>These reports are unique to this run; the shared cache keeps only the demo's.</summary>
    private static async Task ForgetReportsAsync(TestDatabase database, IReadOnlyCollection<long> submissionIds)
    {
        if (submissionIds.Count == 0 || !Directory.Exists(Path.Combine(SharedReportCache, "hw1-mlp")))
        {
            return;
        }

        await using var db = database.Context();
        var hashes = await db.Submissions.Where(s => submissionIds.Contains(s.Id)).Select(s => s.ContentHash).ToListAsync();
        foreach (string hash in hashes)
        {
            foreach (string file in Directory.EnumerateFiles(Path.Combine(SharedReportCache, "hw1-mlp"), $"{hash}.*"))
            {
                File.Delete(file);
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A killed worker's child grader may still be finishing in it; the temp folder is cleaned by the system.
        }
    }

    private static string Tail(string log) => log.Length <= 6000 ? log : log[^6000..];
}

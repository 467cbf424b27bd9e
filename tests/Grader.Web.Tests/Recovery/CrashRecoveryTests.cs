using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using Grader.Data;
using Grader.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using WebClient = Grader.Web.Tests.Support.WebClient;

namespace Grader.Web.Tests.Recovery;

/// <summary>
/// The web process is killed (SIGKILL) in the middle of a batch of 50 real gradings (distinct submissions: the model
/// solution plus a note unique to the submission, so nothing comes from a cache) and started again on the same
/// database: every grading still completes, exactly once. The roster has 30 students, so 20 of them hand in twice.
/// </summary>
[Category("Slow")]
public sealed class CrashRecoveryTests
{
    private const int BatchSize = 50;

    // Two at a time, as on this 2-core machine: the batch then finishes in about half the time, and two gradings are
    // in flight when the process is killed.
    private static readonly Dictionary<string, string> TwoGradingsAtOnce = new() { ["Grading__Slots"] = "2" };

    // Generous: a grading takes a few seconds here; these only bound a run that never ends.
    private static readonly TimeSpan PerGradingAllowance = TimeSpan.FromSeconds(15);

    /// <summary>The model solution plus a note unique to this test run, so every zip has new bytes and nothing comes from a cache.</summary>
    private static byte[] DistinctSubmission(string label, string runTag)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntryFromFile(Path.Combine(RunningApp.RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb"), "hw1.ipynb");
            using var note = new StreamWriter(archive.CreateEntry("notes.txt").Open(), Encoding.UTF8);
            note.Write($"crash-recovery test {runTag}, {label}");
        }

        return buffer.ToArray();
    }

    private static async Task<List<GradingRun>> RunsAsync(RunningApp app, IReadOnlyCollection<long> submissionIds)
    {
        await using var db = app.Database();
        return await db.GradingRuns.AsNoTracking().Include(r => r.Items).Where(r => submissionIds.Contains(r.SubmissionId)).ToListAsync();
    }

    [Test]
    public async Task KillingTheAppMidBatchStillGradesEverySubmissionExactlyOnce()
    {
        var total = Stopwatch.StartNew();
        string runTag = Guid.NewGuid().ToString("N");
        var first = await RunningApp.StartAsync(settings: TwoGradingsAtOnce);
        string dataFolder = first.DataFolder;
        var submissionIds = new List<long>();
        var hashes = new List<string>();
        var clients = new Dictionary<string, WebClient>();
        TimeSpan uploaded, killedAfter;
        try
        {
            for (int i = 1; i <= BatchSize; i++)
            {
                string netId = string.Create(CultureInfo.InvariantCulture, $"dm{(i - 1) % 30 + 1:0000}");
                if (!clients.TryGetValue(netId, out var student))
                {
                    clients[netId] = student = await first.ClientAsync(netId);
                }

                using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
                    new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", $"{netId}_hw1.zip", DistinctSubmission($"{netId} #{i}", runTag));
                Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
                submissionIds.Add(long.Parse(response.Headers.Location!.ToString().Split('/')[^1], CultureInfo.InvariantCulture));
            }

            uploaded = total.Elapsed;
            TestContext.Progress.WriteLine($"{BatchSize} uploads in {uploaded.TotalSeconds:0.0} s");

            // Kill once a few are graded and most are not: mid-batch, most likely with one inside the runner.
            List<GradingRun> atKill = [];
            for (var deadline = DateTime.UtcNow + 10 * PerGradingAllowance; DateTime.UtcNow < deadline; await Task.Delay(100))
            {
                Assert.That(first.HasExited, Is.False, $"the app exited before the kill:\n{first.Log}");
                atKill = await RunsAsync(first, submissionIds);
                if (atKill.Count(r => r.Status == GradingRunStatus.Succeeded) >= 3)
                {
                    break;
                }
            }

            await first.KillAsync();
            killedAfter = total.Elapsed;
            atKill = await RunsAsync(first, submissionIds);
            int doneAtKill = atKill.Count(r => r.Status == GradingRunStatus.Succeeded);
            Assert.That(doneAtKill, Is.InRange(3, BatchSize - 1), $"the kill must land mid-batch:\n{first.Log}");
            TestContext.Out.WriteLine($"{BatchSize} uploads in {uploaded.TotalSeconds:0.0} s; killed at {killedAfter.TotalSeconds:0.0} s with {doneAtKill} of {BatchSize} graded, "
                + $"{atKill.Count(r => r.Status == GradingRunStatus.Running)} running");
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }

            await first.DisposeAsync();
        }

        var restarted = total.Elapsed;
        await using var second = await RunningApp.StartAsync(dataFolder, TwoGradingsAtOnce);
        TestContext.Progress.WriteLine($"restarted after {(total.Elapsed - restarted).TotalSeconds:0.0} s");
        List<GradingRun> runs = [];
        for (var deadline = DateTime.UtcNow + BatchSize * PerGradingAllowance; DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            runs = await RunsAsync(second, submissionIds);
            if (runs.All(r => r.Status is GradingRunStatus.Succeeded or GradingRunStatus.Failed))
            {
                break;
            }

            Assert.That(second.HasExited, Is.False, $"the restarted app exited:\n{second.Log}");
        }

        var graded = runs.Where(r => r.StartedAtUtc is not null && r.FinishedAtUtc is not null).Select(r => (r.FinishedAtUtc!.Value - r.StartedAtUtc!.Value).TotalSeconds).ToList();
        TestContext.Out.WriteLine($"restart to all graded: {(total.Elapsed - restarted).TotalSeconds:0.0} s; whole test {total.Elapsed.TotalSeconds:0.0} s; "
            + $"one grading (start to finish, last run of each): mean {(graded.Count == 0 ? 0 : graded.Average()):0.0} s, max {(graded.Count == 0 ? 0 : graded.Max()):0.0} s");

        await using (var db = second.Database())
        {
            hashes = await db.Submissions.Where(s => submissionIds.Contains(s.Id)).Select(s => s.ContentHash).ToListAsync();
        }

        try
        {
            Assert.Multiple(() =>
            {
                Assert.That(runs, Has.Count.EqualTo(BatchSize), "one run per submission: none added, none lost");
                Assert.That(runs.Select(r => r.SubmissionId), Is.EquivalentTo(submissionIds));
                Assert.That(runs.Where(r => r.Status != GradingRunStatus.Succeeded).Select(r => $"{r.Id}: {r.Status} {r.Error}"), Is.Empty, second.Log);
                Assert.That(runs.Select(r => r.Total), Has.All.EqualTo(90m), "the model solution: every auto item, the two manual items left to a TA");
                Assert.That(runs.Select(r => r.Items.Count), Has.All.EqualTo(8), "each report's items stored once");
                Assert.That(runs.Select(r => r.ReusedFromRunId), Has.All.Null, "each graded by the runner, not copied");
                Assert.That(hashes.Distinct().Count(), Is.EqualTo(BatchSize));
            });
        }
        finally
        {
            // These reports are unique to this run; keep the shared cache to the demo's.
            foreach (var hash in hashes)
            {
                foreach (var file in Directory.EnumerateFiles(Path.Combine(RunningApp.SharedReportCacheFolder, "hw1-mlp"), $"{hash}.*.json"))
                {
                    File.Delete(file);
                }
            }
        }
    }
}

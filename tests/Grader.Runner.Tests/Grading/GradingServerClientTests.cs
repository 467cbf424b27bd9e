using System.Diagnostics;
using Grader.Data.Grading;

namespace Grader.Runner.Tests.Grading;

/// <summary>
/// <see cref="GradingServerClient"/> against real <c>grader serve</c> processes of this build: reuse, bad input, a
/// server that dies, hangs past the timeout or is cancelled, recycling, and a course changed under a running server.
/// </summary>
[Category("Sandbox")]
[NonParallelizable]
public class GradingServerClientTests
{
    private GradingFixture _fixture = null!;

    [OneTimeSetUp]
    public void StartCourse() => _fixture = new GradingFixture(wallSeconds: 60);

    [OneTimeTearDown]
    public void RemoveCourse() => _fixture.Dispose();

    private static string Hw2Solution => Path.Combine(GradingFixture.RepositoryRoot, "assignments", "hw2-cnn", "solution");

    private GradingServerClient Client(RunnerOptions? options = null, int slots = 1)
    {
        options ??= new RunnerOptions();
        string graderDll = Path.Combine(AppContext.BaseDirectory, "grader.dll");
        string work = Path.Combine(_fixture.Root, "data", "grading-work");
        string store = Path.Combine(_fixture.Root, "data", "web-store");
        var oneOff = new RunnerProcessGradingClient(graderDll, _fixture.Root, work, TimeSpan.FromSeconds(options.TimeoutSeconds), store);
        return new GradingServerClient(oneOff, graderDll, _fixture.Root, work, store, options, slots);
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void AssertGraded(GradingClientResult result)
    {
        Assert.That(result.Error, Is.Null, result.Output);
        Assert.That(result.Report!.Total, Is.EqualTo(80m), result.Report.Summary);
    }

    [Test]
    public async Task OneServerGradesSubmissionAfterSubmission()
    {
        using var client = Client();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        int server = client.ServerProcessIds.Single();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        Assert.That(client.ServerProcessIds, Is.EqualTo(new[] { server }), "the second grading went to the same process");
        client.Dispose();
        Assert.That(() => IsRunning(server), Is.False.After(15_000, 100), "disposing the client ends its servers");
    }

    [Test]
    public async Task ServersStartedAheadTakeTheFirstSubmissions()
    {
        using var client = Client(slots: 2);
        client.StartAhead();
        var started = client.ServerProcessIds;
        Assert.That(started, Has.Count.EqualTo(2), "one per slot, before any submission");
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        Assert.That(client.ServerProcessIds, Is.EquivalentTo(started), "the grading went to one of them; none was added");
    }

    [Test]
    public async Task BadInputIsRefusedWithItsReasonAndTheServerGoesOn()
    {
        using var client = Client();
        var unknown = await client.GradeAsync("hw9-nothing", Hw2Solution, CancellationToken.None);
        var missing = await client.GradeAsync("hw2-cnn", Path.Combine(_fixture.Root, "no-such-submission.zip"), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(unknown.Error, Does.Contain("refused the input").And.Contain("no assignment 'hw9-nothing'"));
            Assert.That(missing.Error, Does.Contain("refused the input").And.Contain("no such submission"));
        });
        int server = client.ServerProcessIds.Single();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        Assert.That(client.ServerProcessIds, Is.EqualTo(new[] { server }));
    }

    [Test]
    public async Task AServerThatDiedIsReplacedByTheNextGrading()
    {
        using var client = Client();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        int first = client.ServerProcessIds.Single();
        using (var process = Process.GetProcessById(first))
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        Assert.That(client.ServerProcessIds.Single(), Is.Not.EqualTo(first));
    }

    [Test]
    public async Task AGradingPastTheTimeoutEndsWithAReasonAndTheServerIsKilled()
    {
        // One second covers neither the server's start nor the grading.
        using var client = Client(new RunnerOptions { TimeoutSeconds = 1 });
        var started = Task.Run(async () =>
        {
            while (client.ServerProcessIds.Count == 0)
            {
                await Task.Delay(10);
            }

            return client.ServerProcessIds.Single();
        });
        var result = await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None);
        int server = await started;
        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.False);
            Assert.That(result.Error, Does.Contain("did not finish within 1 s"));
            Assert.That(IsRunning(server), Is.False);
        });
    }

    [Test]
    public async Task CancellingKillsTheServerAndIsRethrown()
    {
        using var client = Client();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        int server = client.ServerProcessIds.Single();
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.That(async () => await client.GradeAsync("hw2-cnn", Hw2Solution, stopping.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(IsRunning(server), Is.False, "the server and its sandbox went with the cancelled grading");
    }

    [Test]
    public async Task AServerIsRetiredAfterItsGradingsAndAWarmReplacementTakesOver()
    {
        using var client = Client(new RunnerOptions { RecycleAfterGradings = 1 });
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        var afterFirst = client.ServerProcessIds;
        Assert.That(afterFirst, Has.Count.EqualTo(1), "the retired one is forgotten, its replacement started at once");
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        Assert.That(client.ServerProcessIds.Single(), Is.Not.EqualTo(afterFirst.Single()), "the replacement was itself retired after one grading");
    }

    [Test]
    public async Task AServerWhoseParentWasKilledStopsOnItsOwn()
    {
        // A shell starts the server and is SIGKILLed, as a worker may be. The server's input stays open (this test holds
        // the pipe), so no end of input tells it: it must notice that its parent is gone.
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec 3<&0; dotnet \"$0\" serve --course \"$1\" --store \"$2\" <&3 >/dev/null 2>&1 & echo $!; wait");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "grader.dll"));
        start.ArgumentList.Add(_fixture.Root);
        start.ArgumentList.Add(Path.Combine(_fixture.Root, "data", "web-store"));
        using var shell = Process.Start(start)!;
        int server = int.Parse((await shell.StandardOutput.ReadLineAsync())!, System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await Task.Delay(500);
            Assert.That(IsRunning(server), Is.True, "the server started");
            shell.Kill();
            await shell.WaitForExitAsync();
            Assert.That(() => IsRunning(server), Is.False.After(30_000, 200), "the orphaned server stopped");
        }
        finally
        {
            if (IsRunning(server))
            {
                Process.GetProcessById(server).Kill(entireProcessTree: true);
            }
        }
    }

    [Test]
    public async Task ARunningServerGradesWithTheCourseAsItIsNow()
    {
        using var client = Client();
        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
        string rubric = Path.Combine(_fixture.Root, "rubrics", "hw2-cnn.yaml");
        string original = await File.ReadAllTextAsync(rubric);
        try
        {
            await File.WriteAllTextAsync(rubric, "items: [this is not a rubric\n");
            var broken = await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None);
            Assert.That(broken.Error, Does.Contain("refused the input").And.Contain("is not valid").And.Contain("hw2-cnn.yaml"));
        }
        finally
        {
            await File.WriteAllTextAsync(rubric, original);
        }

        AssertGraded(await client.GradeAsync("hw2-cnn", Hw2Solution, CancellationToken.None));
    }
}

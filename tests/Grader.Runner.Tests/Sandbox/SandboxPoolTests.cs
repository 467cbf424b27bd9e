using System.Diagnostics;
using Grader.Contracts;
using Grader.Runner.Sandbox;
using static TorchSharp.torch;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>
/// Sandboxes started ahead of need: each submission still gets a fresh host with its own control groups, an unused
/// host is torn down cleanly, and no submission sees another's files.
/// </summary>
[Category("Sandbox")]
[NonParallelizable]
public class SandboxPoolTests
{
    private const string Usings = "using Grader.Contracts; using TorchSharp; using static TorchSharp.torch;\n";

    private string _scratch = null!;

    [SetUp]
    public void MakeScratch() => _scratch = Directory.CreateTempSubdirectory("grader-pool-test-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    private static string Convolution(string forwardBody) => Usings + $$"""
        public class StudentConvolution : IConvolution2d
        {
            public Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding)
            {
                {{forwardBody}}
            }
        }
        """;

    private string Compiled(string source)
    {
        string path = Path.Combine(_scratch, $"student-{Guid.NewGuid():N}.dll");
        File.WriteAllBytes(path, SandboxFixture.CompileIgnoringPolicy(source));
        return path;
    }

    private string Files(params (string Name, string Text)[] files)
    {
        string folder = Path.Combine(_scratch, $"files-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in files)
        {
            File.WriteAllText(Path.Combine(folder, name), text);
        }

        return folder;
    }

    private static float Call(SandboxSession session)
    {
        var student = new SandboxStudentCode(session).Create<IConvolution2d>();
        using var answer = student.Forward(ones(1, 1, 3, 3), ones(1, 1, 1, 1), zeros(1), 1, 0);
        return answer.sum().item<float>();
    }

    /// <summary>Polls until the pool has started its host ahead of need (it does so in the background).</summary>
    private static SandboxSession WaitForWarmHost(SandboxPool pool)
    {
        var clock = Stopwatch.StartNew();
        while (pool.WarmCount == 0)
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(30)), "the pool never started a host ahead of need");
            Thread.Sleep(20);
        }

        return pool.WarmHosts.Single();
    }

    private static void AssertGone(SandboxSession session)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(session.RunDirectory), Is.False, "the run folder is removed");
            Assert.That(session.ControlGroups.Where(Directory.Exists), Is.Empty, "the run's control groups are removed");
        });
    }

    [Test]
    public void AHostStartedAheadAndNeverUsedIsTornDownCleanly()
    {
        SandboxSession used;
        SandboxSession unused;
        using (var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 1))
        {
            used = pool.Start(Compiled(Convolution("return input;")), null, SandboxFixture.TestLimits);
            used.WaitUntilReady();
            unused = WaitForWarmHost(pool);
            Assert.Multiple(() =>
            {
                Assert.That(unused, Is.Not.SameAs(used));
                Assert.That(unused.IsAssigned, Is.False);
                Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(unused.RunDirectory, "bin")), Is.Empty, "a host started ahead has no student code");
            });
            Assert.That(Call(used), Is.EqualTo(9f));
            used.EndRun();
            pool.Retire(used);
        }

        Assert.Multiple(() =>
        {
            AssertGone(used);
            AssertGone(unused);
            // Shut down by request, not killed for a failure.
            Assert.That(unused.StoppedBecause, Is.Null);
        });
    }

    [Test]
    public void AHostThatDiedWhileItWaitedIsNotHandedOut()
    {
        using var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 1);
        var first = pool.Start(Compiled(Convolution("return input;")), null, SandboxFixture.TestLimits);
        first.WaitUntilReady();
        first.EndRun();
        pool.Retire(first);
        var waiting = WaitForWarmHost(pool);
        Assume.That(waiting.ControlGroups, Is.Not.Empty, "this host delegates no control groups to kill the host through");
        // Killed from outside while on standby (an operator, the OOM killer): nothing in the runner noticed.
        foreach (string pid in File.ReadAllLines(Path.Combine(waiting.ControlGroups[0], "cgroup.procs")))
        {
            Process.GetProcessById(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)).Kill();
        }

        Assert.That(() => waiting.ExitCode, Is.Not.Null.After(10_000, 50), "the killed host ended");
        var next = pool.Start(Compiled(Convolution("return input * 2;")), null, SandboxFixture.TestLimits);
        next.WaitUntilReady();
        Assert.Multiple(() =>
        {
            Assert.That(next, Is.Not.SameAs(waiting));
            Assert.That(Call(next), Is.EqualTo(18f), "the submission was graded in a live host, not told its code was killed");
        });
        next.EndRun();
        pool.Retire(next);
    }

    [Test]
    public void TwoSubmissionsInSequenceGetDistinctSandboxes()
    {
        using var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 1);
        var first = pool.Start(Compiled(Convolution("return input * 2;")), null, SandboxFixture.TestLimits);
        first.WaitUntilReady();
        float firstAnswer = Call(first);
        first.EndRun();
        pool.Retire(first);
        WaitForWarmHost(pool);

        var second = pool.Start(Compiled(Convolution("return input * 3;")), null, SandboxFixture.TestLimits);
        second.WaitUntilReady();
        Assert.Multiple(() =>
        {
            Assert.That(firstAnswer, Is.EqualTo(18f));
            Assert.That(Call(second), Is.EqualTo(27f), "the second submission's own code answers");
            Assert.That(second, Is.Not.SameAs(first));
            Assert.That(second.RunDirectory, Is.Not.EqualTo(first.RunDirectory));
            Assert.That(second.ControlGroups, Is.Not.Empty, "this host delegates cgroups; the test needs them to compare");
            Assert.That(second.ControlGroups.Intersect(first.ControlGroups), Is.Empty);
            Assert.That(second.ControlGroups.All(Directory.Exists), Is.True);
            Assert.That(() => second.Assign(Compiled(Convolution("return input;")), null), Throws.InvalidOperationException, "a sandbox serves one submission");
        });
        second.EndRun();
        pool.Retire(second);
        pool.Dispose();
        AssertGone(first);
        AssertGone(second);
    }

    [Test]
    public void AHostileSubmissionCannotSeeTheNextSubmissionsFiles()
    {
        string secret = $"SECRET-{Guid.NewGuid():N}";
        // Looks everywhere it can read (its own files, /tmp, the whole tree but the system folders) for the secret,
        // and lists what it saw in its log.
        string snoop = Convolution($$"""
            int found = 0;
            var pending = new System.Collections.Generic.Stack<string>(new[] { "/" });
            while (pending.Count > 0)
            {
                string folder = pending.Pop();
                if (folder is "/proc" or "/sys" or "/usr" or "/dev" or "/grader") continue;
                try
                {
                    foreach (var sub in System.IO.Directory.GetDirectories(folder))
                    {
                        // /lib, /bin are links into /usr: the system, not a place for submissions.
                        if (new System.IO.DirectoryInfo(sub).LinkTarget is null) pending.Push(sub);
                    }
                    foreach (var file in System.IO.Directory.GetFiles(folder))
                    {
                        System.Console.WriteLine(file);
                        try { if (System.IO.File.ReadAllText(file).Contains("{{secret}}")) found++; } catch (System.Exception) { }
                    }
                }
                catch (System.Exception) { }
            }
            return input * found;
            """);
        string readOwn = Convolution($$"""return input * (System.IO.File.ReadAllText("secret.txt").Contains("{{secret}}") ? 1 : 0);""");

        using var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 1);
        var hostile = pool.Start(Compiled(snoop), Files(("mine.txt", "the hostile student's own file")), SandboxFixture.TestLimits);
        hostile.WaitUntilReady();
        // The next submission's host was started while the hostile one runs; it now gets its files.
        WaitForWarmHost(pool);
        var next = pool.Start(Compiled(readOwn), Files(("secret.txt", secret)), SandboxFixture.TestLimits);
        next.WaitUntilReady();
        Assert.That(File.ReadAllText(Path.Combine(next.RunDirectory, "files", "secret.txt")), Does.Contain(secret), "the next submission's files are in place");

        float hostileFound = Call(hostile);
        float nextFound = Call(next);
        hostile.EndRun();
        Assert.Multiple(() =>
        {
            Assert.That(hostile.Log, Does.Contain("mine.txt"), "the search ran and saw the hostile student's own files");
            Assert.That(hostileFound, Is.Zero, "the hostile submission found the next submission's secret");
            Assert.That(nextFound, Is.EqualTo(9f), "the next submission reads its own file where the hostile one could not");
        });
        pool.Retire(hostile);
        pool.Retire(next);
    }

    [Test]
    public void ASandboxHandedOutButNeverRetiredIsTornDownWithThePool()
    {
        SandboxSession forgotten;
        using (var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 0))
        {
            forgotten = pool.Start(Compiled(Convolution("return input;")), null, SandboxFixture.TestLimits);
            forgotten.WaitUntilReady();
        }

        AssertGone(forgotten);
    }

    [Test]
    public void LinksAmongASubmissionsFilesAreNeitherCopiedNorFollowed()
    {
        string files = Files(("data.csv", "1,2,3"));
        Directory.CreateDirectory(Path.Combine(files, "nested"));
        File.WriteAllText(Path.Combine(files, "nested", "more.csv"), "4,5,6");
        File.CreateSymbolicLink(Path.Combine(files, "passwd"), "/etc/passwd");
        Directory.CreateSymbolicLink(Path.Combine(files, "etc"), "/etc");
        using var session = new SandboxLauncher().Start(Compiled(Convolution("return input;")), files, SandboxFixture.TestLimits);
        string copied = Path.Combine(session.RunDirectory, "files");
        Assert.That(Directory.EnumerateFileSystemEntries(copied, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(copied, p)).Order(),
            Is.EqualTo(new[] { "data.csv", "nested", Path.Combine("nested", "more.csv") }));
    }

    [Test]
    public void ASandboxWithAGrantedGpuIsNeverStartedAhead()
    {
        using var pool = new SandboxPool(new SandboxLauncher(), warmPerLimits: 1);
        // No GPU device exists here; the limits only say one was granted, which is what the pool decides on.
        var session = pool.Start(Compiled(Convolution("return input;")), null, SandboxFixture.TestLimits with { GrantedGpu = 0 });
        session.EndRun();
        pool.Retire(session);
        Assert.That(pool.WarmCount, Is.Zero);
    }

    [Test]
    public void BackgroundTeardownWaitsForEveryJobAndRunsInlineWhenFull()
    {
        var teardown = new BackgroundTeardown();
        using var release = new ManualResetEventSlim();
        int finished = 0;
        for (int i = 0; i < BackgroundTeardown.MaxPending; i++)
        {
            teardown.Run(() =>
            {
                release.Wait();
                Interlocked.Increment(ref finished);
            });
        }

        int caller = Environment.CurrentManagedThreadId;
        int ranOn = -1;
        teardown.Run(() => ranOn = Environment.CurrentManagedThreadId);
        Assert.That(ranOn, Is.EqualTo(caller), "with the queue full, the caller does the job itself");
        release.Set();
        teardown.WaitForAll();
        Assert.Multiple(() =>
        {
            Assert.That(finished, Is.EqualTo(BackgroundTeardown.MaxPending));
            Assert.That(teardown.Pending, Is.Zero);
        });
    }
}

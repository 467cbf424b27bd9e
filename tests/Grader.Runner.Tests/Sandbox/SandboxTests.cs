using Grader.Contracts;
using Grader.Runner.Sandbox;
using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>Real bubblewrap sandboxes running real (hostile) code: each run must end contained and explained.</summary>
[Category("Sandbox")]
public class SandboxTests
{
    private const string Usings = "using Grader.Contracts; using TorchSharp; using static TorchSharp.torch;\n";

    private static string Convolution(string forwardBody, string extraMembers = "") => Usings + $$"""
        public class StudentConvolution : IConvolution2d
        {
            {{extraMembers}}
            public Tensor Forward(Tensor input, Tensor weight, Tensor bias, int stride, int padding)
            {
                {{forwardBody}}
            }
        }
        """;

    private static Tensor Ones() => ones(1, 1, 3, 3);

    private static Tensor Call(SandboxSession session, Tensor input)
    {
        var student = new SandboxStudentCode(session).Create<IConvolution2d>();
        return student.Forward(input, ones(1, 1, 1, 1), zeros(1), 1, 0);
    }

    [Test]
    public void AWellBehavedSubmissionAnswersWithTensors()
    {
        using var session = SandboxFixture.Start(Convolution("System.Console.WriteLine(\"hello from the student\"); return input * 2 + bias.sum();"));
        var answer = Call(session, Ones());
        Assert.Multiple(() =>
        {
            Assert.That(answer.shape, Is.EqualTo(new long[] { 1, 1, 3, 3 }));
            Assert.That(answer.data<float>().ToArray(), Is.All.EqualTo(2f));
            Assert.That(session.StoppedBecause, Is.Null);
        });
        session.Dispose();
        Assert.That(session.Log, Does.Contain("hello from the student"));
    }

    [Test]
    public void AnExceptionInStudentCodeIsReportedAndTheSessionGoesOn()
    {
        using var session = SandboxFixture.Start(Convolution("if (stride == 1) throw new System.InvalidOperationException(\"shapes disagree\"); return input;"));
        var student = new SandboxStudentCode(session).Create<IConvolution2d>();
        var failure = Assert.Throws<StudentCodeException>(() => student.Forward(Ones(), Ones(), zeros(1), 1, 0));
        Assert.That(failure!.Message, Does.Contain("InvalidOperationException").And.Contain("shapes disagree"));
        Assert.That(student.Forward(Ones(), Ones(), zeros(1), 2, 0).shape, Is.EqualTo(new long[] { 1, 1, 3, 3 }));
    }

    [Test]
    public void TheCpuBudgetStartsWhenTheSubmissionIsLoadedNotWhenTheHostStarts()
    {
        // The host spends a second or two of CPU starting; a submission with a 3 s budget may still spend 2.8 s of it.
        var limits = SandboxFixture.TestLimits with { CpuSeconds = 3 };
        const string spin = "var clock = System.Diagnostics.Stopwatch.StartNew(); while (clock.Elapsed.TotalSeconds < 2.8) { } return input;";
        using (var withinBudget = SandboxFixture.Start(Convolution(spin), limits))
        {
            Assert.That(Call(withinBudget, Ones()).sum().item<float>(), Is.EqualTo(9f), "2.8 s of its own within a 3 s budget");
            Assert.That(withinBudget.CpuTime, Is.Null.Or.LessThan(TimeSpan.FromSeconds(3.5)), "the run's CPU time counts from the submission's load");
        }

        using var beyondBudget = SandboxFixture.Start(Convolution("while (true) { } "), limits with { CallSeconds = 30 });
        var stopped = Assert.Throws<SandboxStoppedException>(() => Call(beyondBudget, Ones()));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.CpuTimeLimit), stopped.Message);
        Assert.That(stopped.Message, Does.Contain("3 s of CPU time"));
    }

    [Test]
    public void AnEndlessLoopIsStoppedAtTheCallTimeLimit()
    {
        using var session = SandboxFixture.Start(Convolution("while (true) { } "));
        var stopped = Assert.Throws<SandboxStoppedException>(() => Call(session, Ones()));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.CallTimeLimit));
        Assert.That(stopped.Message, Does.Contain("did not answer within 8 s"));
        // Later calls fail at once with the same explanation.
        var again = Assert.Throws<SandboxStoppedException>(() => Call(session, Ones()));
        Assert.That(again!.Stop.Reason, Is.EqualTo(SandboxStopReason.CallTimeLimit));
    }

    [Test]
    public void EnvironmentExitBeforeAnsweringIsAnEarlyExit()
    {
        using var session = SandboxFixture.Start(Convolution("System.Environment.Exit(0); return input;"));
        var stopped = Assert.Throws<SandboxStoppedException>(() => Call(session, Ones()));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.ExitedEarly));
        Assert.That(stopped.Message, Does.Contain("exit code 0"));
    }

    [Test]
    public void AMemoryBombRunsOutOfItsLimit()
    {
        using var session = SandboxFixture.Start(Convolution(
            "var hoard = new System.Collections.Generic.List<Tensor>(); while (true) { hoard.Add(torch.ones(64, 1024, 1024)); }"));
        var outcome = Assert.Catch(() => Call(session, Ones()));
        // Either libtorch's allocation fails inside the student's code (an exception it reports) or the kernel kills
        // the sandbox at the cgroup limit; both are contained and explained.
        Assert.That(outcome!.Message, Does.Contain("memory").IgnoreCase.Or.Contain("alloc").IgnoreCase);
    }

    [Test]
    public void AForkBombIsBoundedAndTheRunnerCarriesOn()
    {
        // A process-spawning loop: with no `sh` inside the sandbox it fails, and threads hit the process limit.
        using var session = SandboxFixture.Start(Convolution("""
            var threads = new System.Collections.Generic.List<System.Threading.Thread>();
            try
            {
                while (true) { var t = new System.Threading.Thread(() => System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite)); t.Start(); threads.Add(t); }
            }
            catch (System.Exception e) { return torch.tensor(new float[] { threads.Count }); }
            """));
        var answer = Call(session, Ones());
        Assert.That(answer.item<float>(), Is.LessThan(SandboxFixture.TestLimits.MaxProcesses));
    }

    [Test]
    public void FloodingOutputIsCappedAndStopped()
    {
        using var session = SandboxFixture.Start(Convolution("while (true) System.Console.WriteLine(new string('x', 1000));"));
        var stopped = Assert.Throws<SandboxStoppedException>(() => Call(session, Ones()));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.OutputFlood));
        session.Dispose();
        Assert.That(session.Log.Length, Is.LessThan(10_000));
        Assert.That(session.LogTruncated, Is.True);
    }

    [Test]
    public void TheSandboxSeesNoHostFilesNoNetworkAndCannotWriteOutsideTmp()
    {
        using var session = SandboxFixture.Start(Convolution("""
            var findings = new System.Collections.Generic.List<float>();
            findings.Add(System.IO.File.Exists("/etc/passwd") ? 1 : 0);
            findings.Add(System.IO.Directory.Exists("/root") || System.IO.Directory.Exists("/work") ? 1 : 0);
            findings.Add(System.IO.File.Exists("/grader/Grader.Reference.dll") ? 1 : 0);
            try { System.IO.File.WriteAllText("/submission/bin/forged.json", "{}"); findings.Add(1); } catch { findings.Add(0); }
            try { using var c = new System.Net.Sockets.TcpClient(); c.Connect("1.1.1.1", 53); findings.Add(1); } catch { findings.Add(0); }
            try { System.IO.File.WriteAllBytes("/tmp/filler", new byte[64 * 1024 * 1024]); findings.Add(1); } catch { findings.Add(0); }
            return torch.tensor(findings.ToArray());
            """));
        var findings = Call(session, Ones()).data<float>().ToArray();
        Assert.That(findings, Is.EqualTo(new float[] { 0, 0, 0, 0, 0, 0 }),
            "[/etc/passwd visible, host home visible, reference checks visible, wrote into submission, reached network, filled disk beyond tmp cap]");
    }

    [Test]
    public void OnlyTmpAndDevShmAreWritableAndBothAreCappedInEitherMode([Values] bool rlimitsOnly)
    {
        // Issue 16: without a memory cgroup the writable tmpfs mounts (/, /dev, /dev/shm) were bounded by nothing.
        // Many files each under RLIMIT_FSIZE, so only the mount's own size can stop them.
        using var session = SandboxFixture.Start(Convolution("""
            var findings = new System.Collections.Generic.List<float>();
            findings.Add(Writes("/forged") ? 1 : 0);
            findings.Add(Writes("/dev/forged") ? 1 : 0);
            findings.Add(Writes("/submission/forged") ? 1 : 0);
            findings.Add(Fill("/tmp"));
            findings.Add(Fill("/dev/shm"));
            return torch.tensor(findings.ToArray());
            """, """
            private static bool Writes(string path) { try { System.IO.File.WriteAllText(path, "x"); return true; } catch (System.Exception) { return false; } }
            private static float Fill(string folder)
            {
                var chunk = new byte[1 << 20];
                int files = 0;
                try { for (; files < 64; files++) System.IO.File.WriteAllBytes($"{folder}/fill{files}", chunk); } catch (System.IO.IOException) { }
                return files;
            }
            """), rlimitsOnly: rlimitsOnly);
        Assert.That(session.ResourceControlDescription, rlimitsOnly ? Is.EqualTo("rlimits only") : Is.Not.Empty);
        var findings = Call(session, Ones()).data<float>().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(findings[..3], Is.EqualTo(new float[] { 0, 0, 0 }), "[wrote /, wrote /dev, wrote /submission]");
            Assert.That(findings[3], Is.InRange(1, SandboxFixture.TestLimits.TmpMegabytes), "1 MB files written to /tmp");
            Assert.That(findings[4], Is.InRange(1, SandboxFixture.TestLimits.SharedMemoryMegabytes), "1 MB files written to /dev/shm");
        });
    }

    /// <summary>Why a test of the sandbox's private mounts cannot run on this host (the launcher then falls back to bubblewrap's own tmpfs).</summary>
    private const string NoPrivateMounts = "this host cannot make the sandbox's private mounts (util-linux unshare, tmpfs and overlay mounted in a user namespace: Linux 5.11+): "
        + "bubblewrap 0.8 cannot cap a tmpfs's files (nr_inodes) nor rename a bind's source, so here /tmp and /dev/shm are capped in size only and mountinfo names the sandbox host's folder";

    [Test]
    public void TmpAndDevShmAreCappedInFilesInEitherMode([Values] bool rlimitsOnly)
    {
        // Issue 16: empty files cost no bytes of the size cap but a kernel inode each, outside RLIMIT_AS.
        if (!SandboxLauncher.SupportsPrivateMounts.Value)
        {
            Assert.Ignore(NoPrivateMounts);
        }

        using var session = SandboxFixture.Start(Convolution("""
            return torch.tensor(new float[] { Create("/tmp"), Create("/dev/shm") });
            """, """
            private static float Create(string folder)
            {
                int files = 0;
                try { for (; files < 100000; files++) System.IO.File.Create($"{folder}/empty{files}").Dispose(); } catch (System.IO.IOException) { }
                return files;
            }
            """), rlimitsOnly: rlimitsOnly);
        var created = Call(session, Ones()).data<float>().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(created[0], Is.InRange(1, SandboxFixture.TestLimits.TmpFiles), "empty files created in /tmp");
            Assert.That(created[1], Is.InRange(1, SandboxFixture.TestLimits.SharedMemoryFiles), "empty files created in /dev/shm");
        });
    }

    [Test]
    public void MountinfoNamesNoHostFolderForTmpDevShmOrTheSandboxHost()
    {
        if (!SandboxLauncher.SupportsPrivateMounts.Value)
        {
            Assert.Ignore(NoPrivateMounts);
        }

        string hostFolder = Path.Combine(AppContext.BaseDirectory, "sandbox");
        Assert.That(Directory.Exists(hostFolder), "the sandbox host the launcher binds");
        using var session = SandboxFixture.Start(Convolution($$"""
            var lines = System.IO.File.ReadAllLines("/proc/self/mountinfo");
            var findings = new System.Collections.Generic.List<float>();
            foreach (var mountPoint in new[] { "/tmp", "/dev/shm", "/grader" })
            {
                // Fields: id, parent, device, root (the folder of its file system the mount shows), mount point, ...
                var line = System.Linq.Enumerable.Single(lines, l => l.Split(' ')[4] == mountPoint);
                findings.Add(line.Split(' ')[3] == "/" ? 0 : 1);
            }
            findings.Add(System.Linq.Enumerable.Any(lines, l => l.Contains(@"{{hostFolder}}")) ? 1 : 0);
            return torch.tensor(findings.ToArray());
            """));
        Assert.That(Call(session, Ones()).data<float>().ToArray(), Is.EqualTo(new float[] { 0, 0, 0, 0 }),
            "[/tmp, /dev/shm, /grader show a host folder as their root; the sandbox host's host folder named anywhere in mountinfo]");
    }

    [Test]
    public void ASandboxOutlivesTheThreadThatStartedIt()
    {
        // bwrap's --die-with-parent fires when the forking thread ends: the pool starts hosts from thread-pool threads,
        // which retire when idle, and HW3's sandboxes were killed (SIGKILL) mid-run about 20 s after their start.
        SandboxSession? session = null;
        var starter = new Thread(() => session = SandboxFixture.Start(Convolution("return input;")));
        starter.Start();
        starter.Join();
        using (session)
        {
            Thread.Sleep(500);
            Assert.That(Call(session!, Ones()).shape, Is.EqualTo(new long[] { 1, 1, 3, 3 }), "the sandbox still answers after its starting thread ended");
        }
    }

    [Test]
    public void NoNestedUserNamespaceOrSecondBubblewrap()
    {
        // Forked programs (single-threaded, unlike .NET, which unshare(CLONE_NEWUSER) refuses anyway); /bin/true shows
        // that starting them works, so a refusal is the sandbox's.
        using var session = SandboxFixture.Start(Convolution("""
            return torch.tensor(new float[]
            {
                Run("/usr/bin/true", ""),
                Run("/usr/bin/unshare", "--user --map-root-user true"),
                Run("/usr/bin/unshare", "--user --mount true"),
                Run("/usr/bin/bwrap", "--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 /usr/bin/true"),
            });
            """, """
            private static float Run(string program, string arguments)
            {
                var start = new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
                using var process = System.Diagnostics.Process.Start(start)!;
                process.WaitForExit();
                return process.ExitCode;
            }
            """));
        var exitCodes = Call(session, Ones()).data<float>().ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(exitCodes[0], Is.EqualTo(0), "a program can be started at all");
            Assert.That(exitCodes[1..], Has.None.EqualTo(0), "[unshare --user, unshare --user --mount, nested bwrap] exit codes");
        });
    }

    [Test]
    public void StudentCodeCannotConnectToTheRunnersSocketOrSeeItInProcNet()
    {
        using var session = SandboxFixture.Start(Convolution("""
            var findings = new System.Collections.Generic.List<float>();
            try
            {
                using var second = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                second.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint("/ipc/runner.sock"));
                findings.Add(1);
            }
            catch (System.Net.Sockets.SocketException) { findings.Add(0); }
            findings.Add(System.IO.Directory.GetFileSystemEntries("/ipc").Length);
            string unix = System.IO.File.ReadAllText("/proc/net/unix");
            // A path of a socket in the sandbox's network namespace names no host folder: the runner's end shows the
            // folder descriptor it was bound through (/proc/self/fd/N/runner.sock), nothing else has one.
            findings.Add(System.Linq.Enumerable.Count(System.Linq.Enumerable.Skip(unix.Split('\n'), 1), l => l.Contains('/') && !System.Text.RegularExpressions.Regex.IsMatch(l, @" /proc/self/fd/\d+/runner\.sock$")));
            // Interfaces besides loopback in the sandbox's network namespace.
            findings.Add(System.Linq.Enumerable.Count(System.Linq.Enumerable.Skip(System.IO.File.ReadAllLines("/proc/net/dev"), 2), l => !l.Trim().StartsWith("lo:")));
            return torch.tensor(findings.ToArray());
            """));
        var findings = Call(session, Ones()).data<float>().ToArray();
        Assert.That(findings, Is.EqualTo(new float[] { 0, 0, 0, 0 }),
            "[second client connected, /ipc not empty, sockets in /proc/net/unix with a path naming a folder, network interfaces besides lo]");
        // The host's own connection still serves the run.
        Assert.That(Call(session, Ones()).shape, Is.EqualTo(new long[] { 4 }));
    }

    [Test]
    public void AStackOverflowCrashIsExplained()
    {
        using var session = SandboxFixture.Start(Convolution("return Recurse(input, 0);",
            "private static Tensor Recurse(Tensor t, int depth) => depth < 0 ? t : Recurse(t, depth + 1);"));
        var stopped = Assert.Throws<SandboxStoppedException>(() => Call(session, Ones()));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.ExitedEarly));
        Assert.That(stopped.Message, Does.Contain("crashed").Or.Contain("signal"));
    }

    [Test]
    public void AnAnswerOfTheWrongTypeIsRefused()
    {
        // The contract promises a tensor; a null is an answer the checks can score, but it is flagged for what it is.
        using var session = SandboxFixture.Start(Convolution("return null!;"));
        Assert.That(Call(session, Ones()), Is.Null);
    }
}

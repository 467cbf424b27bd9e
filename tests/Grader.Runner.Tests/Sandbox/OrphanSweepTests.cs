using System.Diagnostics;
using Grader.Runner.Sandbox;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>What a runner killed before its teardown leaves behind is swept by the next one, and only that.</summary>
[Category("Sandbox")]
[NonParallelizable]
public class OrphanSweepTests
{
    // A pid no live process has here (above the kernel's pid_max default); the sweep is told its runner is dead.
    private const int DeadRunner = 99_999_999;

    [Test]
    public void TheGroupsAndFoldersOfADeadRunnerAreRemovedWithTheProcessesInThem()
    {
        string temp = Directory.CreateTempSubdirectory("sweep-test-").FullName;
        using var control = ResourceControl.Create($"grader-{DeadRunner}-{Guid.NewGuid():N}", new SandboxLimits());
        Assume.That(control.Groups, Is.Not.Empty, "this host delegates no control groups to the runner");
        using var straggler = Process.Start("sleep", "60");
        try
        {
            foreach (string procs in control.ProcsFiles)
            {
                File.WriteAllText(procs, straggler.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            string deadRun = Directory.CreateDirectory(Path.Combine(temp, $"grader-run-{DeadRunner}-abcd1234", "files")).Parent!.FullName;
            File.WriteAllText(Path.Combine(deadRun, "files", "submission.cs"), "class A { }");
            File.SetAttributes(Path.Combine(deadRun, "files", "submission.cs"), FileAttributes.ReadOnly);
            // The sandbox's socket stays in a run folder whose runner was killed.
            using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
            {
                socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Path.Combine(deadRun, "runner.sock")));
            }

            new DirectoryInfo(Path.Combine(deadRun, "files")).UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserExecute;
            string deadWork = Directory.CreateDirectory(Path.Combine(temp, $"grader-work-{DeadRunner}")).FullName;
            string liveRun = Directory.CreateDirectory(Path.Combine(temp, $"grader-run-{Environment.ProcessId}-abcd1234")).FullName;
            string notOurs = Directory.CreateDirectory(Path.Combine(temp, "grader-run-feedback-1234")).FullName;

            var removed = OrphanSweep.Sweep(temp, pid => pid != DeadRunner);

            Assert.Multiple(() =>
            {
                Assert.That(removed, Is.SupersetOf(control.Groups.Append(deadRun).Append(deadWork)));
                Assert.That(control.Groups.Where(Directory.Exists), Is.Empty, "the dead runner's groups are removed");
                Assert.That(straggler.WaitForExit(10_000), Is.True, "the process left in them is killed");
                Assert.That(Directory.Exists(deadRun) || Directory.Exists(deadWork), Is.False, "its run and work folders are removed, read-only files included");
                Assert.That(Directory.Exists(liveRun), Is.True, "a live runner's folder stays");
                Assert.That(Directory.Exists(notOurs), Is.True, "a folder not named by a runner stays");
            });
        }
        finally
        {
            if (!straggler.HasExited)
            {
                straggler.Kill();
            }

            Directory.Delete(temp, recursive: true);
        }
    }

    [TestCase("grader-1234-0123456789abcdef0123456789abcdef", 1234)]
    [TestCase("grader-probe-1234", null)]
    [TestCase("grader-1234-short", null)]
    [TestCase("other-1234-0123456789abcdef0123456789abcdef", null)]
    public void RunNamesCarryTheRunnersPid(string name, int? pid) => Assert.That(ResourceControl.RunnerPidOf(name), Is.EqualTo(pid));

    [TestCase("grader-run-1234-x7k2p9qa", 1234)]
    [TestCase("grader-work-1234", 1234)]
    [TestCase("grader-run-feedback-1234", null)]
    [TestCase("grader-bench-x7k2p9qa", null)]
    [TestCase("grader-work-1234-extra", null)]
    public void FolderNamesCarryTheRunnersPid(string name, int? pid) => Assert.That(OrphanSweep.RunnerPidOfFolder(name), Is.EqualTo(pid));
}

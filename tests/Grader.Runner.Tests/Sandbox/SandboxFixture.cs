using Grader.Runner.Compilation;
using Grader.Runner.Sandbox;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>Compiles a snippet of "student" code and starts it in a real bubblewrap sandbox.</summary>
internal static class SandboxFixture
{
    /// <summary>Short limits so hostile tests end quickly.</summary>
    public static readonly SandboxLimits TestLimits = new()
    {
        CpuSeconds = 20,
        WallSeconds = 40,
        CallSeconds = 8,
        MemoryMegabytes = 1024,
        MaxProcesses = 128,
        TmpMegabytes = 8,
        SharedMemoryMegabytes = 4,
        TmpFiles = 512,
        SharedMemoryFiles = 64,
        OutputBytesKept = 4096,
        OutputBytesStop = 1024 * 1024,
    };

    /// <summary>Compiles without applying the static policy's rejections: these tests prove the sandbox is the wall.</summary>
    public static byte[] CompileIgnoringPolicy(string source)
    {
        var compiler = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()));
        var outcome = compiler.Compile([new CodeUnit("Student.cs", source, IsScript: false)]);
        Assert.That(outcome.Assembly, Is.Not.Null, () => string.Join("\n", outcome.Messages));
        return outcome.Assembly!;
    }

    /// <param name="rlimitsOnly">Limit by rlimits alone, as in a container without a writable cgroup.</param>
    public static SandboxSession Start(string source, SandboxLimits? limits = null, string? submissionFiles = null, bool rlimitsOnly = false)
    {
        string assemblyPath = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"student-{Guid.NewGuid():N}.dll");
        File.WriteAllBytes(assemblyPath, CompileIgnoringPolicy(source));
        var session = new SandboxLauncher { RlimitsOnly = rlimitsOnly }.Start(assemblyPath, submissionFiles, limits ?? TestLimits);
        File.Delete(assemblyPath);
        session.WaitUntilReady();
        return session;
    }
}

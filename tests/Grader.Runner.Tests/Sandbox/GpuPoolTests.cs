using Grader.Runner.Sandbox;

namespace Grader.Runner.Tests.Sandbox;

public class GpuPoolTests
{
    [Test]
    public void EachGpuServesOneSandboxAtATimeAndTheRestRunOnTheCpu()
    {
        string devices = Directory.CreateTempSubdirectory("fake-dev-").FullName;
        foreach (var name in new[] { "nvidia1", "nvidia0", "nvidiactl", "nvidia-uvm", "null" })
        {
            File.WriteAllText(Path.Combine(devices, name), "");
        }

        var pool = new GpuPool(devices);
        Assert.That(pool.Gpus, Is.EqualTo(new[] { 0, 1 }), "control nodes are not GPUs");
        using var first = pool.TryAcquire();
        var second = pool.TryAcquire();
        Assert.That(new[] { first?.Index, second?.Index }, Is.EqualTo(new int?[] { 0, 1 }));
        Assert.That(pool.TryAcquire(), Is.Null, "both taken: run on the CPU");
        second!.Dispose();
        second.Dispose();
        Assert.That(pool.TryAcquire()?.Index, Is.EqualTo(1), "released once, even when disposed twice");
        Directory.Delete(devices, recursive: true);
    }

    [Test]
    public void AHostWithoutGpusGrantsNone()
        => Assert.That(new GpuPool(Path.Combine(Path.GetTempPath(), "no-such-dev")).TryAcquire(), Is.Null);
}

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

        var pool = new GpuPool(devices, visibleDevices: null);
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

    [TestCase("1", new[] { 1 })]
    [TestCase("0, 1", new[] { 0, 1 })]
    [TestCase("3,1", new[] { 1 })]
    [TestCase("", new int[0])]
    [TestCase("-1", new int[0])]
    [TestCase("GPU-8f6c1d1e", new int[0])]
    public void OnlyTheGpusCudaVisibleDevicesNamesAreGranted(string visibleDevices, int[] expected)
    {
        string devices = Directory.CreateTempSubdirectory("fake-dev-").FullName;
        foreach (var name in new[] { "nvidia0", "nvidia1", "nvidia2", "nvidiactl" })
        {
            File.WriteAllText(Path.Combine(devices, name), "");
        }

        Assert.That(new GpuPool(devices, visibleDevices).Gpus, Is.EqualTo(expected));
        Directory.Delete(devices, recursive: true);
    }

    [Test]
    public void AHostWithoutGpusGrantsNone()
        => Assert.That(new GpuPool(Path.Combine(Path.GetTempPath(), "no-such-dev")).TryAcquire(), Is.Null);
}

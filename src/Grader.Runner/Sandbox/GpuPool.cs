using System.Globalization;
using System.Text.RegularExpressions;

namespace Grader.Runner.Sandbox;

/// <summary>
/// The GPUs of this host (<c>/dev/nvidiaN</c>) and who holds each: a sandbox is granted at most one GPU and a GPU
/// serves one sandbox at a time, so one submission's memory use cannot starve another's. When every GPU is taken (or
/// there is none), the submission runs on the CPU instead of waiting.
/// </summary>
public sealed partial class GpuPool
{
    private readonly SemaphoreSlim[] _gpus;
    private readonly int[] _indices;

    /// <summary>The GPUs of this host that this process may use: all of them, or those <c>CUDA_VISIBLE_DEVICES</c> names.</summary>
    public GpuPool(string deviceFolder = "/dev")
        : this(deviceFolder, Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES"))
    {
    }

    /// <param name="deviceFolder">Where the <c>nvidiaN</c> device nodes are.</param>
    /// <param name="visibleDevices">
    /// <c>CUDA_VISIBLE_DEVICES</c> as this process received it: a grading worker sets it for each run to the one GPU it
    /// granted (<c>grader worker --gpus</c>), and the run must keep to it; empty (or <c>-1</c>) grants none; null
    /// (unset) grants every GPU of the host. Indices only: a GPU UUID matches no device node and is not granted.
    /// </param>
    public GpuPool(string deviceFolder, string? visibleDevices)
    {
        var present = Directory.Exists(deviceFolder)
            ? Directory.EnumerateFiles(deviceFolder, "nvidia*")
                .Select(path => GpuDevice().Match(Path.GetFileName(path)))
                .Where(match => match.Success)
                .Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
            : [];
        if (visibleDevices is not null)
        {
            var granted = visibleDevices.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(entry => int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out int index) ? index : -1)
                .ToHashSet();
            present = present.Where(granted.Contains);
        }

        _indices = [.. present.Order()];
        _gpus = [.. _indices.Select(_ => new SemaphoreSlim(1, 1))];
    }

    /// <summary>The GPU indices found on this host.</summary>
    public IReadOnlyList<int> Gpus => _indices;

    /// <summary>A free GPU for one sandbox, or null to run on the CPU; dispose the lease when the sandbox is gone.</summary>
    public GpuLease? TryAcquire()
    {
        for (int slot = 0; slot < _gpus.Length; slot++)
        {
            if (_gpus[slot].Wait(0))
            {
                return new GpuLease(_indices[slot], _gpus[slot]);
            }
        }

        return null;
    }

    [GeneratedRegex(@"^nvidia(\d+)$")]
    private static partial Regex GpuDevice();
}

/// <summary>One GPU held by one sandbox until disposed.</summary>
public sealed class GpuLease(int index, SemaphoreSlim slot) : IDisposable
{
    private int _released;

    public int Index { get; } = index;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            slot.Release();
        }
    }
}

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

    public GpuPool(string deviceFolder = "/dev")
    {
        _indices = Directory.Exists(deviceFolder)
            ? Directory.EnumerateFiles(deviceFolder, "nvidia*")
                .Select(path => GpuDevice().Match(Path.GetFileName(path)))
                .Where(match => match.Success)
                .Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))
                .Order()
                .ToArray()
            : [];
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

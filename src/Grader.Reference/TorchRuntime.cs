using TorchSharp;

namespace Grader.Reference;

/// <summary>Chooses where tensors live: CUDA when the process was granted a GPU and libtorch sees one, else CPU.</summary>
public static class TorchRuntime
{
    /// <summary>The device reference computations and student runs use in this process.</summary>
    public static torch.Device PreferredDevice => torch.cuda.is_available() ? torch.CUDA : torch.CPU;

    /// <summary>Makes comparisons reproducible: no TF32 on CUDA, deterministic seeding.</summary>
    public static void PrepareForComparison(long seed)
    {
        torch.manual_seed(seed);
        if (torch.cuda.is_available())
        {
            torch.backends.cuda.matmul.allow_tf32 = false;
            torch.backends.cudnn.allow_tf32 = false;
        }
    }
}

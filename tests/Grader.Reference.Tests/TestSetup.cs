using TorchSharp;

namespace Grader.Reference.Tests;

/// <summary>
/// One libtorch thread for the whole test run: the tensors here are tiny, so intra-op threads only add overhead, and
/// when other builds share the two cores, spinning worker threads slow every test down many times over.
/// </summary>
[SetUpFixture]
public class TestSetup
{
    [OneTimeSetUp]
    public void UseOneTorchThread() => torch.set_num_threads(1);
}

namespace Grader.Runner.Tests.Notebooks;

/// <summary>
/// Real notebooks, written by the .NET team for the Polyglot / .NET Interactive kernel (../shared/real-notebooks, read
/// in place, never copied into the repository). The grader must compile each one as the kernel does.
/// </summary>
public class RealNotebookTests
{
    /// <summary>
    /// Cells that the kernel itself rejects with the TorchSharp the course provides (0.107): the notebooks were written
    /// for an older TorchSharp, in which <c>torch.utils.data.DataLoader</c> was a class and <c>Tensor.grad</c> a method.
    /// The grader must report exactly that cell and nothing before it.
    /// </summary>
    private static readonly Dictionary<string, string> RejectedByTorchSharp0107 = new()
    {
        ["synthetic_data.ipynb"] = "synthetic_data.ipynb, cell 28, line 2: The type name 'DataLoader' does not exist in the type 'torch.utils.data' (CS0426)",
        ["tutorial6.ipynb"] = "tutorial6.ipynb, cell 24, line 15: Non-invocable member 'torch.Tensor.grad' cannot be used like a method. (CS1955)",
    };

    private static IEnumerable<string> Notebooks() => NotebookCompilation.RealNotebooks();

    [Test]
    public void TheSampleIsThere()
        => Assert.That(Notebooks().Count(), Is.GreaterThanOrEqualTo(8), $"expected the real notebooks in {NotebookCompilation.RealNotebooksFolder}");

    [TestCaseSource(nameof(Notebooks))]
    public void ARealNotebookCompilesAsTheKernelRunsIt(string notebook)
    {
        var sources = NotebookCompilation.Read(Path.Combine(NotebookCompilation.RealNotebooksFolder, notebook));
        Assert.That(sources.HasErrors, Is.False, string.Join("\n", sources.Notes));
        var outcome = NotebookCompilation.Compile(sources);
        var errors = NotebookCompilation.Errors(sources, outcome);
        if (RejectedByTorchSharp0107.TryGetValue(notebook, out var expected))
        {
            Assert.That(errors, Is.EqualTo(new[] { expected }));
            return;
        }

        Assert.That(errors, Is.Empty);
        Assert.That(outcome.Assembly, Is.Not.Null, () => string.Join("\n", outcome.Messages));
    }
}

namespace Grader.Submissions.Sources;

/// <summary>What the grader provides and how much it reads when collecting a submission's C#.</summary>
public sealed record SourceSetOptions
{
    public static SourceSetOptions Default { get; } = new();

    /// <summary>
    /// NuGet packages the grader references itself; a student's <c>#r "nuget: X"</c> for one of these is simply removed.
    /// Matched without regard to case. The plotting packages are referenced by Grader.NotebookKernel; Plotly.NET.Interactive
    /// is only the kernel's extension that displays charts, which the grader does not do, so its line is dropped too.
    /// </summary>
    public IReadOnlyCollection<string> ProvidedPackages { get; init; } =
        ["TorchSharp", "TorchSharp-cpu", "TorchSharp-cuda-linux", "TorchSharp-cuda-windows", "libtorch-cpu",
         "Plotly.NET", "Plotly.NET.CSharp", "Plotly.NET.Interactive", "ScottPlot"];

    /// <summary>Assemblies a <c>#r "path/X.dll"</c> may name because the grader supplies them itself (the contracts, TorchSharp).</summary>
    public IReadOnlyCollection<string> ProvidedAssemblies { get; init; } = ["Grader.Contracts.dll", "TorchSharp.dll"];

    /// <summary>Largest .cs or .csx file read.</summary>
    public long MaxSourceFileBytes { get; init; } = 2L * 1024 * 1024;

    /// <summary>Largest notebook read (outputs with plots make notebooks big).</summary>
    public long MaxNotebookBytes { get; init; } = Notebooks.NotebookDocument.DefaultMaxBytes;

    /// <summary>Folders whose files are never student code: build output, Jupyter autosaves, tool state.</summary>
    public IReadOnlyCollection<string> IgnoredFolders { get; init; } = ["bin", "obj", ".ipynb_checkpoints", ".git", ".vs", ".vscode", ".idea"];
}

using System.Text.Json;
using Grader.Contracts;
using Grader.Reference.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TorchSharp;

namespace Grader.Reference.Tests;

/// <summary>The starter and solution notebooks are Polyglot C# notebooks holding exactly the code of the .cs files beside them, and they compile.</summary>
public class NotebookTests
{
    private static readonly object[] Notebooks =
    [
        new object[] { "hw1-mlp", "starter", "hw1.ipynb" }, new object[] { "hw1-mlp", "solution", "hw1.ipynb" },
        new object[] { "hw2-cnn", "starter", "hw2.ipynb" }, new object[] { "hw2-cnn", "solution", "hw2.ipynb" },
        new object[] { "hw3-rnn", "starter", "hw3.ipynb" }, new object[] { "hw3-rnn", "solution", "hw3.ipynb" },
    ];

    [TestCaseSource(nameof(Notebooks))]
    public void NotebookIsAPolyglotCSharpNotebookHoldingEachSourceFileAsACell(string assignment, string folder, string notebook)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("assignments", assignment, folder, notebook)));
        var root = document.RootElement;
        Assert.That(root.GetProperty("nbformat").GetInt32(), Is.EqualTo(4));
        Assert.That(root.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString(), Is.EqualTo(".net-csharp"));

        var codeCells = CodeCells(root).ToList();
        foreach (var file in Directory.GetFiles(Repository.PathOf("assignments", assignment, folder), "*.cs"))
        {
            Assert.That(codeCells, Does.Contain(File.ReadAllText(file)), $"{notebook} needs one cell holding exactly {Path.GetFileName(file)}");
        }
    }

    [TestCaseSource(nameof(Notebooks))]
    public void NotebookCellsCompileAsOneScript(string assignment, string folder, string notebook)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("assignments", assignment, folder, notebook)));
        // #r directives are the notebook kernel's business; display() is the kernel's output helper.
        var code = string.Join("\n", CodeCells(document.RootElement).Select(cell =>
            string.Join("\n", cell.Split('\n').Where(line => !line.StartsWith("#r ", StringComparison.Ordinal)))));
        var usings = string.Concat(code.Split('\n').Where(line => line.StartsWith("using ", StringComparison.Ordinal)).Distinct().Select(line => line + "\n"));
        var body = string.Join("\n", code.Split('\n').Where(line => !line.StartsWith("using ", StringComparison.Ordinal)));
        var script = usings + "static void display(object value) { }\n" + body;

        var tree = CSharpSyntaxTree.ParseText(script, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script));
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetDirectoryName(path) == frameworkDirectory)
            .Append(typeof(torch).Assembly.Location).Append(typeof(IMultilayerPerceptron).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.CreateScriptCompilation(notebook, tree, references);
        var errors = compilation.GetDiagnostics().Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.ToString());
        Assert.That(errors, Is.Empty);
    }

    private static IEnumerable<string> CodeCells(JsonElement notebook) => notebook.GetProperty("cells").EnumerateArray()
        .Where(cell => cell.GetProperty("cell_type").GetString() == "code")
        .Select(cell => string.Concat(cell.GetProperty("source").EnumerateArray().Select(line => line.GetString())));
}

using System.Text.Json.Nodes;
using Grader.Submissions.Notebooks;
using Grader.TestKit;

namespace Grader.Submissions.Tests;

public sealed class NotebookDocumentTests
{
    [Test]
    public void Cells_outputs_and_languages_are_read()
    {
        var json = new NotebookJson()
            .Markdown("# HW1")
            .Code("var x = 1;\nx", executionCount: 1, outputs: NotebookJson.StreamOutput("1\n"))
            .Code("let y = 2", kernel: "fsharp")
            .Code("display(plot);", executionCount: 2, outputs: NotebookJson.PlotOutput())
            .Build();

        var notebook = NotebookDocument.Parse(json, "hw1.ipynb");

        Assert.That(notebook.FormatMajor, Is.EqualTo(4));
        Assert.That(notebook.DefaultLanguage, Is.EqualTo("csharp"));
        Assert.That(notebook.DefaultLanguageAssumed, Is.False);
        Assert.That(notebook.Cells.Select(cell => (cell.Number, cell.Kind, cell.Language)), Is.EqualTo(new[]
        {
            (1, NotebookCellKind.Markdown, "markdown"),
            (2, NotebookCellKind.Code, "csharp"),
            (3, NotebookCellKind.Code, "fsharp"),
            (4, NotebookCellKind.Code, "csharp"),
        }));
        Assert.That(notebook.Cells[1].Source, Is.EqualTo("var x = 1;\nx"));
        Assert.That(notebook.Cells[1].ExecutionCount, Is.EqualTo(1));
        var stream = notebook.Cells[1].Outputs.Single();
        Assert.That((stream.Kind, stream.StreamName, stream.Text), Is.EqualTo((NotebookOutputKind.Stream, "stdout", "1\n")));
        var plot = notebook.Cells[3].Outputs.Single();
        Assert.That(plot.Kind, Is.EqualTo(NotebookOutputKind.DisplayData));
        Assert.That(plot.ImagePngBase64, Is.EqualTo("iVBORw0KGgo="));
        Assert.That(plot.PlainText, Is.EqualTo("<plot>"));
        Assert.That(plot.HasImage, Is.True);
    }

    [Test]
    public void Source_may_be_a_string_or_an_array_of_lines()
    {
        const string json = """
            {"nbformat": 4, "nbformat_minor": 2, "metadata": {"kernelspec": {"name": ".net-csharp"}},
             "cells": [
               {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": "int a = 1;\nint b = 2;"},
               {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null, "source": ["int a = 1;\n", "int b = 2;"]}
             ]}
            """;

        var notebook = NotebookDocument.Parse(json, "hw1.ipynb");

        Assert.That(notebook.Cells[0].Source, Is.EqualTo(notebook.Cells[1].Source));
    }

    [Test]
    public void Error_outputs_and_unknown_output_types_are_kept()
    {
        var json = new NotebookJson()
            .Code("x", executionCount: 1, outputs: [NotebookJson.ErrorOutput(), new JsonObject { ["output_type"] = "future_kind" }])
            .Build();

        var outputs = NotebookDocument.Parse(json, "hw1.ipynb").Cells[0].Outputs;

        Assert.That(outputs[0].Kind, Is.EqualTo(NotebookOutputKind.Error));
        Assert.That(outputs[0].ErrorValue, Does.Contain("CS0103"));
        Assert.That(outputs[0].Traceback, Has.Count.EqualTo(1));
        Assert.That(outputs[1].Kind, Is.EqualTo(NotebookOutputKind.Unknown));
    }

    [TestCase("""{"metadata": {"kernelspec": {"name": "python3", "language": "python"}}}""", "python")]
    [TestCase("""{"metadata": {"kernelspec": {"name": ".net-fsharp"}}}""", "fsharp")]
    [TestCase("""{"metadata": {"language_info": {"name": "C#"}}}""", "csharp")]
    [TestCase("""{"metadata": {"kernelspec": {"name": "ir", "language": "R"}}}""", "ir")]
    public void The_default_language_comes_from_the_kernel_metadata(string metadataJson, string expected)
    {
        var metadata = (JsonObject)JsonNode.Parse(metadataJson)!["metadata"]!.DeepClone();
        var json = new NotebookJson().WithMetadata(metadata).Code("x").Build();

        var notebook = NotebookDocument.Parse(json, "hw.ipynb");

        Assert.That(notebook.DefaultLanguage, Is.EqualTo(expected));
        Assert.That(notebook.Cells[0].Language, Is.EqualTo(expected));
    }

    [Test]
    public void Missing_metadata_means_csharp_is_assumed()
    {
        const string json = """{"nbformat": 4, "nbformat_minor": 0, "cells": [{"cell_type": "code", "source": "1"}]}""";

        var notebook = NotebookDocument.Parse(json, "hw.ipynb");

        Assert.That(notebook.DefaultLanguage, Is.EqualTo("csharp"));
        Assert.That(notebook.DefaultLanguageAssumed, Is.True);
        Assert.That(notebook.Cells[0].Outputs, Is.Empty);
        Assert.That(notebook.Cells[0].ExecutionCount, Is.Null);
    }

    [Test]
    public void The_older_dotnet_interactive_cell_metadata_is_understood()
    {
        const string json = """
            {"nbformat": 4, "nbformat_minor": 4, "metadata": {"kernelspec": {"name": ".net-csharp"}},
             "cells": [{"cell_type": "code", "metadata": {"dotnet_interactive": {"language": "pwsh"}}, "source": "Get-Date", "outputs": []}]}
            """;

        Assert.That(NotebookDocument.Parse(json, "hw.ipynb").Cells[0].Language, Is.EqualTo("pwsh"));
    }

    [TestCase("{\"nbformat\": 4, \"cells\": [", "hw1.ipynb: is not valid JSON (line 1, byte 27); is the file a saved notebook?")]
    [TestCase("[1, 2]", "hw1.ipynb: the notebook must be a JSON object, found an array")]
    [TestCase("{\"cells\": []}", "hw1.ipynb (nbformat): has no 'nbformat' field; is this a Jupyter notebook?")]
    [TestCase("{\"nbformat\": 3, \"worksheets\": []}", "hw1.ipynb (nbformat): is nbformat 3; the grader reads nbformat 4 (save it again with Jupyter, VS Code or Polyglot Notebooks)")]
    [TestCase("{\"nbformat\": \"4\", \"cells\": []}", "hw1.ipynb (nbformat): field 'nbformat' must be a whole number, found a string")]
    [TestCase("{\"nbformat\": 4, \"cells\": {}}", "hw1.ipynb (cells): field 'cells' must be an array, found an object")]
    [TestCase("{\"nbformat\": 4, \"cells\": [42]}", "hw1.ipynb (cells[0]): cell 1 must be a JSON object, found a number")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"source\": \"x\"}]}", "hw1.ipynb (cells[0].cell_type): cell 1 has no 'cell_type' string")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\"}]}", "hw1.ipynb (cells[0].source): cell 1 has no 'source' field")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": 7}]}", "hw1.ipynb (cells[0].source): cell 1: 'source' must be a string or an array of strings, found a number")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": [\"a\", 1]}]}", "hw1.ipynb (cells[0].source): cell 1: 'source' must be a string or an array of strings, found an array holding a number")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"outputs\": \"none\"}]}", "hw1.ipynb (cells[0].outputs): cell 1: 'outputs' must be an array, found a string")]
    [TestCase("{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"execution_count\": \"1\"}]}", "hw1.ipynb (cells[0].execution_count): cell 1: 'execution_count' must be a number or null, found a string")]
    public void Malformed_notebooks_are_refused_naming_file_and_field(string json, string expectedMessage)
    {
        var error = Assert.Throws<NotebookFormatException>(() => NotebookDocument.Parse(json, "hw1.ipynb"));

        Assert.That(error.Message, Is.EqualTo(expectedMessage));
        Assert.That(error.FileName, Is.EqualTo("hw1.ipynb"));
    }

    [Test]
    public void Deeply_nested_json_is_refused_not_recursed_into()
    {
        var json = "{\"nbformat\": 4, \"cells\": [], \"metadata\": " + new string('[', 500) + new string(']', 500) + "}";

        var error = Assert.Throws<NotebookFormatException>(() => NotebookDocument.Parse(json, "hw1.ipynb"));

        Assert.That(error.Message, Does.StartWith("hw1.ipynb: is not valid JSON"));
    }

    [Test]
    public void An_oversized_notebook_is_refused_before_it_is_read()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.PathOf("hw1.ipynb");
        using (var file = File.Create(path))
        {
            file.SetLength(200L * 1024 * 1024); // sparse: instant, and never read
        }

        var error = Assert.Throws<NotebookFormatException>(() => NotebookDocument.Load(path, "hw1.ipynb"));

        Assert.That(error.Message, Is.EqualTo("hw1.ipynb: the notebook is 200 MB; notebooks above 50 MB are not read (large embedded data or outputs?)"));
    }
}

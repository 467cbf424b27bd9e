using System.IO.Compression;
using System.Text.Json;

namespace Grader.Similarity.Tests;

public sealed class SubmissionReaderTests
{
    private string folder = null!;

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("similarity-reader-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    private static string Notebook(params (string Type, string Language, string Source)[] cells) => JsonSerializer.Serialize(new
    {
        cells = cells.Select(c => new Dictionary<string, object>
        {
            ["cell_type"] = c.Type,
            ["metadata"] = new Dictionary<string, object> { ["dotnet_interactive"] = new { language = c.Language } },
            ["source"] = SourceLines(c.Source),
        }),
        nbformat = 4,
    });

    // Jupyter stores a cell's source as lines that keep their "\n", the last one without.
    private static string[] SourceLines(string source)
    {
        var lines = source.Split('\n');
        return lines.Select((line, i) => i < lines.Length - 1 ? line + "\n" : line).ToArray();
    }

    [Test]
    public void NotebookCodeCellsInCSharpBecomeOneSourceEach()
    {
        string notebook = Notebook(
            ("markdown", "markdown", "# Title"),
            ("code", "csharp", "#r \"nuget: X\"\nusing System;"),
            ("code", "fsharp", "let x = 1"),
            ("code", "csharp", "#!fsharp\nlet y = 2"),
            ("code", "csharp", "#!csharp\nint z = 3;"));

        var cells = SubmissionReader.NotebookCells("hw1.ipynb", notebook);

        Assert.That(cells.Select(c => c.Path), Is.EqualTo(new[] { "hw1.ipynb [cell 2]", "hw1.ipynb [cell 5]" }));
        // The magic line is blanked, not removed, so line numbers stay those of the cell.
        Assert.That(CodeTokenizer.Tokenize(cells[1]).First().Line, Is.EqualTo(2));
    }

    [Test]
    public void ABrokenNotebookNamesTheFileAndLine()
    {
        Assert.That(() => SubmissionReader.NotebookCells("hw1.ipynb", "{\n \"cells\": [\n  {,\n"), Throws.InstanceOf<InvalidDataException>().With.Message.StartsWith("hw1.ipynb: is not valid JSON (line 3,"));
        Assert.That(() => SubmissionReader.NotebookCells("hw1.ipynb", "{\"nbformat\": 4, \"cells\": 3}"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("field 'cells' must be an array"));
        Assert.That(() => SubmissionReader.NotebookCells("hw1.ipynb", "{\"nbformat\": 4, \"cells\": [{\"cell_type\": \"code\", \"source\": 7}]}"), Throws.InstanceOf<InvalidDataException>().With.Message.Contains("cell 1: 'source' must be a string"));
    }

    [Test]
    public void EachEntryOfTheFolderIsOneSubmission()
    {
        Directory.CreateDirectory(Path.Combine(folder, "ab1234", "src"));
        Directory.CreateDirectory(Path.Combine(folder, "ab1234", "bin"));
        File.WriteAllText(Path.Combine(folder, "ab1234", "src", "Model.cs"), "class A {}");
        File.WriteAllText(Path.Combine(folder, "ab1234", "bin", "Generated.cs"), "class B {}");
        File.WriteAllText(Path.Combine(folder, "ab1234", "hw1.ipynb"), Notebook(("code", "csharp", "int x = 1;")));
        File.WriteAllText(Path.Combine(folder, "cd5678.csx"), "var y = 2;");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not code");
        using (var zip = ZipFile.Open(Path.Combine(folder, "ef9012_hw1.zip"), ZipArchiveMode.Create))
        {
            using (var writer = new StreamWriter(zip.CreateEntry("ef9012_hw1/Net.cs").Open()))
            {
                writer.Write("class C {}");
            }

            zip.CreateEntry("__MACOSX/ef9012_hw1/._Net.cs").Open().Dispose();
        }

        Directory.CreateDirectory(Path.Combine(folder, "empty"));
        File.WriteAllText(Path.Combine(folder, "broken.ipynb"), "{ not json");

        var batch = SubmissionReader.ReadFolder(folder, idPrefix: "2025/");

        Assert.That(batch.Submissions.Select(s => (s.Id, string.Join(", ", s.Files.Select(f => f.Path)))), Is.EqualTo(new[]
        {
            ("2025/ab1234", "hw1.ipynb [cell 1], src/Model.cs"),
            ("2025/cd5678", "cd5678.csx"),
            ("2025/ef9012_hw1", "ef9012_hw1/Net.cs"),
        }));
        Assert.That(batch.Problems.Select(p => Path.GetFileName(p.Path)), Is.EquivalentTo(new[] { "broken.ipynb", "broken.ipynb", "empty" }));
        Assert.That(batch.Problems.First().Message, Does.StartWith("broken.ipynb: is not valid JSON (line 1,"));
    }

    [Test]
    public void AMissingFolderIsAClearError()
    {
        Assert.That(() => SubmissionReader.ReadFolder(Path.Combine(folder, "nope")), Throws.InstanceOf<DirectoryNotFoundException>().With.Message.Contains("nope"));
    }
}

using Grader.Submissions.Intake;
using Grader.Submissions.Sources;
using Grader.TestKit;

namespace Grader.Submissions.Tests;

public sealed class CSharpSourceSetTests
{
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new ScratchFolder();

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    private string Write(string relativePath, string content)
    {
        var path = _scratch.PathOf(Path.Combine("sub", relativePath));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private CSharpSourceSet Collect() => CSharpSourceSet.FromFolder(_scratch.PathOf("sub"));

    [Test]
    public void A_line_in_cell_3_maps_back_to_cell_3_and_its_line()
    {
        Write("hw1.ipynb", new NotebookJson()
            .Markdown("# Homework 1")                                                   // cell 1
            .Code("using TorchSharp;\nvar device = torch.CPU;")                        // cell 2
            .Code("public class Mlp\n{\n    public int Layers => 2;\n}\nvar m = new Mlp();") // cell 3
            .Build());

        var unit = Collect().Units.Single();

        Assert.That(unit.Kind, Is.EqualTo(CodeUnitKind.Notebook));
        Assert.That(unit.Path, Is.EqualTo("hw1.ipynb"));
        var lines = unit.Text.Split('\n');
        var generatedLine = Array.IndexOf(lines, "    public int Layers => 2;") + 1;
        Assert.That(generatedLine, Is.EqualTo(5), "cell 2 gives lines 1-2, cell 3 starts at line 3");
        Assert.That(unit.MapLine(generatedLine), Is.EqualTo(new SourceOrigin("hw1.ipynb", 3, 3)));
        Assert.That(unit.MapLine(generatedLine).ToString(), Is.EqualTo("hw1.ipynb, cell 3, line 3"));
        Assert.That(unit.MapLine(1), Is.EqualTo(new SourceOrigin("hw1.ipynb", 2, 1)));
        Assert.That(unit.MapLine(unit.LineCount), Is.EqualTo(new SourceOrigin("hw1.ipynb", 3, 5)));
        Assert.That(unit.Segments.Select(segment => (segment.Cell, segment.FirstLine, segment.LineCount)),
            Is.EqualTo(new (int?, int, int)[] { (2, 1, 2), (3, 3, 5) }));
        Assert.Throws<ArgumentOutOfRangeException>(() => unit.MapLine(unit.LineCount + 1));
    }

    [Test]
    public void Directives_are_blanked_not_deleted_so_lines_still_map()
    {
        Write("hw1.ipynb", new NotebookJson()
            .Code("#r \"nuget: TorchSharp-cpu, 0.105.0\"\n#r \"nuget: XPlot.Plotly, 4.1.0\"\n#r \"../lib/Cheat.dll\"\n#!time\nvar loss = 0.5;")
            .Build());

        var set = Collect();
        var unit = set.Units.Single();

        Assert.That(unit.Text, Is.EqualTo("\n\n\n\nvar loss = 0.5;\n"));
        Assert.That(unit.MapLine(5), Is.EqualTo(new SourceOrigin("hw1.ipynb", 1, 5)));
        Assert.That(set.Notes.Select(note => note.ToString()), Is.EqualTo(new[]
        {
            "hw1.ipynb, cell 1, line 1: '#r \"nuget: TorchSharp-cpu 0.105.0\"' was removed: packages come from the grader; TorchSharp-cpu is provided",
            "hw1.ipynb, cell 1, line 2: '#r \"nuget: XPlot.Plotly 4.1.0\"' was removed: packages come from the grader; XPlot.Plotly is not available in the grader",
            "hw1.ipynb, cell 1, line 3: '#r \"../lib/Cheat.dll\"' was refused: the grader does not load student-supplied assemblies",
            "hw1.ipynb, cell 1, line 4: magic command '#!time' was removed: the grader does not run .NET Interactive magics",
        }));
        Assert.That(set.Notes.Select(note => note.Severity), Is.EqualTo(new[] { NoteSeverity.Info, NoteSeverity.Warning, NoteSeverity.Warning, NoteSeverity.Info }));
    }

    [Test]
    public void Cell_languages_come_from_metadata_and_magics()
    {
        Write("hw1.ipynb", new NotebookJson()
            .Code("let x = 1", kernel: "fsharp")                        // cell 1: F# by metadata
            .Code("#!csharp\nvar a = 1;", kernel: "fsharp")             // cell 2: metadata says F#, magic says C#
            .Code("#!pwsh\nGet-ChildItem")                              // cell 3: C# by default, magic says PowerShell
            .Code("var b = 2;\n#!fsharp\nlet y = 2\nlet z = 3")         // cell 4: C#, then F# from line 2
            .Code("<b>hi</b>", kernel: "html")                          // cell 5: HTML
            .Build());

        var set = Collect();
        var unit = set.Units.Single();

        Assert.That(unit.Segments.Select(segment => segment.Cell), Is.EqualTo(new int?[] { 2, 4 }));
        Assert.That(unit.Text, Is.EqualTo("\nvar a = 1;\nvar b = 2;\n\n\n\n"));
        Assert.That(unit.MapLine(3), Is.EqualTo(new SourceOrigin("hw1.ipynb", 4, 1)));
        Assert.That(set.Notes.Select(note => note.ToString()), Is.EqualTo(new[]
        {
            "hw1.ipynb, cell 1, line 1: the cell is F#, not C#; it was skipped (F# cells are not graded in this course)",
            "hw1.ipynb, cell 3, line 2: the cell is PowerShell, not C#; it was skipped (PowerShell cells are not graded in this course)",
            "hw1.ipynb, cell 4, line 3: lines 3-4 are F#, not C#; they were skipped (only C# is graded)",
            "hw1.ipynb, cell 5, line 1: the cell is HTML, not C#; it was skipped (HTML cells are not graded in this course)",
        }));
        Assert.That(set.Notes[^1].Severity, Is.EqualTo(NoteSeverity.Info), "display-only cells are harmless");
        Assert.That(set.Notes[0].Severity, Is.EqualTo(NoteSeverity.Warning));
    }

    [Test]
    public void A_python_notebook_is_refused_clearly()
    {
        var metadata = new System.Text.Json.Nodes.JsonObject
        {
            ["kernelspec"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "python3", ["language"] = "python" },
        };
        Write("hw1.ipynb", new NotebookJson().WithMetadata(metadata).Code("import torch").Build());

        var set = Collect();

        Assert.That(set.Units, Is.Empty);
        Assert.That(set.HasErrors, Is.True);
        Assert.That(set.Notebooks, Has.Count.EqualTo(1), "the notebook is still there to render");
        var refusal = Assert.Throws<SubmissionRefusedException>(() => set.ThrowIfNothingToCompile("abc123_hw1.zip"));
        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.PythonNotebook));
        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: hw1.ipynb: this notebook's kernel is Python; the course's grader runs C# notebooks (.NET Interactive)"));
    }

    [Test]
    public void A_malformed_notebook_becomes_an_error_note_and_the_rest_still_counts()
    {
        Write("broken.ipynb", "{\"nbformat\": 4, \"cells\": \"oops\"}");
        Write("Mlp.cs", "public class Mlp { }\n");

        var set = Collect();

        Assert.That(set.Units.Select(unit => unit.Path), Is.EqualTo(new[] { "Mlp.cs" }));
        Assert.That(set.Notes.Single().ToString(), Is.EqualTo("broken.ipynb (cells): field 'cells' must be an array, found a string"));
        Assert.DoesNotThrow(() => set.ThrowIfNothingToCompile("x.zip"));
    }

    [Test]
    public void Cs_files_map_line_for_line_and_csx_directives_are_blanked()
    {
        Write("src/Mlp.cs", "namespace Hw1;\r\npublic class Mlp\r\n{\r\n}\r\n");
        Write("train.csx", "#!/usr/bin/env dotnet-script\n#r \"nuget: TorchSharp, 0.107.0\"\n#load \"helpers.csx\"\nvar epochs = 3;\n");

        var set = Collect();

        Assert.That(set.Units.Select(unit => (unit.Path, unit.Kind)), Is.EqualTo(new[] { ("src/Mlp.cs", CodeUnitKind.SourceFile), ("train.csx", CodeUnitKind.Script) }));
        Assert.That(set.Units[0].MapLine(2), Is.EqualTo(new SourceOrigin("src/Mlp.cs", null, 2)));
        Assert.That(set.Units[0].MapLine(2).ToString(), Is.EqualTo("src/Mlp.cs, line 2"));
        Assert.That(set.Units[1].Text, Is.EqualTo("\n\n\nvar epochs = 3;\n"));
        Assert.That(set.Notes.Select(note => note.Where?.Line), Is.EqualTo(new int?[] { 1, 2, 3 }));
        Assert.That(set.Notes[2].Message, Is.EqualTo("'#load \"helpers.csx\"' was removed: the grader compiles the submission's C# files itself"));
    }

    [Test]
    public void A_binary_file_named_cs_is_refused()
    {
        var path = _scratch.PathOf("sub/Payload.cs");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, [0x7F, (byte)'E', (byte)'L', (byte)'F', 0x02, 0x01, 0x01, 0x00, 0x00]);

        var set = Collect();

        Assert.That(set.Units, Is.Empty);
        Assert.That(set.Notes.Single().ToString(), Is.EqualTo("Payload.cs: is not a text file (a NUL byte at offset 7); submit C# source code"));
        var refusal = Assert.Throws<SubmissionRefusedException>(() => set.ThrowIfNothingToCompile("abc123_hw1.zip"));
        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.NotCSharpSource));
    }

    [Test]
    public void Build_output_and_jupyter_autosaves_are_not_read()
    {
        Write("Mlp.cs", "class Mlp {}");
        Write("obj/Debug/net10.0/Hw.AssemblyInfo.cs", "[assembly: System.Reflection.AssemblyVersion(\"1.0\")]");
        Write(".ipynb_checkpoints/hw1-checkpoint.ipynb", new NotebookJson().Code("var old = 1;").Build());

        var set = Collect();

        Assert.That(set.Units.Select(unit => unit.Path), Is.EqualTo(new[] { "Mlp.cs" }));
        Assert.That(set.Notes.Single().Message, Is.EqualTo("code under .ipynb_checkpoints/, obj/ was not read (build output, autosaves or tool state)"));
    }

    [Test]
    public void Utf16_and_latin1_sources_are_decoded()
    {
        var folder = _scratch.PathOf("sub");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "A.cs"), "class A { string s = \"é\"; }", System.Text.Encoding.Unicode);
        File.WriteAllBytes(Path.Combine(folder, "B.cs"), System.Text.Encoding.Latin1.GetBytes("// café\nclass B {}"));

        var set = Collect();

        Assert.That(set.Units[0].Text, Is.EqualTo("class A { string s = \"é\"; }"));
        Assert.That(set.Units[1].Text, Is.EqualTo("// café\nclass B {}"));
        Assert.That(set.Notes.Single().Message, Is.EqualTo("B.cs: is not UTF-8; it was read as Latin-1 (save source files as UTF-8)"));
    }

    [Test]
    public void A_folder_without_csharp_is_refused_as_such()
    {
        Write("README.md", "# nothing");

        var refusal = Assert.Throws<SubmissionRefusedException>(() => Collect().ThrowIfNothingToCompile("abc123_hw1.zip"));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: it holds no C# code (.cs or .csx files, or a C# notebook)"));
    }

    [Test]
    public void From_upload_to_mapped_code_end_to_end()
    {
        var notebook = new NotebookJson()
            .Code("#r \"nuget: TorchSharp-cpu\"\nusing TorchSharp;", executionCount: 1)
            .Code("public static double Relu(double x) => Math.Max(0, x);", executionCount: 2)
            .Build();
        using var zip = TestArchives.Zip(("abc123_hw1/hw1.ipynb", TestArchives.Utf8(notebook)), ("abc123_hw1/data.csv", TestArchives.Utf8("1")));
        var extracted = new SubmissionIntake().Extract(zip, "abc123_hw1.zip", _scratch.PathOf("extracted"));

        var set = CSharpSourceSet.FromSubmission(extracted);

        Assert.That(set.Units.Single().MapLine(3), Is.EqualTo(new SourceOrigin("hw1.ipynb", 2, 1)));
        Assert.That(set.Notebooks.Single().FileName, Is.EqualTo("hw1.ipynb"));
    }
}

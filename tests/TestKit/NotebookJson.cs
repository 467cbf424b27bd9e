using System.Text.Json.Nodes;

namespace Grader.TestKit;

/// <summary>Writes notebook JSON the way .NET Interactive / Polyglot Notebooks save it (shared by the test projects).</summary>
internal sealed class NotebookJson
{
    private readonly JsonArray _cells = [];
    private JsonObject _metadata = new()
    {
        ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
        ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        ["polyglot_notebook"] = new JsonObject
        {
            ["kernelInfo"] = new JsonObject { ["defaultKernelName"] = "csharp", ["items"] = new JsonArray() },
        },
    };

    /// <summary>The notebook as VS Code saves a Polyglot notebook: no kernelspec, and language_info "python".</summary>
    public NotebookJson AsVsCodeSavesIt() => WithMetadata(new JsonObject { ["language_info"] = new JsonObject { ["name"] = "python" } });

    public NotebookJson WithMetadata(JsonObject metadata)
    {
        _metadata = metadata;
        return this;
    }

    public NotebookJson Markdown(string source)
    {
        _cells.Add(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = Lines(source) });
        return this;
    }

    /// <param name="kernel">Written to the cell's polyglot_notebook.kernelName, as Polyglot Notebooks does.</param>
    public NotebookJson Code(string source, int? executionCount = null, string? kernel = null, params JsonObject[] outputs)
    {
        var metadata = new JsonObject();
        if (kernel is not null)
        {
            metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel };
        }
        _cells.Add(new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = executionCount,
            ["metadata"] = metadata,
            ["outputs"] = new JsonArray(outputs.Select(output => (JsonNode?)output).ToArray()),
            ["source"] = Lines(source),
        });
        return this;
    }

    public static JsonObject StreamOutput(string text) =>
        new() { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = Lines(text) };

    public static JsonObject PlotOutput() => new()
    {
        ["output_type"] = "display_data",
        ["metadata"] = new JsonObject(),
        ["data"] = new JsonObject { ["image/png"] = "iVBORw0KGgo=", ["text/plain"] = "<plot>" },
    };

    public static JsonObject ErrorOutput() => new()
    {
        ["output_type"] = "error",
        ["ename"] = "Error",
        ["evalue"] = "(3,1): error CS0103: The name 'x' does not exist",
        ["traceback"] = new JsonArray("(3,1): error CS0103"),
    };

    public string Build() => new JsonObject
    {
        ["cells"] = _cells.DeepClone(),
        ["metadata"] = _metadata.DeepClone(),
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    }.ToJsonString();

    /// <summary>nbformat's usual shape: an array of lines, each but the last ending in '\n'.</summary>
    private static JsonArray Lines(string text)
    {
        var parts = text.Split('\n');
        return new JsonArray(parts.Select((line, index) => (JsonNode?)(index < parts.Length - 1 ? line + "\n" : line))
            .Where(node => node!.GetValue<string>().Length > 0).ToArray());
    }
}

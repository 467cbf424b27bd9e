using System.Text.Json.Nodes;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>Writes nbformat 4 notebooks for tests, cell by cell, the way VS Code's Polyglot Notebooks saves them.</summary>
internal sealed class NotebookJson
{
    private readonly JsonArray _cells = [];
    private readonly string _notebookLanguage;

    /// <param name="notebookLanguage">The notebook-level language_info.name (VS Code writes "python" for Polyglot notebooks).</param>
    public NotebookJson(string notebookLanguage = "C#")
    {
        _notebookLanguage = notebookLanguage;
    }

    /// <summary>A code cell; <paramref name="kernel"/> is its own metadata (polyglot_notebook.kernelName), null for none.</summary>
    public NotebookJson Code(string source, string? kernel = "csharp")
    {
        var metadata = new JsonObject();
        if (kernel is not null)
        {
            metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel };
            metadata["dotnet_interactive"] = new JsonObject { ["language"] = kernel };
        }

        _cells.Add(new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = metadata,
            ["outputs"] = new JsonArray(),
            ["source"] = Lines(source),
        });
        return this;
    }

    public NotebookJson Markdown(string source)
    {
        _cells.Add(new JsonObject { ["cell_type"] = "markdown", ["metadata"] = new JsonObject(), ["source"] = Lines(source) });
        return this;
    }

    public override string ToString() => new JsonObject
    {
        ["cells"] = JsonNode.Parse(_cells.ToJsonString()),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = _notebookLanguage == "python" ? null : new JsonObject { ["name"] = ".net-csharp", ["language"] = "C#" },
            ["language_info"] = new JsonObject { ["name"] = _notebookLanguage },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    }.ToJsonString();

    private static JsonArray Lines(string source)
    {
        var lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return new JsonArray([.. lines.Select((line, index) => (JsonNode)JsonValue.Create(index < lines.Length - 1 ? line + "\n" : line)!)]);
    }
}

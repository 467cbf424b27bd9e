using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Grader.Submissions.Notebooks;

/// <summary>
/// A parsed Jupyter notebook (nbformat 4), as .NET Interactive / Polyglot Notebooks and VS Code save them. Shared by the
/// grader (which cells are C#, what outputs were saved) and the web app (rendering the notebook next to the rubric).
/// </summary>
public sealed class NotebookDocument
{
    /// <summary>Default cap on a notebook's size; a saved notebook with plots is a few MB.</summary>
    public const long DefaultMaxBytes = 50L * 1024 * 1024;

    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 64 };

    private NotebookDocument(string fileName, int formatMajor, int formatMinor, string defaultLanguage, bool defaultLanguageAssumed, IReadOnlyList<NotebookCell> cells)
    {
        FileName = fileName;
        FormatMajor = formatMajor;
        FormatMinor = formatMinor;
        DefaultLanguage = defaultLanguage;
        DefaultLanguageAssumed = defaultLanguageAssumed;
        Cells = cells;
    }

    /// <summary>The notebook's path relative to the submission, used in every message and origin.</summary>
    public string FileName { get; }

    public int FormatMajor { get; }

    public int FormatMinor { get; }

    /// <summary>The kernel code cells run in unless they say otherwise (see <see cref="NotebookLanguages"/>).</summary>
    public string DefaultLanguage { get; }

    /// <summary>True when the notebook names no kernel and C# was assumed.</summary>
    public bool DefaultLanguageAssumed { get; }

    public IReadOnlyList<NotebookCell> Cells { get; }

    public IEnumerable<NotebookCell> CodeCells => Cells.Where(cell => cell.Kind == NotebookCellKind.Code);

    /// <summary>Reads a notebook file, refusing one above <paramref name="maxBytes"/> before reading it.</summary>
    /// <param name="fileName">How messages name it (its path inside the submission).</param>
    public static NotebookDocument Load(string path, string fileName, long maxBytes = DefaultMaxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        if (stream.Length > maxBytes)
        {
            throw new NotebookFormatException(fileName, null,
                $"{fileName}: the notebook is {ByteSize.Format(stream.Length)}; notebooks above {ByteSize.Format(maxBytes)} are not read (large embedded data or outputs?)");
        }
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Parse(bytes, fileName);
    }

    /// <summary>Parses notebook JSON (UTF-8).</summary>
    /// <exception cref="NotebookFormatException">Not JSON, not nbformat 4, or a field of the wrong shape.</exception>
    public static NotebookDocument Parse(ReadOnlyMemory<byte> utf8Json, string fileName)
    {
        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, JsonOptions);
        }
        catch (JsonException exception)
        {
            var line = (exception.LineNumber ?? 0) + 1;
            var position = (exception.BytePositionInLine ?? 0) + 1;
            throw new NotebookFormatException(fileName, null, string.Create(CultureInfo.InvariantCulture,
                $"{fileName}: is not valid JSON (line {line}, byte {position}); is the file a saved notebook?"), exception);
        }
        using (document)
        {
            return new Reader(fileName).Read(document.RootElement);
        }
    }

    public static NotebookDocument Parse(string json, string fileName) => Parse(Encoding.UTF8.GetBytes(json), fileName);

    private sealed class Reader(string fileName)
    {
        public NotebookDocument Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(null, $"the notebook must be a JSON object, found {Describe(root)}");
            }
            var formatMajor = ReadFormatNumber(root, "nbformat")
                ?? throw Error("nbformat", "has no 'nbformat' field; is this a Jupyter notebook?");
            if (formatMajor != 4)
            {
                throw Error("nbformat", string.Create(CultureInfo.InvariantCulture,
                    $"is nbformat {formatMajor}; the grader reads nbformat 4 (save it again with Jupyter, VS Code or Polyglot Notebooks)"));
            }
            var formatMinor = ReadFormatNumber(root, "nbformat_minor") ?? 0;
            var metadata = OptionalObject(root, "metadata");
            var (defaultLanguage, assumed) = ReadDefaultLanguage(metadata);

            if (!root.TryGetProperty("cells", out var cellsElement))
            {
                throw Error("cells", "has no 'cells' field");
            }
            if (cellsElement.ValueKind != JsonValueKind.Array)
            {
                throw Error("cells", $"field 'cells' must be an array, found {Describe(cellsElement)}");
            }
            var cells = new List<NotebookCell>();
            var index = 0;
            foreach (var cellElement in cellsElement.EnumerateArray())
            {
                cells.Add(ReadCell(cellElement, index, defaultLanguage));
                index++;
            }
            return new NotebookDocument(fileName, formatMajor, formatMinor, defaultLanguage, assumed, cells);
        }

        private int? ReadFormatNumber(JsonElement root, string field)
        {
            if (!root.TryGetProperty(field, out var element))
            {
                return null;
            }
            return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value)
                ? value
                : throw Error(field, $"field '{field}' must be a whole number, found {Describe(element)}");
        }

        private static (string Language, bool Assumed) ReadDefaultLanguage(JsonElement? metadata)
        {
            // Most specific first: Polyglot's own record, then the Jupyter kernelspec, then language_info.
            string?[] candidates =
            [
                OptionalString(OptionalObject(OptionalObject(metadata, "polyglot_notebook"), "kernelInfo"), "defaultKernelName"),
                OptionalString(OptionalObject(metadata, "kernelspec"), "name"),
                OptionalString(OptionalObject(metadata, "kernelspec"), "language"),
                OptionalString(OptionalObject(metadata, "language_info"), "name"),
            ];
            string? firstUnknown = null;
            foreach (var candidate in candidates)
            {
                if (string.IsNullOrWhiteSpace(candidate) || candidate.Equals("polyglot-notebook", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (NotebookLanguages.Normalize(candidate) is { } known)
                {
                    return (known, false);
                }
                firstUnknown ??= candidate.Trim().ToLowerInvariant();
            }
            return firstUnknown is null ? (NotebookLanguages.CSharp, true) : (firstUnknown, false);
        }

        private NotebookCell ReadCell(JsonElement cell, int index, string defaultLanguage)
        {
            var number = index + 1;
            var field = string.Create(CultureInfo.InvariantCulture, $"cells[{index}]");
            if (cell.ValueKind != JsonValueKind.Object)
            {
                throw Error(field, $"cell {number} must be a JSON object, found {Describe(cell)}");
            }
            var kind = RequiredString(cell, "cell_type", field, number) switch
            {
                "code" => NotebookCellKind.Code,
                "markdown" => NotebookCellKind.Markdown,
                _ => NotebookCellKind.Raw,
            };
            var source = ReadText(cell, "source", field, number, required: true)!;
            var metadata = OptionalObject(cell, "metadata");
            var language = kind switch
            {
                NotebookCellKind.Markdown => NotebookLanguages.Markdown,
                NotebookCellKind.Raw => NotebookLanguages.Raw,
                _ => CellLanguage(metadata) ?? defaultLanguage,
            };
            int? executionCount = null;
            var outputs = new List<NotebookOutput>();
            if (kind == NotebookCellKind.Code)
            {
                if (cell.TryGetProperty("execution_count", out var count) && count.ValueKind != JsonValueKind.Null)
                {
                    executionCount = count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var value)
                        ? value
                        : throw Error($"{field}.execution_count", $"cell {number}: 'execution_count' must be a number or null, found {Describe(count)}");
                }
                if (cell.TryGetProperty("outputs", out var outputsElement))
                {
                    if (outputsElement.ValueKind != JsonValueKind.Array)
                    {
                        throw Error($"{field}.outputs", $"cell {number}: 'outputs' must be an array, found {Describe(outputsElement)}");
                    }
                    var outputIndex = 0;
                    foreach (var output in outputsElement.EnumerateArray())
                    {
                        outputs.Add(ReadOutput(output, string.Create(CultureInfo.InvariantCulture, $"{field}.outputs[{outputIndex}]"), number));
                        outputIndex++;
                    }
                }
            }
            return new NotebookCell(number, kind, language, source, executionCount, outputs);
        }

        private static string? CellLanguage(JsonElement? metadata)
        {
            var declared = OptionalString(OptionalObject(metadata, "polyglot_notebook"), "kernelName")
                ?? OptionalString(OptionalObject(metadata, "dotnet_interactive"), "language");
            if (string.IsNullOrWhiteSpace(declared))
            {
                return null;
            }
            return NotebookLanguages.Normalize(declared) ?? declared.Trim().ToLowerInvariant();
        }

        private NotebookOutput ReadOutput(JsonElement output, string field, int cellNumber)
        {
            if (output.ValueKind != JsonValueKind.Object)
            {
                throw Error(field, $"cell {cellNumber}: an output must be a JSON object, found {Describe(output)}");
            }
            var outputType = RequiredString(output, "output_type", field, cellNumber);
            var kind = outputType switch
            {
                "stream" => NotebookOutputKind.Stream,
                "execute_result" => NotebookOutputKind.ExecuteResult,
                "display_data" or "update_display_data" => NotebookOutputKind.DisplayData,
                "error" => NotebookOutputKind.Error,
                _ => NotebookOutputKind.Unknown,
            };
            var data = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (OptionalObject(output, "data") is { } dataElement)
            {
                foreach (var property in dataElement.EnumerateObject())
                {
                    data[property.Name] = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString()!,
                        JsonValueKind.Array when property.Value.EnumerateArray().All(line => line.ValueKind == JsonValueKind.String) =>
                            string.Concat(property.Value.EnumerateArray().Select(line => line.GetString())),
                        _ => property.Value.GetRawText(),
                    };
                }
            }
            var traceback = output.TryGetProperty("traceback", out var tracebackElement) && tracebackElement.ValueKind == JsonValueKind.Array
                ? tracebackElement.EnumerateArray().Where(line => line.ValueKind == JsonValueKind.String).Select(line => line.GetString()!).ToList()
                : [];
            return new NotebookOutput(
                kind,
                OptionalString(output, "name"),
                kind == NotebookOutputKind.Stream ? ReadText(output, "text", field, cellNumber, required: false) : null,
                data,
                OptionalString(output, "ename"),
                OptionalString(output, "evalue"),
                traceback);
        }

        /// <summary>nbformat stores multi-line text as a string or as an array of lines; both are accepted.</summary>
        private string? ReadText(JsonElement owner, string name, string field, int cellNumber, bool required)
        {
            if (!owner.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            {
                return required ? throw Error($"{field}.{name}", $"cell {cellNumber} has no '{name}' field") : null;
            }
            if (element.ValueKind == JsonValueKind.String)
            {
                return element.GetString();
            }
            if (element.ValueKind == JsonValueKind.Array)
            {
                var builder = new StringBuilder();
                foreach (var line in element.EnumerateArray())
                {
                    if (line.ValueKind != JsonValueKind.String)
                    {
                        throw Error($"{field}.{name}", $"cell {cellNumber}: '{name}' must be a string or an array of strings, found an array holding {Describe(line)}");
                    }
                    builder.Append(line.GetString());
                }
                return builder.ToString();
            }
            throw Error($"{field}.{name}", $"cell {cellNumber}: '{name}' must be a string or an array of strings, found {Describe(element)}");
        }

        private string RequiredString(JsonElement owner, string name, string field, int cellNumber) =>
            owner.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.String
                ? element.GetString()!
                : throw Error($"{field}.{name}", $"cell {cellNumber} has no '{name}' string");

        private static JsonElement? OptionalObject(JsonElement? owner, string name) =>
            owner is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
                ? value
                : null;

        private static string? OptionalString(JsonElement? owner, string name) =>
            owner is { ValueKind: JsonValueKind.Object } element && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;

        private static string Describe(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "null",
        };

        private NotebookFormatException Error(string? field, string why) =>
            new(fileName, field, field is null ? $"{fileName}: {why}" : $"{fileName} ({field}): {why}");
    }
}

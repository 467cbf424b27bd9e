using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Grader.Core.Configuration;

/// <summary>
/// Reads one YAML mapping field by field, recording where each value sits. It checks only the shape (a single value,
/// a block, a list); what the values mean is left to the validators. Keys nobody asked for are reported by
/// <see cref="ReportUnknownKeys"/>, so a typo such as <c>wieght:</c> is never silently ignored.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly YamlMappingNode node;
    private readonly List<ConfigError> errors;
    private readonly HashSet<string> knownKeys = new(StringComparer.Ordinal);

    private YamlMappingReader(YamlMappingNode node, SourceMap source, List<ConfigError> errors)
    {
        this.node = node;
        Source = source;
        this.errors = errors;
    }

    public SourceMap Source { get; }

    /// <summary>
    /// Parses a file whose top level must be a mapping. Syntax errors, an empty file or a top level that is not a
    /// mapping become positioned errors and the result is null.
    /// </summary>
    public static YamlMappingReader? OpenFile(string absolutePath, string relativePath, List<ConfigError> errors)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(absolutePath);
            stream.Load(reader);
        }
        catch (YamlException exception)
        {
            var message = exception.InnerException?.Message ?? exception.Message;
            errors.Add(ConfigError.At(Location(relativePath, exception.Start), $"this is not valid YAML: {Unprefixed(message)}"));
            return null;
        }
        catch (ArgumentException exception)
        {
            // YamlDotNet reports a key given twice in one mapping this way, without a position.
            errors.Add(ConfigError.At(new SourceLocation(relativePath, 1, 1), $"this is not valid YAML: {exception.Message}"));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            errors.Add(ConfigError.At(new SourceLocation(relativePath, 1, 1), "the file is empty"));
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            errors.Add(ConfigError.At(Location(relativePath, second.Start), "the file holds more than one YAML document ('---'); keep one"));
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var rootNode = stream.Documents[0].RootNode;
            errors.Add(ConfigError.At(Location(relativePath, rootNode.Start), "the top level must be a block of 'key: value' fields"));
            return null;
        }

        return new YamlMappingReader(root, new SourceMap(Location(relativePath, root.Start), ""), errors);
    }

    /// <summary>A single value (string, number, date...). Null when the key is absent or its value is empty/null.</summary>
    public string? Scalar(string key)
    {
        var value = Take(key);
        switch (value)
        {
            case null:
                return null;
            case YamlScalarNode scalar:
                return IsNull(scalar) ? null : scalar.Value;
            default:
                AddError(key, $"expected a single value, found {Describe(value)}");
                return null;
        }
    }

    /// <summary>A nested block of fields. Null when absent (or malformed, which is reported).</summary>
    public YamlMappingReader? Mapping(string key)
    {
        var value = Take(key);
        switch (value)
        {
            case null:
                return null;
            case YamlScalarNode scalar when IsNull(scalar):
                return null;
            case YamlMappingNode mapping:
                return new YamlMappingReader(mapping, new SourceMap(Location(Source.File, mapping.Start), Source.PathOf(key)), errors);
            default:
                AddError(key, $"expected a block of 'key: value' fields, found {Describe(value)}");
                return null;
        }
    }

    /// <summary>A list of blocks of fields, each read by its own reader (path <c>key[i]</c>). Null when absent.</summary>
    public IReadOnlyList<YamlMappingReader>? MappingList(string key)
    {
        var items = SequenceItems(key);
        if (items is null)
        {
            return null;
        }

        var readers = new List<YamlMappingReader>();
        for (var index = 0; index < items.Count; index++)
        {
            var path = $"{Source.PathOf(key)}[{index}]";
            if (items[index] is YamlMappingNode mapping)
            {
                readers.Add(new YamlMappingReader(mapping, new SourceMap(Location(Source.File, mapping.Start), path), errors));
            }
            else
            {
                errors.Add(ConfigError.At(new FieldLocation(Location(Source.File, items[index].Start), path),
                    $"expected a block of 'key: value' fields, found {Describe(items[index])}"));
            }
        }

        return readers;
    }

    /// <summary>A list of single values; element i is recorded under the key <c>key[i]</c>. Null when absent.</summary>
    public IReadOnlyList<string>? ScalarList(string key)
    {
        var items = SequenceItems(key);
        if (items is null)
        {
            return null;
        }

        var values = new List<string>();
        for (var index = 0; index < items.Count; index++)
        {
            var elementKey = $"{key}[{index}]";
            Source.Record(elementKey, Location(Source.File, items[index].Start));
            if (items[index] is YamlScalarNode scalar && !IsNull(scalar))
            {
                values.Add(scalar.Value ?? "");
            }
            else
            {
                AddError(elementKey, $"expected a single value, found {Describe(items[index])}");
            }
        }

        return values;
    }

    /// <summary>Reports every key of this mapping that no reader method asked for, suggesting the closest known key.</summary>
    public void ReportUnknownKeys()
    {
        foreach (var (keyNode, _) in node.Children)
        {
            var key = keyNode is YamlScalarNode scalar ? scalar.Value ?? "" : keyNode.ToString();
            if (knownKeys.Contains(key))
            {
                continue;
            }

            var suggestion = ClosestKnownKey(key);
            var hint = suggestion is null
                ? $"known fields here: {string.Join(", ", knownKeys.Order(StringComparer.Ordinal))}"
                : $"did you mean '{suggestion}'?";
            errors.Add(ConfigError.At(new FieldLocation(Location(Source.File, keyNode.Start), Source.PathOf(key)),
                $"unknown field; {hint}"));
        }
    }

    private List<YamlNode>? SequenceItems(string key)
    {
        var value = Take(key);
        switch (value)
        {
            case null:
                return null;
            case YamlScalarNode scalar when IsNull(scalar):
                return null;
            case YamlSequenceNode sequence:
                return [.. sequence.Children];
            default:
                AddError(key, $"expected a list ('- ...' items), found {Describe(value)}");
                return null;
        }
    }

    private YamlNode? Take(string key)
    {
        knownKeys.Add(key);
        if (!node.Children.TryGetValue(new YamlScalarNode(key), out var value))
        {
            return null;
        }

        // The key's position: for a block or a list it is the line that names it, not the first line inside.
        var keyNode = node.Children.Keys.First(k => k is YamlScalarNode scalar && scalar.Value == key);
        Source.Record(key, Location(Source.File, keyNode.Start));
        return value;
    }

    private void AddError(string key, string message)
    {
        errors.Add(ConfigError.At(Source.Field(key), message));
        Source.MarkMalformed(key);
    }

    private string? ClosestKnownKey(string unknown)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in knownKeys)
        {
            var distance = EditDistance(unknown.ToLowerInvariant(), known);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (known, distance);
            }
        }

        // Only a near miss is a useful suggestion; otherwise the list of known fields is clearer.
        return bestDistance <= Math.Max(2, unknown.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitution);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && (string.IsNullOrEmpty(scalar.Value) || scalar.Value is "~" or "null" or "Null" or "NULL");

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a block of fields",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => $"\"{scalar.Value}\"",
        _ => node.NodeType.ToString(),
    };

    private static SourceLocation Location(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);

    private static string Unprefixed(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 40) - (Line: ...): "; the position is already ours.
        var marker = message.LastIndexOf("): ", StringComparison.Ordinal);
        return marker >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(marker + 3)..] : message;
    }
}

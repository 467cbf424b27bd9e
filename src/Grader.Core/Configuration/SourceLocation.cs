namespace Grader.Core.Configuration;

/// <summary>A place in a configuration file. <see cref="File"/> is relative to the repository root, with '/' separators;
/// line and column are 1-based.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A field of a configuration file: where it is and its dotted path (<c>items[2].check</c>).</summary>
/// <param name="ShapeAlreadyReported">The reader already reported this field's shape (a list where a value belongs...),
/// so validators' messages about it ("is missing") would only repeat that.</param>
public sealed record FieldLocation(SourceLocation Location, string FieldPath, bool ShapeAlreadyReported = false);

/// <summary>
/// One problem found in the configuration tree, in plain words, with the file, line and field it is about.
/// <c>ToString()</c> gives the form <c>assignments/hw1-mlp/assignment.yaml:7: field 'due': ...</c>.
/// </summary>
public sealed record ConfigError(string File, int Line, int Column, string Field, string Message)
{
    public static ConfigError At(FieldLocation field, string message) =>
        new(field.Location.File, field.Location.Line, field.Location.Column, field.FieldPath, message);

    public static ConfigError At(SourceLocation location, string message) =>
        new(location.File, location.Line, location.Column, "", message);

    public override string ToString() =>
        Field.Length == 0 ? $"{File}:{Line}: {Message}" : $"{File}:{Line}: field '{Field}': {Message}";
}

/// <summary>
/// Where each field of one YAML mapping sits. Keys are the YAML keys of that mapping; a key that is absent from the file
/// maps to the mapping itself, so an error about a missing field points at the block that should hold it.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourceLocation> fields = new(StringComparer.Ordinal);
    private readonly HashSet<string> malformed = new(StringComparer.Ordinal);

    public SourceMap(SourceLocation mapping, string pathPrefix)
    {
        Mapping = mapping;
        PathPrefix = pathPrefix;
    }

    /// <summary>For records built in code rather than loaded from a file.</summary>
    public static SourceMap None { get; } = new(new SourceLocation("(code)", 0, 0), "");

    /// <summary>Where the mapping starts.</summary>
    public SourceLocation Mapping { get; }

    /// <summary>The dotted path of the mapping inside its file, e.g. <c>items[3]</c>; empty at the top level.</summary>
    public string PathPrefix { get; }

    public string File => Mapping.File;

    internal void Record(string key, SourceLocation location) => fields[key] = location;

    internal void MarkMalformed(string key) => malformed.Add(key);

    /// <summary>True when the key was present in the file.</summary>
    public bool Has(string key) => fields.ContainsKey(key);

    /// <summary>Where <paramref name="key"/> is written (or the mapping, when the key is absent).</summary>
    public SourceLocation this[string key] => fields.TryGetValue(key, out var location) ? location : Mapping;

    /// <summary>The field's location together with its full dotted path, for error messages.</summary>
    public FieldLocation Field(string key) => new(this[key], PathOf(key), malformed.Contains(key));

    public string PathOf(string key) => PathPrefix.Length == 0 ? key : $"{PathPrefix}.{key}";
}

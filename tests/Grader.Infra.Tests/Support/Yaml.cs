using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Grader.Infra.Tests.Support;

/// <summary>YAML documents as YamlDotNet's node tree, with merge keys (<c>&lt;&lt;: *anchor</c>) resolved as compose does.</summary>
internal static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadDocuments(string relativePath)
    {
        string text = Repository.ReadText(relativePath);
        var stream = new YamlStream();
        try
        {
            stream.Load(new MergingParser(new Parser(new StringReader(text))));
        }
        catch (YamlException error)
        {
            Assert.Fail($"{relativePath} is not valid YAML at line {error.Start.Line}, column {error.Start.Column}: {error.Message}");
        }

        return [.. stream.Documents.Select((document, index) => document.RootNode as YamlMappingNode
            ?? throw new AssertionException($"{relativePath}: document {index + 1} is not a mapping"))];
    }

    public static YamlNode? Child(this YamlNode node, string key)
        => node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(key), out var child) ? child : null;

    public static YamlNode Required(this YamlNode node, string key, string where)
        => node.Child(key) ?? throw new AssertionException($"{where}: '{key}' is missing");

    public static string Text(this YamlNode node, string key, string where)
        => node.Required(key, where) is YamlScalarNode { Value: { } value }
            ? value
            : throw new AssertionException($"{where}: '{key}' is not a plain value");

    public static IEnumerable<YamlNode> Items(this YamlNode? node)
        => node is YamlSequenceNode sequence ? sequence.Children : [];

    public static IEnumerable<string> Strings(this YamlNode? node)
        => node.Items().OfType<YamlScalarNode>().Select(scalar => scalar.Value ?? "");

    /// <summary>A compose <c>environment</c> as a dictionary, whether written as a mapping or as <c>KEY=value</c> items.</summary>
    public static IReadOnlyDictionary<string, string> Environment(this YamlNode? node)
    {
        return node switch
        {
            YamlMappingNode mapping => mapping.Children.ToDictionary(
                pair => ((YamlScalarNode)pair.Key).Value ?? "",
                pair => (pair.Value as YamlScalarNode)?.Value ?? ""),
            YamlSequenceNode => node.Strings().Select(item => item.Split('=', 2)).ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : ""),
            _ => new Dictionary<string, string>(),
        };
    }
}

using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Grader.Runner.Compilation;

/// <summary>
/// The plotting packages the grader provides to notebooks (Grader.NotebookKernel references them, the sandbox ships
/// them) and what they reference from the runner's folder (FSharp.Core, DynamicObj, SkiaSharp, ...), found by reading
/// their metadata, nothing loaded. Code can only reach a type of theirs by writing its namespace (in a using, a
/// qualified name or an alias), so code that names none of their namespaces compiles the same without them, and
/// Roslyn then has a tenth fewer references to read. The rest of the runner's folder (Roslyn, EF Core, the reference
/// checks) is never a reference: it is not for student code to see.
/// </summary>
internal static class PlottingPackages
{
    /// <summary>The packages students plot with in .NET notebooks.</summary>
    internal static readonly string[] AssemblyNames = ["Plotly.NET", "Plotly.NET.CSharp", "ScottPlot"];

    // Namespace segments that say nothing about the package: the word after them does ("Microsoft.FSharp" -> "FSharp").
    private static readonly string[] GenericSegments = ["Microsoft", "System"];

    internal static readonly Lazy<PlottingClosure> Closure = new(Read);

    /// <summary>
    /// Whether <paramref name="code"/> may use a plotting type: it contains the distinctive word of one of their
    /// namespaces (or the name of one of their global types) anywhere (a comment mentioning "Plotly" counts too: a needless reference only costs time).
    /// </summary>
    public static bool AreNamedIn(string code)
    {
        var closure = Closure.Value;
        return closure.AlwaysReachableTypes.Count > 0 || closure.NamespaceWords.Any(word => code.Contains(word, StringComparison.Ordinal));
    }

    private static PlottingClosure Read()
    {
        var files = new List<string>();
        var words = new HashSet<string>(StringComparer.Ordinal);
        var alwaysReachable = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Queue<string>(AssemblyNames);
        while (pending.TryDequeue(out var name))
        {
            string path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            if (!seen.Add(name) || !File.Exists(path))
            {
                continue;
            }

            files.Add(path);
            using var pe = new PEReader(File.OpenRead(path));
            var metadata = pe.GetMetadataReader();
            foreach (var handle in metadata.AssemblyReferences)
            {
                pending.Enqueue(metadata.GetString(metadata.GetAssemblyReference(handle).Name));
            }

            foreach (var handle in metadata.TypeDefinitions)
            {
                var type = metadata.GetTypeDefinition(handle);
                // Nested types (no namespace of their own) are reached through their outer type. F# anonymous records
                // are public types named "<>f__AnonymousType..." in the global namespace: C# cannot write their names,
                // so they are reached only through a member of a named type.
                string typeName = metadata.GetString(type.Name);
                int arity = typeName.IndexOf('`', StringComparison.Ordinal);
                if ((type.Attributes & TypeAttributes.VisibilityMask) != TypeAttributes.Public
                    || !type.GetDeclaringType().IsNil
                    || !Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(arity < 0 ? typeName : typeName[..arity]))
                {
                    continue;
                }

                // A type in the global namespace is reached by its own name (Plotly.NET has "Globals"). One in a namespace
                // every submission has open (System, System.Linq, the kernel's) may be reached without any name, e.g. an
                // extension method: then the packages are always referenced.
                string space = metadata.GetString(type.Namespace);
                string? word = space.Length == 0
                    ? (arity < 0 ? typeName : typeName[..arity])
                    : space.Split('.').FirstOrDefault(segment => !GenericSegments.Contains(segment, StringComparer.Ordinal));
                if (word is null || StudentCompiler.ScriptUsings.Contains(space, StringComparer.Ordinal))
                {
                    alwaysReachable.Add($"{space}.{typeName}");
                }
                else
                {
                    words.Add(word);
                }
            }
        }

        return new PlottingClosure(files, [.. words.Order(StringComparer.Ordinal)], alwaysReachable);
    }
}

/// <param name="Files">The packages' assemblies and the ones they reference from the runner's folder.</param>
/// <param name="NamespaceWords">The distinctive word of every namespace with a public type in them ("Plotly", "ScottPlot",
/// "FSharp", ...) and the names of their public types in the global namespace.</param>
/// <param name="AlwaysReachableTypes">Public types of theirs that code reaches without naming any of those words (then
/// the packages are always referenced).</param>
internal sealed record PlottingClosure(IReadOnlyList<string> Files, IReadOnlyList<string> NamespaceWords, IReadOnlyList<string> AlwaysReachableTypes);

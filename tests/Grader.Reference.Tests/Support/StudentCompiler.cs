using System.Reflection;
using System.Runtime.Loader;
using Grader.Contracts;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TorchSharp;

namespace Grader.Reference.Tests.Support;

/// <summary>
/// Compiles C# sources the way the runner does, against the .NET framework, TorchSharp and Grader.Contracts only,
/// and loads the result into a collectible context that shares TorchSharp and the contracts with the test process.
/// </summary>
internal static class StudentCompiler
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal));
        return [.. framework.Append(typeof(torch).Assembly.Location).Append(typeof(IMultilayerPerceptron).Assembly.Location)
            .Select(path => MetadataReference.CreateFromFile(path))];
    });

    /// <summary>Compiles and loads; compile errors fail with their file, line and message.</summary>
    public static Assembly Compile(string assemblyName, IReadOnlyDictionary<string, string> sourcesByFileName)
    {
        var trees = sourcesByFileName.Select(source => CSharpSyntaxTree.ParseText(source.Value,
            new CSharpParseOptions(LanguageVersion.Latest), path: source.Key));
        var compilation = CSharpCompilation.Create(assemblyName, trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            var errors = emitted.Diagnostics.Where(diagnostic => diagnostic.Severity == DiagnosticSeverity.Error).Select(diagnostic => diagnostic.ToString());
            throw new InvalidOperationException($"{assemblyName} does not compile:\n{string.Join("\n", errors)}");
        }

        image.Position = 0;
        return new AssemblyLoadContext(assemblyName, isCollectible: true).LoadFromStream(image);
    }
}

using System.Text.RegularExpressions;
using Grader.Submissions.Intake;

namespace Grader.Submissions.Sources;

/// <summary>
/// The script directives students write in notebooks and .csx files. None of them reaches the compiler: packages
/// come from the grader and student-supplied assemblies are never loaded. Each removal leaves a note.
/// </summary>
internal static partial class DirectiveLines
{
    /// <summary>
    /// Null when the line is ordinary code; otherwise the note explaining why it was blanked, and the package it asks
    /// for when that is one the grader does not provide.
    /// </summary>
    public static (NoteSeverity Severity, string Message, string? MissingPackage)? Classify(string line, SourceSetOptions options)
    {
        var trimmed = line.TrimStart();
        if (!trimmed.StartsWith('#'))
        {
            return null;
        }
        if (NuGetReference().Match(trimmed) is { Success: true } nuget)
        {
            var package = nuget.Groups["package"].Value.Trim();
            var version = nuget.Groups["version"].Success ? nuget.Groups["version"].Value.Trim() : "";
            var shown = version.Length > 0 ? $"{package} {version}" : package;
            return options.ProvidedPackages.Contains(package, StringComparer.OrdinalIgnoreCase)
                ? (NoteSeverity.Info, $"'#r \"nuget: {shown}\"' was removed: packages come from the grader; {package} is provided", null)
                : (NoteSeverity.Warning, $"'#r \"nuget: {shown}\"' was removed: packages come from the grader; {package} is not available in the grader", package);
        }
        if (AssemblyReference().Match(trimmed) is { Success: true } reference)
        {
            // Students reference the course contracts locally to write their notebook; the grader brings its own copy.
            var fileName = reference.Groups["target"].Value.Replace('\\', '/').Split('/')[^1];
            if (options.ProvidedAssemblies.Contains(fileName, StringComparer.OrdinalIgnoreCase))
            {
                return (NoteSeverity.Info, $"'#r \"{reference.Groups["target"].Value}\"' was removed: the grader provides {fileName}", null);
            }

            return (NoteSeverity.Warning,
                $"'#r \"{reference.Groups["target"].Value}\"' was refused: the grader does not load student-supplied assemblies", null);
        }
        if (PackageSourceDirective().IsMatch(trimmed))
        {
            return (NoteSeverity.Info, "'#i' (a package source) was removed: packages come from the grader", null);
        }
        if (LoadDirective().IsMatch(trimmed))
        {
            return (NoteSeverity.Warning, $"'{trimmed.TrimEnd()}' was removed: the grader compiles the submission's C# files itself", null);
        }
        return null;
    }

    [GeneratedRegex("""^#r\s+"\s*nuget\s*:\s*(?<package>[^,"]+?)\s*(,\s*(?<version>[^"]*))?"\s*$""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NuGetReference();

    [GeneratedRegex(""""^#r\s+"(?<target>[^"]*)"""", RegexOptions.CultureInvariant)]
    private static partial Regex AssemblyReference();

    [GeneratedRegex(@"^#i\s+""", RegexOptions.CultureInvariant)]
    private static partial Regex PackageSourceDirective();

    [GeneratedRegex(@"^#load\s+""", RegexOptions.CultureInvariant)]
    private static partial Regex LoadDirective();
}

namespace Grader.Submissions.Notebooks;

/// <summary>Kernel names as .NET Interactive / Polyglot Notebooks spell them, and their aliases.</summary>
public static class NotebookLanguages
{
    public const string CSharp = "csharp";
    public const string FSharp = "fsharp";
    public const string PowerShell = "pwsh";
    public const string Python = "python";
    public const string Markdown = "markdown";
    public const string Raw = "raw";

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["csharp"] = CSharp,
        ["c#"] = CSharp,
        [".net-csharp"] = CSharp,
        ["fsharp"] = FSharp,
        ["f#"] = FSharp,
        [".net-fsharp"] = FSharp,
        ["pwsh"] = PowerShell,
        ["powershell"] = PowerShell,
        [".net-pwsh"] = PowerShell,
        [".net-powershell"] = PowerShell,
        ["javascript"] = "javascript",
        ["js"] = "javascript",
        ["html"] = "html",
        ["markdown"] = Markdown,
        ["md"] = Markdown,
        ["mermaid"] = "mermaid",
        ["value"] = "value",
        ["sql"] = "sql",
        ["kql"] = "kql",
        ["http"] = "http",
        ["python"] = Python,
        ["python3"] = Python,
        ["ipython"] = Python,
        ["ipython3"] = Python,
    };

    /// <summary>The canonical kernel name for a language or kernel name, or null when it is not one this grader knows.</summary>
    public static string? Normalize(string? nameOrAlias) =>
        nameOrAlias is not null && Aliases.TryGetValue(nameOrAlias.Trim(), out var canonical) ? canonical : null;

    /// <summary>How a report names a language ("C#", "F#", "PowerShell").</summary>
    public static string DisplayName(string language) => language switch
    {
        CSharp => "C#",
        FSharp => "F#",
        PowerShell => "PowerShell",
        Python => "Python",
        "javascript" => "JavaScript",
        "html" => "HTML",
        "sql" => "SQL",
        "kql" => "KQL",
        "http" => "HTTP",
        _ => language,
    };
}

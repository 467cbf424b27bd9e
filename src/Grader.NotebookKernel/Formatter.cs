namespace Microsoft.DotNet.Interactive.Formatting;

/// <summary>
/// The kernel's formatter registry: notebooks register how their types are shown. Grading shows nothing, so the
/// registrations are accepted and kept only so that a notebook reading its own settings back sees them.
/// </summary>
public static class Formatter
{
    private static readonly Dictionary<Type, string[]> PreferredMimeTypes = [];

    public static int ListExpansionLimit { get; set; } = 20;

    public static int RecursionLimit { get; set; } = 6;

    public static string DefaultMimeType { get; set; } = "text/html";

    public static void Register<T>(Func<T, string> formatter, string mimeType = "text/plain") => ArgumentNullException.ThrowIfNull(formatter);

    public static void Register<T>(Action<T, TextWriter> formatter, string mimeType = "text/plain") => ArgumentNullException.ThrowIfNull(formatter);

    public static void Register(Type type, Action<object, TextWriter> formatter, string mimeType = "text/plain") => ArgumentNullException.ThrowIfNull(formatter);

    public static void SetPreferredMimeTypesFor(Type type, params string[] mimeTypes)
    {
        lock (PreferredMimeTypes)
        {
            PreferredMimeTypes[type] = mimeTypes;
        }
    }

    public static IReadOnlyList<string> GetPreferredMimeTypesFor(Type type)
    {
        lock (PreferredMimeTypes)
        {
            return PreferredMimeTypes.TryGetValue(type, out var mimeTypes) ? mimeTypes : [DefaultMimeType];
        }
    }

    public static void ResetToDefault()
    {
        lock (PreferredMimeTypes)
        {
            PreferredMimeTypes.Clear();
        }
    }

    /// <summary>The value as the notebook would show it as text.</summary>
    public static string ToDisplayString(this object? value, string mimeType = "text/plain") => value?.ToString() ?? "<null>";
}

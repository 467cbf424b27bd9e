namespace Microsoft.DotNet.Interactive;

/// <summary>
/// The kernel's helpers a notebook calls unqualified (the kernel imports this class statically into every C# cell).
/// Names and shapes follow the .NET Interactive kernel so that notebooks written there compile unchanged; in grading
/// nothing is displayed.
/// </summary>
public static class Kernel
{
    /// <summary>Shows a value in the notebook; in grading, does nothing and returns a handle that ignores updates.</summary>
    public static DisplayedValue display(object? value, params string[] mimeTypes) => new(value);

    /// <summary>Marks a string as HTML for display.</summary>
    public static HtmlContent HTML(string content) => new(content);

    /// <summary>A style sheet for the notebook's page; nothing to style in grading.</summary>
    public static void CSS(string content)
    {
    }

    /// <summary>Script for the notebook's page; never run in grading.</summary>
    public static void Javascript(string scriptContent)
    {
    }
}

/// <summary>A displayed value that can be replaced in place (a progress line, a redrawn plot).</summary>
public sealed class DisplayedValue(object? value)
{
    public object? Value { get; private set; } = value;

    public void Update(object? updatedValue) => Value = updatedValue;
}

/// <summary>Text the notebook shows as HTML.</summary>
public sealed class HtmlContent(string html)
{
    public string Html { get; } = html;

    public override string ToString() => Html;
}

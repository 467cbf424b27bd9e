using Ganss.Xss;
using Markdig;

namespace Grader.Web.Workspace;

/// <summary>
/// The only way HTML a student wrote (notebook markdown, saved <c>text/html</c> outputs) reaches a page: Markdig renders
/// the markdown, then HtmlSanitizer keeps an allow-list of tags, attributes, CSS and URL schemes. No script, no event
/// handler, no <c>javascript:</c> or <c>data:</c> link, no form, no inline SVG, no ids that could shadow the page's own.
/// </summary>
public static class StudentHtml
{
    /// <summary>Markdown longer than this is shown as plain text: the cost of rendering stays bounded.</summary>
    public const int MaxMarkdownChars = 200_000;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseTaskLists()
        .UseAutoLinks()
        .Build();

    // HtmlSanitizer is thread-safe for Sanitize once configured.
    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    /// <summary>A markdown cell's source as safe HTML.</summary>
    public static string Markdown(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Length > MaxMarkdownChars)
        {
            return "<pre>" + System.Net.WebUtility.HtmlEncode(source[..MaxMarkdownChars]) + "\n… (cut)</pre>";
        }

        return Sanitizer.Sanitize(Markdig.Markdown.ToHtml(source, Pipeline));
    }

    /// <summary>HTML a student's notebook saved as an output, as safe HTML (scripts removed, so charts drawn by script are empty).</summary>
    public static string Html(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return Sanitizer.Sanitize(html);
    }

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        foreach (string tag in new[] { "form", "input", "button", "textarea", "select", "option", "optgroup", "fieldset", "legend", "label", "svg", "math", "style" })
        {
            sanitizer.AllowedTags.Remove(tag);
        }

        // Ids and names could shadow the page's own elements (DOM clobbering); links open nothing but the web.
        foreach (string attribute in new[] { "id", "name", "action", "formaction", "background", "usemap", "longdesc" })
        {
            sanitizer.AllowedAttributes.Remove(attribute);
        }

        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowDataAttributes = false;
        sanitizer.PostProcessNode += (_, e) =>
        {
            // A link in a student's notebook leaves the grader: never with the page as its opener or referrer.
            if (e.Node is AngleSharp.Html.Dom.IHtmlAnchorElement anchor)
            {
                anchor.SetAttribute("rel", "nofollow noopener noreferrer");
            }
        };
        return sanitizer;
    }
}

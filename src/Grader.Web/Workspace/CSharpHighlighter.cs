using System.Text;
using System.Text.Encodings.Web;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Grader.Web.Workspace;

/// <summary>
/// C# syntax highlighting done on the server from Roslyn's parse (no script in the page): each line of the code as
/// HTML-encoded text with <c>&lt;span class="cs-…"&gt;</c> around keywords, strings, numbers, comments, directives and
/// declared type names. Parsed as script code, as notebook cells and .csx files compile; a .cs file parses the same.
/// </summary>
public static class CSharpHighlighter
{
    private enum Kind : byte
    {
        Plain,
        Keyword,
        String,
        Number,
        Comment,
        Directive,
        Type,
    }

    private static readonly string?[] ClassOf = [null, "cs-kw", "cs-str", "cs-num", "cs-com", "cs-pp", "cs-type"];

    private static readonly CSharpParseOptions ScriptOptions = new(LanguageVersion.Latest, DocumentationMode.Parse, SourceCodeKind.Script);

    /// <summary>One HTML fragment per line of <paramref name="code"/> (lines split on '\n', a trailing '\r' dropped).</summary>
    public static IReadOnlyList<string> HighlightLines(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var kinds = new Kind[code.Length];
        var root = CSharpSyntaxTree.ParseText(code, ScriptOptions).GetRoot();
        foreach (var token in root.DescendantTokens(descendIntoTrivia: true))
        {
            Mark(kinds, token.Span.Start, token.Span.End, Classify(token));
            foreach (var trivia in token.LeadingTrivia.Concat(token.TrailingTrivia))
            {
                var kind = trivia.Kind() switch
                {
                    SyntaxKind.SingleLineCommentTrivia or SyntaxKind.MultiLineCommentTrivia
                        or SyntaxKind.SingleLineDocumentationCommentTrivia or SyntaxKind.MultiLineDocumentationCommentTrivia => Kind.Comment,
                    SyntaxKind.DisabledTextTrivia => Kind.Comment,
                    _ when trivia.IsDirective => Kind.Directive,
                    _ => Kind.Plain,
                };
                if (kind != Kind.Plain)
                {
                    Mark(kinds, trivia.Span.Start, trivia.Span.End, kind);
                }
            }
        }

        var lines = new List<string>();
        int start = 0;
        while (true)
        {
            int end = code.IndexOf('\n', start);
            int stop = end < 0 ? code.Length : end;
            int textEnd = stop > start && code[stop - 1] == '\r' ? stop - 1 : stop;
            lines.Add(Render(code, kinds, start, textEnd));
            if (end < 0)
            {
                break;
            }

            start = end + 1;
        }

        return lines;
    }

    private static void Mark(Kind[] kinds, int start, int end, Kind kind)
    {
        if (kind == Kind.Plain)
        {
            return;
        }

        for (int i = Math.Max(0, start); i < Math.Min(end, kinds.Length); i++)
        {
            // A directive's trivia holds the tokens of the directive: the whole line stays a directive.
            if (kinds[i] != Kind.Directive)
            {
                kinds[i] = kind;
            }
        }
    }

    private static Kind Classify(SyntaxToken token)
    {
        var kind = token.Kind();
        if (SyntaxFacts.IsKeywordKind(kind) || (kind == SyntaxKind.IdentifierToken && token.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax { IsVar: true }))
        {
            return Kind.Keyword;
        }

        switch (kind)
        {
            case SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.InterpolatedStringTextToken
                or SyntaxKind.InterpolatedStringStartToken or SyntaxKind.InterpolatedStringEndToken or SyntaxKind.InterpolatedVerbatimStringStartToken
                or SyntaxKind.InterpolatedRawStringEndToken or SyntaxKind.InterpolatedSingleLineRawStringStartToken or SyntaxKind.InterpolatedMultiLineRawStringStartToken
                or SyntaxKind.SingleLineRawStringLiteralToken or SyntaxKind.MultiLineRawStringLiteralToken
                or SyntaxKind.Utf8StringLiteralToken or SyntaxKind.Utf8SingleLineRawStringLiteralToken or SyntaxKind.Utf8MultiLineRawStringLiteralToken:
                return Kind.String;
            case SyntaxKind.NumericLiteralToken:
                return Kind.Number;
            case SyntaxKind.IdentifierToken when token.Parent is Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.DelegateDeclarationSyntax:
                return Kind.Type;
            default:
                return Kind.Plain;
        }
    }

    private static string Render(string code, Kind[] kinds, int start, int end)
    {
        var html = new StringBuilder();
        int run = start;
        while (run < end)
        {
            int next = run;
            while (next < end && kinds[next] == kinds[run])
            {
                next++;
            }

            string text = HtmlEncoder.Default.Encode(code[run..next]);
            if (ClassOf[(int)kinds[run]] is { } cssClass)
            {
                html.Append("<span class=\"").Append(cssClass).Append("\">").Append(text).Append("</span>");
            }
            else
            {
                html.Append(text);
            }

            run = next;
        }

        return html.ToString();
    }
}

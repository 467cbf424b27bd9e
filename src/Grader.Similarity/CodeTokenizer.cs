using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Grader.Similarity;

/// <summary>A token reduced to what survives renaming: its normalised kind, and the 1-based line it starts on.</summary>
public readonly record struct CodeToken(SyntaxKind Kind, int Line);

/// <summary>
/// Turns C# into a stream of normalised tokens with Roslyn's lexer: identifiers and literals keep only their kind (so
/// renaming a variable or changing a constant changes nothing), trivia, comments and directives are dropped.
/// </summary>
public static class CodeTokenizer
{
    // Script kind accepts both .cs and .csx/notebook code (top-level statements, #r directives become trivia).
    private static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default
        .WithKind(SourceCodeKind.Script)
        .WithLanguageVersion(LanguageVersion.Preview);

    /// <summary>The normalised tokens of <paramref name="file"/>, with lines counted from its <see cref="SourceFile.FirstLine"/>.</summary>
    public static IReadOnlyList<CodeToken> Tokenize(SourceFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Tokenize(file.Text, file.FirstLine);
    }

    /// <summary>The normalised tokens of <paramref name="text"/>; <paramref name="firstLine"/> is the number of its first line.</summary>
    public static IReadOnlyList<CodeToken> Tokenize(string text, int firstLine = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = SourceText.From(text).Lines;
        var tokens = new List<CodeToken>(text.Length / 4);
        foreach (var token in SyntaxFactory.ParseTokens(text, options: ParseOptions))
        {
            if (token.IsKind(SyntaxKind.EndOfFileToken))
            {
                break;
            }

            tokens.Add(new CodeToken(Normalize(token.Kind()), lines.GetLineFromPosition(token.SpanStart).LineNumber + firstLine));
        }

        return tokens;
    }

    /// <summary>Folds the kinds that differ only in spelling into one: every string form is a string literal.</summary>
    internal static SyntaxKind Normalize(SyntaxKind kind) => kind switch
    {
        SyntaxKind.InterpolatedStringToken
            or SyntaxKind.InterpolatedStringTextToken
            or SyntaxKind.SingleLineRawStringLiteralToken
            or SyntaxKind.MultiLineRawStringLiteralToken
            or SyntaxKind.Utf8StringLiteralToken
            or SyntaxKind.Utf8SingleLineRawStringLiteralToken
            or SyntaxKind.Utf8MultiLineRawStringLiteralToken => SyntaxKind.StringLiteralToken,
        _ => kind,
    };
}

using Microsoft.CodeAnalysis.CSharp;

namespace Grader.Similarity.Tests;

public sealed class CodeTokenizerTests
{
    [Test]
    public void RenamedIdentifiersAndChangedLiteralsGiveTheSameKinds()
    {
        var original = CodeTokenizer.Tokenize("int total = count * 2 + 0.5; string s = \"a\";");
        var disguised = CodeTokenizer.Tokenize("int sum = n * 7 + 1e3; string text = $\"b{sum}\";");

        Assert.That(disguised.Select(t => t.Kind), Is.EqualTo(original.Select(t => t.Kind)));
    }

    [Test]
    public void DifferentOperatorsOrKeywordsGiveDifferentKinds()
    {
        var plus = CodeTokenizer.Tokenize("x = a + b;");
        var minus = CodeTokenizer.Tokenize("x = a - b;");

        Assert.That(minus.Select(t => t.Kind), Is.Not.EqualTo(plus.Select(t => t.Kind)));
    }

    [Test]
    public void CommentsTriviaAndDirectivesAreDroppedAndLinesAreKept()
    {
        const string text = "#r \"nuget: TorchSharp\"\n// a comment\n/* block\n comment */ int\n\n   x = 1; // tail";

        var tokens = CodeTokenizer.Tokenize(text, firstLine: 10);

        Assert.That(tokens.Select(t => t.Kind), Is.EqualTo(new[]
        {
            SyntaxKind.IntKeyword, SyntaxKind.IdentifierToken, SyntaxKind.EqualsToken, SyntaxKind.NumericLiteralToken, SyntaxKind.SemicolonToken,
        }));
        Assert.That(tokens.Select(t => t.Line), Is.EqualTo(new[] { 13, 15, 15, 15, 15 }));
    }

    [Test]
    public void RawAndUtf8StringsCountAsStrings()
    {
        var kinds = CodeTokenizer.Tokenize("a = \"\"\"raw\"\"\"; b = \"x\"u8; c = @\"v\";").Where(t => t.Kind == SyntaxKind.StringLiteralToken);

        Assert.That(kinds.Count(), Is.EqualTo(3));
    }

    [Test]
    public void EmptyTextHasNoTokens()
    {
        Assert.That(CodeTokenizer.Tokenize("  // nothing\n"), Is.Empty);
    }
}

using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Grader.Similarity;

/// <summary>
/// Makes seeded look-alike copies of a C# solution, the way students disguise a copy: renamed variables and members,
/// changed numeric literals, reordered class members, a few inserted or deleted statements, different formatting.
/// For the benchmark and the tests; the same seed gives the same variants.
/// </summary>
public static class SubmissionVariants
{
    /// <summary><paramref name="count"/> variants of <paramref name="source"/>, variant i seeded with <c>seed + i</c>.</summary>
    public static IReadOnlyList<string> Generate(string source, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var declared = DeclaredNames(root);
        return Enumerable.Range(0, count).Select(i => Disguise(root, declared, new Random(seed + i))).ToList();
    }

    /// <summary>One disguised copy of <paramref name="source"/>.</summary>
    public static string Disguise(string source, Random random)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(random);
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        return Disguise(root, DeclaredNames(root), random);
    }

    private static string Disguise(SyntaxNode root, IReadOnlyList<string> declared, Random random)
    {
        var renames = declared.Where(_ => random.NextDouble() < 0.7).ToDictionary(name => name, name => NewName(name, random), StringComparer.Ordinal);
        var rewritten = new DisguiseRewriter(renames, random).Visit(root);
        // Reformatting changes every line's layout; the token stream is what must still match.
        return (random.NextDouble() < 0.5 ? rewritten.NormalizeWhitespace() : rewritten).ToFullString();
    }

    /// <summary>Names the code itself declares (locals, parameters, fields, methods): renaming these keeps it compiling.</summary>
    private static List<string> DeclaredNames(SyntaxNode root)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var node in root.DescendantNodes())
        {
            var identifier = node switch
            {
                VariableDeclaratorSyntax v => v.Identifier,
                ParameterSyntax p => p.Identifier,
                ForEachStatementSyntax f => f.Identifier,
                MethodDeclarationSyntax m when m.Modifiers.Any(SyntaxKind.PrivateKeyword) || m.Modifiers.Count == 0 || m.Modifiers.Any(SyntaxKind.StaticKeyword) => m.Identifier,
                _ => default,
            };
            if (identifier.IsKind(SyntaxKind.IdentifierToken))
            {
                names.Add(identifier.ValueText);
            }
        }

        return [.. names];
    }

    private static string NewName(string name, Random random)
    {
        string[] stems = ["value", "temp", "data", "item", "result", "cur", "my", "x", "buf", "acc"];
        return $"{stems[random.Next(stems.Length)]}{char.ToUpperInvariant(name[0])}{name[1..]}{random.Next(100)}";
    }

    private sealed class DisguiseRewriter(IReadOnlyDictionary<string, string> renames, Random random) : CSharpSyntaxRewriter
    {
        private int extraStatements;

        public override SyntaxToken VisitToken(SyntaxToken token)
        {
            if (token.IsKind(SyntaxKind.IdentifierToken) && renames.TryGetValue(token.ValueText, out string? newName))
            {
                return SyntaxFactory.Identifier(token.LeadingTrivia, newName, token.TrailingTrivia);
            }

            if (token.IsKind(SyntaxKind.NumericLiteralToken) && token.Value is int number && random.NextDouble() < 0.4)
            {
                int changed = number + random.Next(1, 5);
                return SyntaxFactory.Literal(token.LeadingTrivia, changed.ToString(CultureInfo.InvariantCulture), changed, token.TrailingTrivia);
            }

            return base.VisitToken(token);
        }

        public override SyntaxNode? VisitClassDeclaration(ClassDeclarationSyntax node)
        {
            var visited = (ClassDeclarationSyntax)base.VisitClassDeclaration(node)!;
            if (random.NextDouble() >= 0.6)
            {
                return visited;
            }

            var members = visited.Members.ToList();
            // Fisher–Yates: every order equally likely.
            for (int i = members.Count - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (members[i], members[j]) = (members[j], members[i]);
            }

            return visited.WithMembers(SyntaxFactory.List(members));
        }

        public override SyntaxNode? VisitBlock(BlockSyntax node)
        {
            var visited = (BlockSyntax)base.VisitBlock(node)!;
            var statements = visited.Statements.ToList();
            double roll = random.NextDouble();
            if (roll < 0.05 && statements.Count > 2)
            {
                statements.RemoveAt(random.Next(statements.Count));
            }
            else if (roll < 0.15)
            {
                var extra = SyntaxFactory.ParseStatement($"var unused{++extraStatements} = {random.Next(1000)};")
                    .WithLeadingTrivia(SyntaxFactory.ElasticLineFeed)
                    .WithTrailingTrivia(SyntaxFactory.ElasticLineFeed);
                statements.Insert(random.Next(statements.Count + 1), extra);
            }

            return visited.WithStatements(SyntaxFactory.List(statements));
        }
    }
}

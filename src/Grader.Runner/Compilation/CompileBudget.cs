using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Grader.Runner.Compilation;

/// <summary>
/// How long and how much memory compiling one submission may take in the grader's own process (assignment.yaml:
/// <c>resources.compile_seconds</c>, <c>resources.compile_memory_mb</c>). Roslyn runs the student's code through
/// constant folding and overload resolution, both of which a few lines can make exponential.
/// </summary>
public sealed record CompileBudget(int Seconds = CompileBudget.DefaultSeconds, int MemoryMb = CompileBudget.DefaultMemoryMb)
{
    public const int DefaultSeconds = 20;
    public const int DefaultMemoryMb = 1024;

    public static CompileBudget Default { get; } = new();

    public string TooLongMessage => $"your code is too complex to compile within {Seconds} s";

    public string TooBigMessage => $"your code is too complex to compile within {MemoryText}";

    private string MemoryText => MemoryMb % 1024 == 0 ? $"{MemoryMb / 1024} GB" : $"{MemoryMb} MB";
}

/// <summary>
/// Syntax-level checks for the two shapes of code whose compile cost explodes before Roslyn looks at its
/// cancellation token: constant strings built by doubling (folded and written out whole, 24 lines reach 3 GB) and
/// implicitly typed lambdas nested as arguments (each level multiplies overload resolution by the overload count).
/// </summary>
internal static class CompileComplexity
{
    /// <summary>All constant strings together; real homework has a few hundred characters of them.</summary>
    internal const long MaxConstantChars = 1_000_000;

    /// <summary>Nested lambdas with inferred parameter types, as arguments; LINQ in homework nests 2-3 deep.</summary>
    internal const int MaxInferredLambdaDepth = 6;

    public static CompilerMessage? Check(IReadOnlyList<SyntaxTree> trees, CompileBudget budget)
        => ConstantStrings(trees, budget) ?? NestedLambdas(trees, budget);

    private static CompilerMessage? ConstantStrings(IReadOnlyList<SyntaxTree> trees, CompileBudget budget)
    {
        var declared = new Dictionary<string, List<VariableDeclaratorSyntax>>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            foreach (var declarator in tree.GetRoot().DescendantNodes().OfType<VariableDeclaratorSyntax>())
            {
                bool isConst = declarator.Parent?.Parent switch
                {
                    FieldDeclarationSyntax field => field.Modifiers.Any(SyntaxKind.ConstKeyword),
                    LocalDeclarationStatementSyntax local => local.IsConst,
                    _ => false,
                };
                if (isConst && declarator.Initializer is not null)
                {
                    (declared.TryGetValue(declarator.Identifier.ValueText, out var list) ? list : declared[declarator.Identifier.ValueText] = []).Add(declarator);
                }
            }
        }

        // An upper bound on each constant's length by name (the largest of the constants of that name), saturating.
        var length = new Dictionary<string, long>(StringComparer.Ordinal);
        long LengthOf(string name)
        {
            if (length.TryGetValue(name, out long known))
            {
                return known;
            }

            if (!declared.TryGetValue(name, out var declarators))
            {
                return 0;
            }

            length[name] = 0; // a cycle is the compiler's error to report
            long longest = declarators.Max(d => Estimate(d.Initializer!.Value));
            length[name] = longest;
            return longest;
        }

        long Estimate(ExpressionSyntax expression) => expression switch
        {
            LiteralExpressionSyntax literal => literal.IsKind(SyntaxKind.StringLiteralExpression) ? literal.Token.ValueText.Length : literal.Span.Length,
            BinaryExpressionSyntax binary => Add(Estimate(binary.Left), Estimate(binary.Right)),
            ParenthesizedExpressionSyntax parenthesized => Estimate(parenthesized.Expression),
            CastExpressionSyntax cast => Estimate(cast.Expression),
            IdentifierNameSyntax identifier => LengthOf(identifier.Identifier.ValueText),
            MemberAccessExpressionSyntax member => LengthOf(member.Name.Identifier.ValueText),
            InterpolatedStringExpressionSyntax interpolated => interpolated.Contents.Aggregate(0L, (sum, part) => Add(sum, part switch
            {
                InterpolationSyntax hole => Estimate(hole.Expression),
                _ => part.Span.Length,
            })),
            _ => expression.Span.Length,
        };

        long total = 0;
        string? largest = null;
        long largestLength = -1;
        foreach (var name in declared.Keys)
        {
            long each = LengthOf(name);
            total = Add(total, each);
            if (each > largestLength)
            {
                (largest, largestLength) = (name, each);
            }
        }

        if (total <= MaxConstantChars)
        {
            return null;
        }

        var at = declared[largest!][0].GetLocation().GetMappedLineSpan();
        return new CompilerMessage(at.Path ?? "", at.StartLinePosition.Line + 1, at.StartLinePosition.Character + 1, StudentCompiler.OverBudgetId,
            $"{budget.TooBigMessage}: its constant strings would hold {Shown(total)} characters ('{largest}' alone {Shown(largestLength)}); the grader compiles up to {Shown(MaxConstantChars)}", true);
    }

    private static CompilerMessage? NestedLambdas(IReadOnlyList<SyntaxTree> trees, CompileBudget budget)
    {
        foreach (var tree in trees)
        {
            foreach (var lambda in tree.GetRoot().DescendantNodes().OfType<AnonymousFunctionExpressionSyntax>().Where(IsInferredArgument))
            {
                int depth = lambda.AncestorsAndSelf().OfType<AnonymousFunctionExpressionSyntax>().Count(IsInferredArgument);
                if (depth > MaxInferredLambdaDepth)
                {
                    var at = lambda.GetLocation().GetMappedLineSpan();
                    return new CompilerMessage(at.Path ?? "", at.StartLinePosition.Line + 1, at.StartLinePosition.Character + 1, StudentCompiler.OverBudgetId,
                        $"{budget.TooLongMessage}: lambdas nested {depth} deep as arguments, with parameter types left to the compiler, make it try every combination of overloads (the grader compiles up to {MaxInferredLambdaDepth}); give the lambdas' parameters explicit types or split the expression", true);
                }
            }
        }

        return null;
    }

    // Overload resolution binds such a lambda once per candidate delegate type; explicit parameter types bind it once.
    private static bool IsInferredArgument(AnonymousFunctionExpressionSyntax lambda)
        => lambda.Parent is ArgumentSyntax && lambda switch
        {
            SimpleLambdaExpressionSyntax => true,
            ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.ParameterList.Parameters.Any(p => p.Type is null),
            _ => false,
        };

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static string Shown(long chars) => chars == long.MaxValue ? "more than 9e18" : chars.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}

using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Grader.Runner.Compilation;

/// <summary>
/// Cuts script code into the submissions the compiler chains: one per notebook cell, as the kernel runs them, except
/// that consecutive cells are joined when joining them cannot change what compiles or what it means. That is the
/// case unless a cell
/// <list type="bullet">
/// <item>opens namespaces (<c>using</c>, <c>extern alias</c>, assembly attributes): a script allows them only at its top;</item>
/// <item>declares a name the cells before it in the group declared (the later declaration must hide the earlier one);</item>
/// <item>declares a name the cells before it in the group use (the kernel binds those uses without it);</item>
/// <item>follows a cell that ends in a bare expression (legal only at the end of a submission), or has a syntax error
/// (an unclosed brace must not swallow the next cell, and the error must stay with its own cell).</item>
/// </list>
/// Each tree is padded with empty lines so that its line numbers are those of its code unit's text.
/// </summary>
internal static class ScriptSubmissions
{
    /// <param name="openNamespaces">What every submission imports already (the compilation's usings).</param>
    public static IReadOnlyList<SyntaxTree> Plan(IReadOnlyList<CodeUnit> units, CSharpParseOptions scriptOptions, IEnumerable<string> openNamespaces)
    {
        var trees = new List<SyntaxTree>();
        // Using directives in force so far, as written: a later submission inherits every earlier one's.
        var open = new HashSet<string>(openNamespaces.Select(name => $"using {name};"), StringComparer.Ordinal);
        foreach (var unit in units)
        {
            var lines = unit.Text.Split('\n');
            Group? group = null;
            foreach (var (firstLine, lineCount) in unit.Cells ?? [(0, lines.Length)])
            {
                var cell = Parse(unit.Path, lines, firstLine, firstLine + lineCount, scriptOptions);
                var root = (CompilationUnitSyntax)cell.GetRoot();
                if (group is not null && BlankRepeatedUsings(root, lines, open))
                {
                    // Students open the same namespaces in every class cell; those lines change nothing, and without
                    // them the cell can join the submission before it (HW3's notebook: 5 assemblies -> 1).
                    cell = Parse(unit.Path, lines, firstLine, firstLine + lineCount, scriptOptions);
                    root = (CompilationUnitSyntax)cell.GetRoot();
                }

                open.UnionWith(root.Usings.Select(Normalized));
                var declared = DeclaredNames(root);
                bool broken = root.ContainsDiagnostics && cell.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
                bool startsSubmission = group is null
                    || group.Closed
                    || broken
                    || root.Usings.Count > 0 || root.Externs.Count > 0 || root.AttributeLists.Count > 0
                    || declared.Overlaps(group.Declared)
                    || declared.Overlaps(group.Used);
                if (startsSubmission)
                {
                    if (group is not null)
                    {
                        trees.Add(group.Tree(unit.Path, lines, scriptOptions));
                    }

                    group = new Group(firstLine, cell);
                }

                group!.Add(firstLine + lineCount, declared, UsedNames(root), closes: broken || EndsInBareExpression(root));
            }

            if (group is not null)
            {
                trees.Add(group.Tree(unit.Path, lines, scriptOptions));
            }
        }

        return trees;
    }

    /// <summary>
    /// Blanks the cell's using directives when every one of them is already in force (each alone on its line), so that
    /// line numbers stay the cell's; false, and nothing blanked, when any of them opens something new.
    /// </summary>
    private static bool BlankRepeatedUsings(CompilationUnitSyntax root, string[] lines, HashSet<string> open)
    {
        if (root.Usings.Count == 0 || root.Externs.Count > 0 || root.AttributeLists.Count > 0)
        {
            return false;
        }

        var directiveLines = new List<int>();
        foreach (var directive in root.Usings)
        {
            var span = directive.GetLocation().GetLineSpan();
            int line = span.StartLinePosition.Line;
            if (!open.Contains(Normalized(directive)) || span.EndLinePosition.Line != line || lines[line].Trim() != directive.ToString().Trim())
            {
                return false;
            }

            directiveLines.Add(line);
        }

        foreach (int line in directiveLines)
        {
            lines[line] = "";
        }

        return true;
    }

    private static string Normalized(UsingDirectiveSyntax directive) => directive.NormalizeWhitespace().ToString();

    private static SyntaxTree Parse(string path, string[] lines, int firstLine, int endLine, CSharpParseOptions options)
    {
        var text = new System.Text.StringBuilder(new string('\n', firstLine));
        text.AppendJoin('\n', lines[firstLine..Math.Min(endLine, lines.Length)]);
        return CSharpSyntaxTree.ParseText(text.ToString(), options, path: path);
    }

    private sealed class Group(int firstLine, SyntaxTree firstCell)
    {
        private int _endLine;
        private int _cells;

        public HashSet<string> Declared { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

        public bool Closed { get; private set; }

        public void Add(int endLine, IEnumerable<string> declared, IEnumerable<string> used, bool closes)
        {
            _endLine = endLine;
            _cells++;
            Declared.UnionWith(declared);
            Used.UnionWith(used);
            Closed = closes;
        }

        /// <summary>A group of one cell keeps the tree it was parsed as; a longer one is parsed again, joined.</summary>
        public SyntaxTree Tree(string path, string[] lines, CSharpParseOptions options)
            => _cells == 1 ? firstCell : Parse(path, lines, firstLine, _endLine, options);
    }

    /// <summary>A script may end in an expression without a semicolon: the submission's value, which the kernel displays.</summary>
    private static bool EndsInBareExpression(CompilationUnitSyntax root)
        => root.Members.LastOrDefault() is GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } };

    private static HashSet<string> UsedNames(CompilationUnitSyntax root)
        => [.. root.DescendantNodes().OfType<SimpleNameSyntax>().Select(name => name.Identifier.ValueText)];

    /// <summary>
    /// Every name the cell declares at the script's level: its types, methods, properties and fields, and the variables
    /// and local functions of its top-level statements (including <c>out var</c>, patterns and deconstructions, which
    /// become script fields too). Variables of nested scopes (blocks, loops, lambdas) are left out: they do not
    /// clash between cells. When in doubt a name is included: a needless cut only costs time.
    /// </summary>
    private static HashSet<string> DeclaredNames(CompilationUnitSyntax root)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in root.Members)
        {
            switch (member)
            {
                case GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax function }:
                    names.Add(function.Identifier.ValueText);
                    break;
                case GlobalStatementSyntax global:
                    foreach (var node in global.Statement.DescendantNodesAndSelf(descendIntoChildren: node => !OpensNestedScope(node)))
                    {
                        switch (node)
                        {
                            case VariableDeclaratorSyntax variable:
                                names.Add(variable.Identifier.ValueText);
                                break;
                            case SingleVariableDesignationSyntax designation:
                                names.Add(designation.Identifier.ValueText);
                                break;
                        }
                    }

                    break;
                case BaseTypeDeclarationSyntax type:
                    names.Add(type.Identifier.ValueText);
                    break;
                case DelegateDeclarationSyntax @delegate:
                    names.Add(@delegate.Identifier.ValueText);
                    break;
                case MethodDeclarationSyntax method:
                    names.Add(method.Identifier.ValueText);
                    break;
                case PropertyDeclarationSyntax property:
                    names.Add(property.Identifier.ValueText);
                    break;
                case EventDeclarationSyntax @event:
                    names.Add(@event.Identifier.ValueText);
                    break;
                case BaseFieldDeclarationSyntax field:
                    names.UnionWith(field.Declaration.Variables.Select(variable => variable.Identifier.ValueText));
                    break;
                default:
                    // Anything else at the top of a script (a namespace, an operator...) is kept apart by its own name set:
                    // its tokens count as declared so that it never shares a submission with a cell that declares them.
                    names.UnionWith(member.DescendantTokens().Where(token => token.IsKind(SyntaxKind.IdentifierToken)).Select(token => token.ValueText));
                    break;
            }
        }

        return names;
    }

    private static bool OpensNestedScope(SyntaxNode node) => node is BlockSyntax
        or AnonymousFunctionExpressionSyntax
        or LocalFunctionStatementSyntax
        or ForStatementSyntax or CommonForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax
        or UsingStatementSyntax or LockStatementSyntax or FixedStatementSyntax or TryStatementSyntax or SwitchStatementSyntax
        or QueryExpressionSyntax or SwitchExpressionSyntax;
}

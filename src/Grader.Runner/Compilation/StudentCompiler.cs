using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Grader.Runner.Compilation;

/// <summary>One unit of student code as the compiler sees it, with the name diagnostics should carry.</summary>
/// <param name="Path">Path within the submission ("src/Mlp.cs", or the notebook's generated script name).</param>
/// <param name="Text">The code.</param>
/// <param name="IsScript">Notebook cells and .csx: top-level statements and declarations mixed, compiled as a script.</param>
/// <param name="Cells">Notebooks: each cell's first line (zero-based) and line count within <paramref name="Text"/>.</param>
public sealed record CodeUnit(string Path, string Text, bool IsScript, IReadOnlyList<(int FirstLine, int LineCount)>? Cells = null);

/// <summary>A compiler message at a place in the student's code (in the coordinates of the compiled text).</summary>
public sealed record CompilerMessage(string Path, int Line, int Column, string Id, string Message, bool IsError);

public sealed record CompilationOutcome(byte[]? Assembly, IReadOnlyList<CompilerMessage> Messages, IReadOnlyList<PolicyViolation> Violations)
{
    public bool Succeeded => Assembly is not null && !Messages.Any(m => m.IsError) && !Violations.Any(v => v.Severity == PolicySeverity.Reject);
}

/// <summary>
/// Compiles a submission with Roslyn against TorchSharp and the assignment contracts, then applies the static policy
/// to the syntax (for precise locations) and to the emitted IL (for what the compiler generated). The reference
/// assemblies are loaded once per process: recreating them costs far more than compiling a homework.
/// </summary>
public sealed class StudentCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    // What a .NET Interactive notebook has in scope without asking; scripts get them as usings, files as global usings.
    private static readonly string[] DefaultUsings =
        ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    // Notebook helpers the grader does not run but must compile. Appended after the student's code so line numbers
    // stay the student's own.
    private const string NotebookHelpers = "\nstatic void display(object value) { }\nstatic void display(params object[] values) { }\n";

    private readonly StaticPolicy _policy;

    public StudentCompiler(StaticPolicy policy)
    {
        _policy = policy;
    }

    /// <summary>
    /// Compiles a small notebook-like script a few times, so that a long-lived grader pays Roslyn's first compilations
    /// (loading the references, the JIT: ~1 s) before its first submission rather than during it.
    /// </summary>
    public static void WarmUp()
    {
        const string script = """
            using TorchSharp;
            using static TorchSharp.torch;
            public class WarmUpModel
            {
                private Tensor weights = zeros(3, 2);
                public Tensor Forward(Tensor input) => nn.functional.relu(input.matmul(weights.t()) + 1.0f);
                public double Score(IEnumerable<float> values) => values.Where(v => v > 0).Select(v => (double)v).DefaultIfEmpty().Average();
            }
            var model = new WarmUpModel();
            display(model.Forward(ones(4, 2)).shape);
            """;
        var compiler = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()));
        for (int round = 0; round < 3; round++)
        {
            compiler.Compile([new CodeUnit("warm-up.csx", script, IsScript: true)], "grader-warm-up");
        }
    }

    public CompilationOutcome Compile(IReadOnlyList<CodeUnit> units, string assemblyName = "student")
    {
        if (units.Count == 0)
        {
            return new CompilationOutcome(null, [new CompilerMessage("", 0, 0, "GRADER001", "the submission holds no C# code (no .cs, .csx or C# notebook cells)", true)], []);
        }

        var scripts = units.Where(u => u.IsScript).ToList();
        CSharpCompilation compilation;
        // Where the grader wrote its own #line directives; the policy refuses any other.
        var graderDirectives = new HashSet<int>();
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest);
        if (scripts.Count > 0)
        {
            // A script compilation takes exactly one tree: notebook cells and .csx files are joined, with #line
            // directives so that each diagnostic names its own file and line. A notebook may open namespaces in
            // any cell, but a script only at its top, so each cell's using directives are hoisted (each with its own
            // #line) and their original lines blanked.
            var hoisted = new System.Text.StringBuilder();
            var bodies = new System.Text.StringBuilder();
            var bodyDirectives = new List<int>();
            foreach (var unit in units)
            {
                var lines = unit.Text.Split('\n');
                foreach (int usingLine in UsingDirectiveLines(unit, parseOptions))
                {
                    graderDirectives.Add(hoisted.Length);
                    hoisted.Append("#line ").Append(usingLine + 1).Append(" \"").Append(LinePath(unit)).Append("\"\n");
                    hoisted.Append(lines[usingLine].TrimEnd('\r')).Append('\n');
                    lines[usingLine] = "";
                }

                bodyDirectives.Add(bodies.Length);
                bodies.Append("#line 1 \"").Append(LinePath(unit)).Append("\"\n");
                bodies.Append(string.Join('\n', lines)).Append('\n');
            }

            graderDirectives.UnionWith(bodyDirectives.Select(offset => hoisted.Length + offset));
            graderDirectives.Add(hoisted.Length + bodies.Length);
            var joined = new System.Text.StringBuilder().Append(hoisted).Append(bodies).Append("#line hidden").Append(NotebookHelpers);
            var tree = CSharpSyntaxTree.ParseText(joined.ToString(), parseOptions.WithKind(SourceCodeKind.Script), path: scripts[0].Path);
            compilation = CSharpCompilation.CreateScriptCompilation(
                assemblyName, tree, References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: DefaultUsings, allowUnsafe: false,
                    optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Disable));
        }
        else
        {
            var trees = units.Select(u => CSharpSyntaxTree.ParseText(u.Text, parseOptions, path: u.Path)).ToList();
            trees.Add(CSharpSyntaxTree.ParseText(string.Concat(DefaultUsings.Select(u => $"global using {u};\n")), parseOptions, path: "<grader-usings>"));
            compilation = CSharpCompilation.Create(
                assemblyName, trees, References.Value,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: false,
                    optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Disable));
        }

        var violations = new List<PolicyViolation>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            violations.AddRange(_policy.CheckSource(compilation.GetSemanticModel(tree), graderDirectives));
        }

        using var output = new MemoryStream();
        EmitResult emitted = compilation.Emit(output);
        var messages = emitted.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.WarningLevel <= 1 && !InGraderCode(d)))
            .Select(ToMessage)
            .ToList();
        if (!emitted.Success)
        {
            return new CompilationOutcome(null, messages, violations);
        }

        byte[] assembly = output.ToArray();
        violations.AddRange(_policy.CheckCompiledAssembly(assembly, violations));
        return new CompilationOutcome(assembly, messages, violations);
    }

    /// <summary>A warning about the grader's own hidden helpers is not the student's business.</summary>
    private static bool InGraderCode(Diagnostic diagnostic)
        => diagnostic.Location.SourceTree is { } tree && tree.GetLineVisibility(diagnostic.Location.SourceSpan.Start) == LineVisibility.Hidden;

    private static string LinePath(CodeUnit unit) => unit.Path.Replace("\"", "'", StringComparison.Ordinal);

    /// <summary>Zero-based lines holding a using directive at the top of a cell (or of the unit when it has no cells).</summary>
    private static IEnumerable<int> UsingDirectiveLines(CodeUnit unit, CSharpParseOptions parseOptions)
    {
        var lines = unit.Text.Split('\n');
        foreach (var (first, count) in unit.Cells ?? [(0, lines.Length)])
        {
            string cell = string.Join('\n', lines.Skip(first).Take(count));
            var root = (Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax)CSharpSyntaxTree.ParseText(cell, parseOptions.WithKind(SourceCodeKind.Script)).GetRoot();
            foreach (var directive in root.Usings)
            {
                var span = directive.GetLocation().GetLineSpan();
                if (span.StartLinePosition.Line == span.EndLinePosition.Line)
                {
                    yield return first + span.StartLinePosition.Line;
                }
            }
        }
    }

    private static CompilerMessage ToMessage(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetMappedLineSpan();
        string message = diagnostic.Id == "CS0227"
            ? "unsafe code is not allowed in submissions"
            : diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        return new CompilerMessage(span.Path ?? "", span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1,
            diagnostic.Id, message, diagnostic.Severity == DiagnosticSeverity.Error);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // The framework the runner itself runs on, plus TorchSharp and the contracts: exactly what the sandbox host
        // will resolve at run time. Microsoft.CSharp is left out on purpose: without it `dynamic` does not compile.
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var framework = Directory.EnumerateFiles(frameworkDirectory, "*.dll")
            .Where(file => Path.GetFileName(file) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll"))
            .Where(IsManagedAssembly);
        var grader = new[] { typeof(TorchSharp.torch).Assembly.Location, ContractsAssemblyLocation() };
        return [.. framework.Concat(grader).Select(path => MetadataReference.CreateFromFile(path))];
    }

    private static string ContractsAssemblyLocation()
        => Path.Combine(AppContext.BaseDirectory, "Grader.Contracts.dll");

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}

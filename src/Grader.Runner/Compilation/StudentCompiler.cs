using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Grader.Runner.Compilation;

/// <summary>One unit of student code as the compiler sees it, with the name diagnostics should carry.</summary>
/// <param name="Path">Path within the submission ("src/Mlp.cs", "hw1.ipynb").</param>
/// <param name="Text">The code.</param>
/// <param name="IsScript">Notebook cells and .csx: top-level statements and declarations mixed, compiled as script submissions.</param>
/// <param name="Cells">Notebooks: each cell's first line (zero-based) and line count within <paramref name="Text"/>; each cell
/// is a submission of its own, chained to the ones before it, as the .NET Interactive kernel runs them.</param>
public sealed record CodeUnit(string Path, string Text, bool IsScript, IReadOnlyList<(int FirstLine, int LineCount)>? Cells = null);

/// <summary>A compiler message at a place in the student's code (in the coordinates of the compiled text).</summary>
public sealed record CompilerMessage(string Path, int Line, int Column, string Id, string Message, bool IsError);

/// <summary>A script submission compiled before the last one of its chain: the sandbox loads it by this name.</summary>
public sealed record EarlierSubmission(string AssemblyName, byte[] Image);

/// <summary>
/// A class the sandbox may instantiate for a contract: for script code, a class still visible after the last
/// submission (a later declaration of the same name hides an earlier one, as in the kernel).
/// </summary>
/// <param name="Line">Line of its declaration, in the coordinates of the compiled text of <paramref name="Path"/>.</param>
public sealed record ContractImplementation(string Contract, string ClassName, string Path, int Line);

public sealed record CompilationOutcome(byte[]? Assembly, IReadOnlyList<CompilerMessage> Messages, IReadOnlyList<PolicyViolation> Violations)
{
    /// <summary>Script code: the submissions before the last one (<see cref="Assembly"/>), in order.</summary>
    public IReadOnlyList<EarlierSubmission> EarlierSubmissions { get; init; } = [];

    /// <summary>Script code: every visible class implementing a course contract after the last submission.</summary>
    public IReadOnlyList<ContractImplementation> ContractImplementations { get; init; } = [];

    public bool Succeeded => Assembly is not null && !Messages.Any(m => m.IsError) && !Violations.Any(v => v.Severity == PolicySeverity.Reject);

    /// <summary>
    /// Writes the last submission to <paramref name="assemblyPath"/> and the earlier ones beside it, each under its
    /// assembly name, which is how the sandbox finds and orders them (<see cref="Grader.Sandbox.Protocol.SubmissionChainFiles"/>).
    /// </summary>
    public void WriteTo(string assemblyPath)
    {
        var image = Assembly ?? throw new InvalidOperationException("the submission did not compile; there is no assembly to write");
        string folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(assemblyPath))!;
        foreach (var earlier in EarlierSubmissions)
        {
            File.WriteAllBytes(System.IO.Path.Combine(folder, earlier.AssemblyName + ".dll"), earlier.Image);
        }

        File.WriteAllBytes(assemblyPath, image);
    }
}

/// <summary>
/// Compiles a submission with Roslyn against TorchSharp and the assignment contracts, then applies the static policy
/// to the syntax (for precise locations) and to the emitted IL (for what the compiler generated). The reference
/// assemblies are loaded once per process: recreating them costs far more than compiling a homework.
/// </summary>
public sealed class StudentCompiler
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> DefaultReferences = new(() => LoadReferences(includePlotting: false));

    // The plotting packages' closure is a tenth of the references and ~4% of a compile: only code that names one of
    // their namespaces gets them (PlottingPackages.AreNamedIn).
    private static readonly Lazy<ImmutableArray<MetadataReference>> WithPlottingReferences = new(() => LoadReferences(includePlotting: true));

    // What a .NET Interactive notebook has in scope without asking; scripts get them as usings, files as global usings.
    private static readonly string[] DefaultUsings =
        ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    // The kernel also opens its own namespace and imports its helpers (display, HTML) into every C# cell. The grader's
    // stand-ins live in Grader.NotebookKernel: they compile the same calls and show nothing.
    internal static readonly string[] ScriptUsings = [.. DefaultUsings, "Microsoft.DotNet.Interactive", "Microsoft.DotNet.Interactive.Kernel"];

    private static readonly CSharpParseOptions FileParseOptions = new(LanguageVersion.Latest);
    private static readonly CSharpParseOptions ScriptParseOptions = FileParseOptions.WithKind(SourceCodeKind.Script);

    private readonly StaticPolicy _policy;
    // Null: the default references, with the plotting packages when the submission names them.
    private readonly Lazy<ImmutableArray<MetadataReference>>? _references;
    private readonly CompileBudget _budget;

    public StudentCompiler(StaticPolicy policy, CompileBudget? budget = null)
    {
        _policy = policy;
        _budget = budget ?? CompileBudget.Default;
    }

    /// <summary>Compiles against other references (tests measure what the plotting packages cost).</summary>
    internal StudentCompiler(StaticPolicy policy, ImmutableArray<MetadataReference> references)
    {
        _policy = policy;
        _references = new(references);
        _budget = CompileBudget.Default;
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
            model
            """;
        var compiler = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()));
        _ = WithPlottingReferences.Value; // read once here too: a plotting notebook may come first
        string text = script + "\n" + script;
        int lines = script.Split('\n').Length;
        for (int round = 0; round < 3; round++)
        {
            compiler.Compile([new CodeUnit("warm-up.ipynb", text, IsScript: true, [(0, lines), (lines, lines)])], "grader-warm-up");
        }
    }

    /// <summary>
    /// Compiles within the budget: over it, the outcome is a compile failure that says so (GRADER002), never an
    /// exception. Roslyn gets a cancellation token that a deadline and a heap watchdog trip; it runs on a thread of
    /// its own so that the answer comes at the deadline even where Roslyn checks the token late (it then stops at its
    /// next check, in the background).
    /// </summary>
    public CompilationOutcome Compile(IReadOnlyList<CodeUnit> units, string assemblyName = "student")
    {
        if (units.Count == 0)
        {
            return new CompilationOutcome(null, [new CompilerMessage("", 0, 0, "GRADER001", "the submission holds no C# code (no .cs, .csx or C# notebook cells)", true)], []);
        }

        // Not disposed: a compile that overran may still hold its token until Roslyn's next check.
        var cancel = new CancellationTokenSource();
        long heapAtStart = GC.GetTotalMemory(forceFullCollection: false);
        long memoryBudget = _budget.MemoryMb * 1024L * 1024;
        bool overMemory = false;
        // GC.GetTotalMemory is process-wide: a parallel grading's allocations count too, which errs on the safe side.
        using var watchdog = new Timer(_ =>
        {
            if (GC.GetTotalMemory(forceFullCollection: false) - heapAtStart > memoryBudget)
            {
                Volatile.Write(ref overMemory, true);
                cancel.Cancel();
            }
        }, null, WatchdogPeriodMs, WatchdogPeriodMs);

        CompilationOutcome? outcome = null;
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                var references = ReferencesFor(units);
                outcome = units.Any(u => u.IsScript) ? CompileScriptChain(units, references, assemblyName, cancel.Token) : CompileFiles(units, references, assemblyName, cancel.Token);
            }
            catch (Exception exception)
            {
                // Caught here, rethrown below: an exception escaping a thread of its own would end the grader.
                failure = exception;
            }
        }, CompilerStackBytes) { IsBackground = true, Name = "student-compile" };
        worker.Start();
        bool finished = worker.Join(TimeSpan.FromSeconds(_budget.Seconds));
        if (!finished)
        {
            cancel.Cancel();
            finished = worker.Join(CancellationGrace);
        }

        watchdog.Dispose();
        if (finished && outcome is not null)
        {
            return outcome;
        }

        if (finished && failure is not (OperationCanceledException or OutOfMemoryException or InsufficientExecutionStackException))
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure!);
        }

        string message = failure is OutOfMemoryException || Volatile.Read(ref overMemory) ? _budget.TooBigMessage : _budget.TooLongMessage;
        return new CompilationOutcome(null, [new CompilerMessage(units[0].Path, 1, 1, OverBudgetId, message, true)], []);
    }

    /// <summary>The message id of a compile stopped by its budget (or refused by <see cref="CompileComplexity"/>).</summary>
    public const string OverBudgetId = "GRADER002";

    private const int WatchdogPeriodMs = 25;

    // Roslyn guards its recursion with EnsureSufficientExecutionStack; a deep expression then fails as CS8078 instead of
    // running out of a thread pool thread's 1.5 MB.
    private const int CompilerStackBytes = 16 * 1024 * 1024;

    private static readonly TimeSpan CancellationGrace = TimeSpan.FromSeconds(1);

    private ImmutableArray<MetadataReference> ReferencesFor(IReadOnlyList<CodeUnit> units)
        => _references?.Value
            ?? (units.Any(unit => PlottingPackages.AreNamedIn(unit.Text)) ? WithPlottingReferences.Value : DefaultReferences.Value);

    private CompilationOutcome CompileFiles(IReadOnlyList<CodeUnit> units, ImmutableArray<MetadataReference> references, string assemblyName, CancellationToken cancellationToken)
    {
        var trees = units.Select(u => CSharpSyntaxTree.ParseText(u.Text, FileParseOptions, path: u.Path, cancellationToken: cancellationToken)).ToList();
        if (CompileComplexity.Check(trees, _budget) is { } tooComplex)
        {
            return new CompilationOutcome(null, [tooComplex], []);
        }

        trees.Add(CSharpSyntaxTree.ParseText(string.Concat(DefaultUsings.Select(u => $"global using {u};\n")), FileParseOptions, path: "<grader-usings>"));
        var compilation = CSharpCompilation.Create(
            assemblyName, trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: false,
                optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Disable));

        // Emit first: it checks the token often, while a semantic model's binding of one expression does not (a
        // compile over budget then stops in Emit, before the policy's walk could bind it again for minutes).
        var (image, messages) = Emit(compilation, cancellationToken);
        var violations = new List<PolicyViolation>();
        foreach (var tree in compilation.SyntaxTrees)
        {
            violations.AddRange(_policy.CheckSource(compilation.GetSemanticModel(tree), cancellationToken));
        }

        if (image is null)
        {
            return new CompilationOutcome(null, messages, violations);
        }

        violations.AddRange(_policy.CheckCompiledAssembly(image, violations));
        return new CompilationOutcome(image, messages, violations);
    }

    /// <summary>
    /// Script code the way the .NET Interactive kernel runs it: every notebook cell (and every .csx or .cs file) is a
    /// script submission compiled on top of the ones before it, so a cell may end in a bare expression (its displayed
    /// value) and may declare again a name an earlier cell declared (the later declaration hides the earlier one).
    /// Consecutive cells whose joining cannot change their meaning are compiled as one submission: each submission is
    /// an assembly of its own, and a notebook of 40 small cells would otherwise cost 40 of them.
    /// </summary>
    private CompilationOutcome CompileScriptChain(IReadOnlyList<CodeUnit> units, ImmutableArray<MetadataReference> references, string assemblyName, CancellationToken cancellationToken)
    {
        var submissions = ScriptSubmissions.Plan(units, ScriptParseOptions, ScriptUsings);
        if (CompileComplexity.Check(submissions, _budget) is { } tooComplex)
        {
            return new CompilationOutcome(null, [tooComplex], []);
        }

        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ScriptUsings, allowUnsafe: false,
            optimizationLevel: OptimizationLevel.Release, deterministic: true, nullableContextOptions: NullableContextOptions.Disable);
        var violations = new List<PolicyViolation>();
        var messages = new List<CompilerMessage>();
        var emitted = new List<(CSharpCompilation Compilation, byte[] Image)>();
        CSharpCompilation? previous = null;
        for (int index = 0; index < submissions.Count; index++)
        {
            string name = index == submissions.Count - 1 ? assemblyName : Grader.Sandbox.Protocol.SubmissionChainFiles.EarlierAssemblyName(assemblyName, index + 1);
            var compilation = CSharpCompilation.CreateScriptCompilation(name, submissions[index], references, options, previous);
            var (image, diagnostics) = Emit(compilation, cancellationToken); // before the walk, as for files
            violations.AddRange(_policy.CheckSource(compilation.GetSemanticModel(submissions[index]), cancellationToken));
            messages.AddRange(diagnostics);
            if (diagnostics.Any(m => m.IsError))
            {
                // As in the kernel, a cell that does not compile stops the run there: later cells build on it.
                return new CompilationOutcome(null, messages, violations);
            }

            // A submission with nothing to run (only using directives, or blanked #r lines) emits no assembly, and
            // Roslyn says so by failing without a diagnostic; its usings still reach the submissions after it.
            if (image is not null)
            {
                emitted.Add((compilation, image));
            }

            previous = compilation;
        }

        if (emitted.Count == 0)
        {
            return new CompilationOutcome(null, [.. messages, new CompilerMessage(units[0].Path, 1, 1, "GRADER001", "there is no code to run: the C# holds only using directives and removed lines", true)], violations);
        }

        foreach (var (_, image) in emitted)
        {
            violations.AddRange(_policy.CheckCompiledAssembly(image, violations));
        }

        // The last assembly is loaded by path, not by name: it may be an earlier submission when the last ones had no code.
        return new CompilationOutcome(emitted[^1].Image, messages, violations)
        {
            EarlierSubmissions = [.. emitted.SkipLast(1).Select(submission => new EarlierSubmission(submission.Compilation.AssemblyName!, submission.Image))],
            ContractImplementations = VisibleContractImplementations(emitted.Select(submission => submission.Compilation).ToList()),
        };
    }

    private static (byte[]? Image, List<CompilerMessage> Messages) Emit(CSharpCompilation compilation, CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        EmitResult emitted = compilation.Emit(output, cancellationToken: cancellationToken);
        var messages = emitted.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && d.WarningLevel <= 1))
            .Select(ToMessage)
            .ToList();
        return (emitted.Success ? output.ToArray() : null, messages);
    }

    /// <summary>
    /// The classes a contract could be graded on once every submission has run: for each type name, the declaration of
    /// the latest submission that declares it (what the kernel's name lookup finds after the last cell).
    /// </summary>
    private static List<ContractImplementation> VisibleContractImplementations(IReadOnlyList<CSharpCompilation> chain)
    {
        var visible = new Dictionary<string, INamedTypeSymbol>(StringComparer.Ordinal);
        foreach (var compilation in chain)
        {
            if (compilation.ScriptClass is not { } scriptClass)
            {
                continue;
            }

            foreach (var type in scriptClass.GetTypeMembers())
            {
                visible[type.MetadataName] = type;
            }
        }

        var found = new List<ContractImplementation>();
        foreach (var type in visible.Values.Where(t => t is { TypeKind: TypeKind.Class, IsAbstract: false }))
        {
            foreach (var contract in type.AllInterfaces.Where(i => i.ContainingAssembly?.Name == ContractsAssemblyName))
            {
                var location = type.Locations.FirstOrDefault(l => l.IsInSource)?.GetLineSpan();
                found.Add(new ContractImplementation(contract.Name, type.Name, location?.Path ?? "", (location?.StartLinePosition.Line ?? 0) + 1));
            }
        }

        return found;
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

    internal static ImmutableArray<MetadataReference> LoadReferences(bool includePlotting)
    {
        // The framework the runner itself runs on, plus TorchSharp and the contracts: exactly what the sandbox host
        // will resolve at run time. Microsoft.CSharp is left out on purpose: without it `dynamic` does not compile.
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var framework = Directory.EnumerateFiles(frameworkDirectory, "*.dll")
            .Where(file => Path.GetFileName(file) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll"))
            .Where(IsManagedAssembly);
        var grader = new[] { typeof(TorchSharp.torch).Assembly.Location, ContractsAssemblyLocation(), typeof(Microsoft.DotNet.Interactive.Kernel).Assembly.Location };
        return [.. framework.Concat(grader).Concat(includePlotting ? PlottingPackages.Closure.Value.Files : []).Select(path => MetadataReference.CreateFromFile(path))];
    }

    private const string ContractsAssemblyName = "Grader.Contracts";

    private static string ContractsAssemblyLocation()
        => Path.Combine(AppContext.BaseDirectory, ContractsAssemblyName + ".dll");

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

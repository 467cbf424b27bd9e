using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace Grader.Runner.Compilation;

public enum PolicySeverity
{
    /// <summary>Noted in the report for the TA; the submission still runs (the sandbox contains it).</summary>
    Flag,

    /// <summary>The submission is not run; the student sees why.</summary>
    Reject,
}

/// <summary>A use of a forbidden API, with where it is and why it is not allowed.</summary>
public sealed record PolicyViolation(PolicySeverity Severity, string Api, string Reason, string? Path, int? Line)
{
    public string Where => Path is null ? "in compiler-generated code" : $"{Path}:{Line}";

    public override string ToString() => $"{Where}: {Api} — {Reason}";
}

/// <summary>What an assignment forbids on top of what every submission is denied.</summary>
public sealed record StaticPolicyOptions
{
    /// <summary>
    /// Hand-written back-propagation: every way into TorchSharp's autograd is refused (requires_grad in any spelling,
    /// backward, .grad, torch.autograd, parameters and optimisers that need gradients).
    /// </summary>
    public bool ForbidAutograd { get; init; }

    /// <summary>Threads, tasks and parallel loops are refused.</summary>
    public bool ForbidThreads { get; init; }
}

/// <summary>
/// A guardrail in front of the sandbox (which is the wall): refuses code that reaches for processes, the network,
/// reflection or code generation, native memory, the environment or the runtime's loader, and flags file access. It
/// reads both the source (to name file and line) and the compiled metadata (to see what the compiler generated, e.g.
/// for LINQ expression trees or attributes, and what a source walk could miss: property accessors, generic types).
/// Both entry points work on one syntax tree or one assembly at a time, so a submission made of several trees or
/// assemblies is checked piece by piece.
/// </summary>
public sealed class StaticPolicy(StaticPolicyOptions options)
{
    /// <summary>A rule matches the qualified name of a type ("System.IO.File") or member ("System.IO.File.ReadAllText").</summary>
    private sealed record Rule(Func<string, bool> Matches, PolicySeverity Severity, string Reason);

    private const string NativeMemory = "native interop is not allowed (no native handles or raw memory access)";
    private const string CodeByName = "reflection and generating code at run time are not allowed (they could reach into the grader)";

    /// <summary>Under <paramref name="scope"/> (a namespace, type or member) or the scope itself.</summary>
    private static Rule Under(string scope, PolicySeverity severity, string reason) => new(name => IsUnder(name, scope), severity, reason);

    /// <summary>
    /// An allow-list: everything under <paramref name="scope"/> is refused except the listed types or members (relative
    /// to the scope). Used where a namespace or type is dangerous as a whole and a deny-list would miss its next member.
    /// Naming the scope itself (the type System.Type, the base of every delegate) is allowed.
    /// </summary>
    /// <param name="named">types that may be named (in IL: referenced) though their members are refused.</param>
    private static Rule AllOfExcept(string scope, string[] allowed, PolicySeverity severity, string reason, string[]? named = null)
        => new(name => name != scope && IsUnder(name, scope) && !allowed.Any(entry => IsUnder(name, scope + "." + entry))
            && !(named ?? []).Any(entry => name == scope + "." + entry), severity, reason);

    /// <summary>Any type or member under <paramref name="scope"/> whose own name (type or member part) satisfies <paramref name="test"/>.</summary>
    private static Rule Named(string scope, Func<string, bool> test, PolicySeverity severity, string reason)
        => new(name => IsUnder(name, scope) && name[scope.Length..].Split('.', StringSplitOptions.RemoveEmptyEntries).Any(test), severity, reason);

    private static readonly Rule[] AlwaysDenied =
    [
        new(name => name == "dynamic", PolicySeverity.Reject, "`dynamic` is not allowed"),
        // Anything the BCL or TorchSharp names Unsafe* (Unsafe, UnsafeAccessorAttribute, UnsafeCreateTensor) bypasses type or memory safety.
        new(name => (IsUnder(name, "System") || IsUnder(name, "TorchSharp") || IsUnder(name, "Microsoft")) && name.Split('.').Any(part => part.StartsWith("Unsafe", StringComparison.Ordinal)),
            PolicySeverity.Reject, "unsafe memory access is not allowed"),
        new(name => IsUnder(name, "System.Diagnostics") && name.Split('.').Any(part => part.StartsWith("Process", StringComparison.Ordinal)),
            PolicySeverity.Reject, "starting or inspecting processes is not allowed"),
        // Allow-list: a homework times itself and asserts; the rest of System.Diagnostics (processes, the debugger,
        // stack traces of the grader) is not its business. The Debuggable/Debugger*Attribute entries are emitted by the compiler.
        AllOfExcept("System.Diagnostics",
            ["Stopwatch", "Debug", "Trace", "ConditionalAttribute", "UnreachableException", "CodeAnalysis", "DebuggableAttribute",
             "DebuggerHiddenAttribute", "DebuggerStepThroughAttribute", "DebuggerBrowsableAttribute", "DebuggerBrowsableState",
             "DebuggerDisplayAttribute", "DebuggerNonUserCodeAttribute", "DebuggerTypeProxyAttribute", "DebuggerStepperBoundaryAttribute"],
            PolicySeverity.Reject, "only Stopwatch and Debug are available from System.Diagnostics"),
        Under("System.Net", PolicySeverity.Reject, "network access is not allowed (the grader has no network)"),
        // The compiler marks indexers with DefaultMemberAttribute; Type.Name is MemberInfo.Name.
        AllOfExcept("System.Reflection", ["DefaultMemberAttribute", "MemberInfo.Name"], PolicySeverity.Reject, "reflection is not allowed (it could reach into the grader)", named: ["MemberInfo"]),
        Under("System.Runtime.Loader", PolicySeverity.Reject, "loading assemblies is not allowed"),
        Under("System.Runtime.InteropServices.DllImportAttribute", PolicySeverity.Reject, "native interop (P/Invoke) is not allowed"),
        Under("System.Runtime.InteropServices.LibraryImportAttribute", PolicySeverity.Reject, "native interop (P/Invoke) is not allowed"),
        // Allow-list: InteropServices is native interop and raw memory (Marshal, MemoryMarshal, NativeMemory, GCHandle,
        // SafeHandle, ...); kept are what the compiler emits (In/Out/Optional attributes, UnmanagedType for `unmanaged`,
        // CollectionsMarshal for collection expressions) and memory-safe layout attributes.
        AllOfExcept("System.Runtime.InteropServices",
            ["CollectionsMarshal", "InAttribute", "OutAttribute", "OptionalAttribute", "DefaultParameterValueAttribute", "UnmanagedType",
             "StructLayoutAttribute", "LayoutKind", "CharSet", "ExternalException"],
            PolicySeverity.Reject, NativeMemory),
        Under("Microsoft.Win32", PolicySeverity.Reject, NativeMemory),
        Under("System.Runtime.CompilerServices.IgnoresAccessChecksToAttribute", PolicySeverity.Reject, "bypassing access checks is not allowed"),
        Under("System.Runtime.CompilerServices.CallSite", PolicySeverity.Reject, "`dynamic` is not allowed"),
        Under("System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject", PolicySeverity.Reject, CodeByName),
        Under("System.Runtime.CompilerServices.ModuleInitializerAttribute", PolicySeverity.Reject, "module initializers run before the grader asks anything; not allowed"),
        Under("System.IntPtr", PolicySeverity.Reject, NativeMemory),
        Under("System.UIntPtr", PolicySeverity.Reject, NativeMemory),
        Under("System.RuntimeTypeHandle.Value", PolicySeverity.Reject, NativeMemory),
        Under("System.RuntimeMethodHandle", PolicySeverity.Reject, NativeMemory),
        Under("System.RuntimeFieldHandle.Value", PolicySeverity.Reject, NativeMemory),
        Under("System.Environment.Exit", PolicySeverity.Reject, "ending the process is not allowed; return from your method instead"),
        Under("System.Environment.FailFast", PolicySeverity.Reject, "ending the process is not allowed"),
        Under("System.Environment.GetEnvironmentVariable", PolicySeverity.Reject, "reading the environment is not allowed"),
        Under("System.Environment.GetEnvironmentVariables", PolicySeverity.Reject, "reading the environment is not allowed"),
        Under("System.Environment.SetEnvironmentVariable", PolicySeverity.Reject, "changing the environment is not allowed"),
        Under("System.AppDomain", PolicySeverity.Reject, "the application domain is not available to submissions"),
        Under("System.AppContext", PolicySeverity.Reject, "the application context is not available to submissions"),
        Under("System.Activator", PolicySeverity.Reject, "creating types by name is not allowed"),
        Under("System.Type.GetType", PolicySeverity.Reject, "looking up types by name is not allowed"),
        // Allow-list: a Type may be named and compared (typeof, GetType().Name); everything else on it is reflection
        // (GetMethod, MakeGenericType, InvokeMember, TypeHandle, ...).
        AllOfExcept("System.Type",
            ["GetTypeFromHandle", "Name", "FullName", "Namespace", "ToString", "Equals", "GetHashCode", "op_Equality", "op_Inequality",
             "IsAssignableFrom", "IsAssignableTo", "IsInstanceOfType", "IsValueType", "IsClass", "IsArray", "IsEnum", "IsInterface", "IsPrimitive", "IsGenericType"],
            PolicySeverity.Reject, CodeByName),
        // Allow-list: events and delegate equality; binding a delegate by name (CreateDelegate), DynamicInvoke and
        // Method/Target are reflection.
        AllOfExcept("System.Delegate", ["Combine", "Remove", "RemoveAll", "GetInvocationList", "Equals", "GetHashCode", "ToString", "op_Equality", "op_Inequality"],
            PolicySeverity.Reject, CodeByName),
        AllOfExcept("System.MulticastDelegate", ["GetInvocationList", "Equals", "GetHashCode", "op_Equality", "op_Inequality"],
            PolicySeverity.Reject, CodeByName),
        // Expression trees build calls, fields and properties by name and compile them: code generation as a whole.
        Under("System.Linq.Expressions", PolicySeverity.Reject, CodeByName),
        Under("System.Dynamic", PolicySeverity.Reject, "`dynamic` is not allowed"),
        Under("Microsoft.CSharp.RuntimeBinder", PolicySeverity.Reject, "`dynamic` is not allowed"),
        Under("System.GC.AllocateUninitializedArray", PolicySeverity.Flag, "large uninitialised allocations are watched"),
        Under("System.Console.OpenStandardOutput", PolicySeverity.Flag, "raw console streams are noted; output is captured and capped either way"),
        Under("System.IO.RandomAccess", PolicySeverity.Reject, NativeMemory),
        Under("System.IO.File", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        Under("System.IO.Directory", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        Under("System.IO.FileStream", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        Under("System.IO.FileInfo", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        Under("System.IO.DirectoryInfo", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        // The provided plotting packages (Grader.NotebookKernel): charts built and rendered in memory are fine. Show opens
        // a web browser (Plotly.NET writes an HTML file to /tmp and starts the system's opener), which grading has none
        // of; saving writes files, and only /tmp is writable. Both are noted, not refused: the notebook runs in VS Code.
        Named("Plotly.NET", part => part == "Show", PolicySeverity.Flag, "Show opens a web browser, which grading has none of: end the cell with the chart or display(chart) instead"),
        Named("Plotly.NET", part => part.StartsWith("Save", StringComparison.Ordinal), PolicySeverity.Flag, "saving a chart writes a file: only a small private /tmp is writable in grading"),
        Named("ScottPlot", part => part.StartsWith("Save", StringComparison.Ordinal), PolicySeverity.Flag, "saving a plot writes a file: only a small private /tmp is writable in grading"),
        Under("System.IO.DriveInfo", PolicySeverity.Reject, "inspecting drives is not allowed"),
        Under("System.IO.Pipes", PolicySeverity.Reject, "pipes are not allowed"),
        Under("System.IO.MemoryMappedFiles", PolicySeverity.Reject, "memory-mapped files are not allowed"),
        // TorchSharp's native pointers: Tensor.Handle, DangerousGetHandle and the like hand out libtorch's memory.
        Named("TorchSharp", part => part.Contains("handle", StringComparison.OrdinalIgnoreCase), PolicySeverity.Reject, NativeMemory),
        Named("TorchSharp", part => part is "from_file" or "FromFile" || part.StartsWith("ReadBytesFrom", StringComparison.Ordinal) || part.StartsWith("WriteBytesTo", StringComparison.Ordinal)
                || ((part.StartsWith("load", StringComparison.OrdinalIgnoreCase) || part.StartsWith("save", StringComparison.OrdinalIgnoreCase)) && part != "load_state_dict"),
            PolicySeverity.Reject, "loading or saving tensors and models is not allowed: train in the notebook"),
        Under("TorchSharp.torch.hub", PolicySeverity.Reject, "downloading models is not allowed (the grader has no network)"),
        Under("TorchSharp.torch.jit", PolicySeverity.Reject, "loading TorchScript is not allowed"),
        Under("TorchSharp.torch.utils.tensorboard", PolicySeverity.Reject, "writing TensorBoard logs is not allowed"),
        Under("TorchSharp.torch.cuda.manual_seed", PolicySeverity.Flag, "seeding is done by the grader"),
    ];

    private static readonly Rule[] Threads =
    [
        Under("System.Threading.Thread", PolicySeverity.Reject, "this assignment does not allow threads"),
        Under("System.Threading.ThreadPool", PolicySeverity.Reject, "this assignment does not allow threads"),
        Under("System.Threading.Timer", PolicySeverity.Reject, "this assignment does not allow timers"),
        Under("System.Threading.Tasks.Task.Run", PolicySeverity.Reject, "this assignment does not allow background tasks"),
        Under("System.Threading.Tasks.Parallel", PolicySeverity.Reject, "this assignment does not allow parallel loops"),
    ];

    private const string HandWritten = "this assignment asks for a hand-written backward pass: ";

    private static readonly Rule[] Autograd =
    [
        // By name rather than by a list of members: every TorchSharp API about gradients has "grad" in its name
        // (requires_grad, with_requires_grad, requires_grad_, grad, retain_grad, enable_grad, set_grad_enabled,
        // zero_grad, clip_grad_norm_, Adagrad, ...). no_grad and is_grad_enabled only switch autograd off or ask.
        Named("TorchSharp", part => part.Contains("grad", StringComparison.OrdinalIgnoreCase) && part is not ("no_grad" or "is_grad_enabled" or "gradient"),
            PolicySeverity.Reject, HandWritten + "autograd (requires_grad, grad) is not allowed"),
        Named("TorchSharp", part => part.Contains("backward", StringComparison.OrdinalIgnoreCase), PolicySeverity.Reject, HandWritten + "autograd (backward) is not allowed"),
        Under("TorchSharp.torch.autograd", PolicySeverity.Reject, HandWritten + "torch.autograd is not allowed"),
        Under("TorchSharp.Modules.Parameter", PolicySeverity.Reject, HandWritten + "autograd parameters are not allowed"),
        Under("TorchSharp.torch.nn.Parameter", PolicySeverity.Reject, HandWritten + "autograd parameters are not allowed"),
        Under("TorchSharp.torch.optim", PolicySeverity.Reject, "this assignment asks for your own SGD step: torch.optim is not allowed"),
        // The optimisers' classes live in TorchSharp.Modules; they all derive from OptimizerHelper.
        Named("TorchSharp.Modules", part => part is "SGD" or "Adam" or "AdamW" or "Adamax" or "NAdam" or "RAdam" or "RMSProp" or "ASGD" or "Rprop" or "LBFGS" or "Adadelta" or "OptimizerHelper",
            PolicySeverity.Reject, "this assignment asks for your own SGD step: torch.optim is not allowed"),
    ];

    private Rule[] ActiveRules => [.. AlwaysDenied, .. options.ForbidThreads ? Threads : [], .. options.ForbidAutograd ? Autograd : []];

    /// <summary>
    /// Walks the syntax of one tree and names each denied API where it is used, once per line and rule, and each
    /// preprocessor directive a submission may not use.
    /// </summary>
    /// <param name="model">the semantic model of one tree (the grader writes no directives of its own into any tree).</param>
    /// <param name="cancellationToken">the compile budget's: binding for the walk can be as costly as for Emit.</param>
    public IEnumerable<PolicyViolation> CheckSource(SemanticModel model, CancellationToken cancellationToken = default)
        => FindDirectives(model.SyntaxTree)
            .Concat(FindInSource(model, cancellationToken)
                // "Process.Start(...)" names the type and the member: report the most specific name only.
                .GroupBy(v => (v.Path, v.Line, v.Reason))
                .SelectMany(group => group.Where(v => !group.Any(other => other.Api.StartsWith(v.Api + ".", StringComparison.Ordinal)))));

    /// <summary>
    /// Directives from the parsed tree's trivia (not text patterns, which `# r` or `#r"x"` slip past): intake removes
    /// the ones students legitimately write in notebooks; whatever is left here is refused.
    /// </summary>
    private static IEnumerable<PolicyViolation> FindDirectives(SyntaxTree tree)
    {
        foreach (var trivia in tree.GetRoot().DescendantTrivia(descendIntoTrivia: true))
        {
            if (!trivia.IsDirective || trivia.GetStructure() is not DirectiveTriviaSyntax directive)
            {
                continue;
            }

            string? reason = directive.Kind() switch
            {
                SyntaxKind.IfDirectiveTrivia or SyntaxKind.ElifDirectiveTrivia or SyntaxKind.ElseDirectiveTrivia or SyntaxKind.EndIfDirectiveTrivia
                    or SyntaxKind.RegionDirectiveTrivia or SyntaxKind.EndRegionDirectiveTrivia or SyntaxKind.DefineDirectiveTrivia
                    or SyntaxKind.UndefDirectiveTrivia or SyntaxKind.ErrorDirectiveTrivia or SyntaxKind.WarningDirectiveTrivia
                    or SyntaxKind.PragmaWarningDirectiveTrivia or SyntaxKind.NullableDirectiveTrivia or SyntaxKind.ShebangDirectiveTrivia => null,
                SyntaxKind.LineDirectiveTrivia or SyntaxKind.LineSpanDirectiveTrivia => "#line is not allowed: it would relabel the file and line that messages name",
                SyntaxKind.PragmaChecksumDirectiveTrivia => "#pragma checksum is not allowed",
                SyntaxKind.ReferenceDirectiveTrivia => "#r is not allowed here: the grader provides the packages and never loads assemblies a submission names",
                SyntaxKind.LoadDirectiveTrivia => "#load is not allowed: the grader compiles the submission's C# files itself",
                _ => "this preprocessor directive is not known to the grader and is not allowed",
            };
            if (reason is null)
            {
                continue;
            }

            string text = directive.ToString();
            string shown = text.Length > 40 ? text[..40] + "…" : text;
            var span = directive.GetLocation().GetMappedLineSpan();
            yield return new PolicyViolation(PolicySeverity.Reject, shown, reason, span.Path, span.StartLinePosition.Line + 1);
        }
    }

    private IEnumerable<PolicyViolation> FindInSource(SemanticModel model, CancellationToken cancellationToken)
    {
        var rules = ActiveRules;
        var root = model.SyntaxTree.GetRoot();
        var seen = new HashSet<(string, int)>();
        foreach (var node in root.DescendantNodes())
        {
            if (node is MethodDeclarationSyntax method && method.Modifiers.Any(SyntaxKind.ExternKeyword))
            {
                yield return Located(new Rule(_ => true, PolicySeverity.Reject, "native interop (extern methods) is not allowed"), $"extern {method.Identifier.Text}", node);
                continue;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (options.ForbidAutograd && node is ArgumentSyntax argument && RequiresGradArgument(model, argument, cancellationToken) is { } call)
            {
                var violation = Located(new Rule(_ => true, PolicySeverity.Reject, HandWritten + "requires_grad is not allowed"), $"{call}(requires_grad: …)", node);
                if (seen.Add((violation.Api, violation.Line ?? 0)))
                {
                    yield return violation;
                }

                continue;
            }

            // `var` stands for a type the expression on its right already names; report that expression instead.
            if (node is not (SimpleNameSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax) || node is IdentifierNameSyntax { IsVar: true })
            {
                continue;
            }

            var info = model.GetSymbolInfo(node, cancellationToken);
            var symbol = info.Symbol ?? info.CandidateSymbols.FirstOrDefault();
            if (symbol is null)
            {
                continue;
            }

            // A refusal outranks a flag: File.OpenHandle is file access (flag) and hands out a SafeFileHandle (reject).
            var matched = Matches(rules, symbol).ToList();
            if (matched.Count > 0)
            {
                var (name, rule) = matched.FirstOrDefault(m => m.Rule.Severity == PolicySeverity.Reject, matched[0]);
                var violation = Located(rule, name, node);
                if (seen.Add((violation.Api, violation.Line ?? 0)))
                {
                    yield return violation;
                }
            }
        }
    }

    /// <summary>The rules a symbol breaks, by its own names, then by a SafeHandle it hands out (FileStream.SafeFileHandle).</summary>
    private static IEnumerable<(string Name, Rule Rule)> Matches(Rule[] rules, ISymbol symbol)
    {
        foreach (var name in QualifiedNames(symbol))
        {
            if (Match(rules, name) is { } rule)
            {
                yield return (name, rule);
            }
        }

        var handedOut = symbol switch
        {
            IPropertySymbol property => property.Type,
            IMethodSymbol { MethodKind: MethodKind.Constructor } constructor => constructor.ContainingType,
            IMethodSymbol method => method.ReturnType,
            IFieldSymbol field => field.Type,
            ILocalSymbol local => local.Type,
            _ => null,
        };
        for (var type = handedOut; type is not null; type = type.BaseType)
        {
            string typeName = type.OriginalDefinition.ToDisplayString();
            if (typeName is "System.Runtime.InteropServices.SafeHandle" or "System.Runtime.InteropServices.CriticalHandle")
            {
                yield return (QualifiedNames(symbol).FirstOrDefault() ?? typeName, new Rule(_ => true, PolicySeverity.Reject, NativeMemory + $" ({handedOut!.Name} is a native handle)"));
                yield break;
            }
        }
    }

    /// <summary>A TorchSharp call given requires_grad (named or by position) other than the constant false.</summary>
    private static string? RequiresGradArgument(SemanticModel model, ArgumentSyntax argument, CancellationToken cancellationToken)
    {
        if (model.GetOperation(argument, cancellationToken) is not IArgumentOperation { Parameter: { Name: "requires_grad" } parameter } operation
            || parameter.ContainingSymbol is not { } callee
            || QualifiedNames(callee).FirstOrDefault() is not { } calleeName
            || !IsUnder(calleeName, "TorchSharp"))
        {
            return null;
        }

        return operation.Value.ConstantValue is { HasValue: true, Value: false } ? null : calleeName;
    }

    /// <summary>
    /// Reads the compiled metadata: every type and member the assembly references (property accessors by their
    /// property's name, members of generic types by the generic type's name), and any P/Invoke or other extern method
    /// it declares. Reports what the source walk did not already report.
    /// </summary>
    public IEnumerable<PolicyViolation> CheckCompiledAssembly(byte[] assembly, IReadOnlyCollection<PolicyViolation> alreadyFound)
    {
        var rules = ActiveRules;
        var known = alreadyFound.Select(v => v.Api).ToHashSet(StringComparer.Ordinal);
        using var peReader = new PEReader(new MemoryStream(assembly));
        var metadata = peReader.GetMetadataReader();
        var found = new List<PolicyViolation>();
        var generatedOnly = CompilerHelperReferences(peReader, metadata);

        void Consider(string name)
        {
            var rule = Match(rules, name);
            if (rule is not null && !known.Any(k => name.StartsWith(k, StringComparison.Ordinal) || k.StartsWith(name, StringComparison.Ordinal)) && known.Add(name))
            {
                found.Add(new PolicyViolation(rule.Severity, name, rule.Reason, null, null));
            }
        }

        var parentsInStudentCode = new HashSet<EntityHandle>();
        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            if (generatedOnly.Contains(handle))
            {
                continue;
            }

            parentsInStudentCode.Add(member.Parent);
            string? parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => TypeName(metadata, (TypeReferenceHandle)member.Parent),
                HandleKind.TypeSpecification => GenericTypeName(metadata, (TypeSpecificationHandle)member.Parent),
                _ => null,
            };
            if (parent is not null)
            {
                Consider($"{parent}.{AccessorFreeName(metadata.GetString(member.Name))}");
            }
        }

        // After the members, so that "Type.Member" is reported rather than its bare "Type". A type referenced only
        // as the owner of the compiler's own helpers' calls (Unsafe.As in inline-array helpers) is the compiler's.
        foreach (var handle in metadata.TypeReferences)
        {
            if (generatedOnly.Contains(handle) && !parentsInStudentCode.Contains(handle))
            {
                continue;
            }

            Consider(TypeName(metadata, handle));
        }

        foreach (var handle in metadata.MethodDefinitions)
        {
            var method = metadata.GetMethodDefinition(handle);
            bool pinvoke = (method.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0;
            // No body, not abstract and not a delegate's runtime-provided Invoke: an extern ([UnsafeAccessor], InternalCall).
            bool external = method.RelativeVirtualAddress == 0
                && (method.Attributes & System.Reflection.MethodAttributes.Abstract) == 0
                && (method.ImplAttributes & System.Reflection.MethodImplAttributes.CodeTypeMask) != System.Reflection.MethodImplAttributes.Runtime;
            if (pinvoke || external)
            {
                string name = $"{(pinvoke ? "P/Invoke" : "extern")} {metadata.GetString(method.Name)}";
                if (known.Add(name))
                {
                    found.Add(new PolicyViolation(PolicySeverity.Reject, name, "native interop (P/Invoke, extern methods) is not allowed", null, null));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Member references (and their owning type references) used only by methods of the compiler's own helper types
    /// (&lt;PrivateImplementationDetails&gt;, whose name no source can spell): the inline-array helpers behind
    /// collection expressions and params spans call Unsafe and MemoryMarshal, which student code may not.
    /// </summary>
    private static HashSet<EntityHandle> CompilerHelperReferences(PEReader peReader, MetadataReader metadata)
    {
        var inHelpers = new HashSet<EntityHandle>();
        var elsewhere = new HashSet<EntityHandle>();
        foreach (var typeHandle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(typeHandle);
            bool helper = metadata.GetString(type.Name).StartsWith("<PrivateImplementationDetails>", StringComparison.Ordinal);
            foreach (var methodHandle in type.GetMethods())
            {
                var method = metadata.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                foreach (var token in IlTokens(peReader.GetMethodBody(method.RelativeVirtualAddress)))
                {
                    var target = token.Kind == HandleKind.MethodSpecification ? metadata.GetMethodSpecification((MethodSpecificationHandle)token).Method : token;
                    (helper ? inHelpers : elsewhere).Add(target);
                    if (target.Kind == HandleKind.MemberReference && metadata.GetMemberReference((MemberReferenceHandle)target).Parent is { Kind: HandleKind.TypeReference } parent)
                    {
                        (helper ? inHelpers : elsewhere).Add(parent);
                    }
                }
            }
        }

        inHelpers.ExceptWith(elsewhere);
        return inHelpers;
    }

    private static readonly Dictionary<short, System.Reflection.Emit.OpCode> OpCodes = IlOpCodes();

    private static Dictionary<short, System.Reflection.Emit.OpCode> IlOpCodes()
    {
        var codes = new Dictionary<short, System.Reflection.Emit.OpCode>();
        foreach (var field in typeof(System.Reflection.Emit.OpCodes).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            var code = (System.Reflection.Emit.OpCode)field.GetValue(null)!;
            codes.TryAdd(code.Value, code);
        }

        return codes;
    }

    /// <summary>The metadata tokens an IL body names (calls, field accesses, ldtoken, ldftn, ...).</summary>
    private static IEnumerable<EntityHandle> IlTokens(MethodBodyBlock body)
    {
        var reader = body.GetILReader();
        var tokens = new List<EntityHandle>();
        while (reader.RemainingBytes > 0)
        {
            short value = reader.ReadByte();
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | reader.ReadByte());
            }

            if (!OpCodes.TryGetValue(value, out var code))
            {
                break;
            }

            switch (code.OperandType)
            {
                case System.Reflection.Emit.OperandType.InlineNone:
                    break;
                case System.Reflection.Emit.OperandType.ShortInlineBrTarget or System.Reflection.Emit.OperandType.ShortInlineI or System.Reflection.Emit.OperandType.ShortInlineVar:
                    reader.ReadByte();
                    break;
                case System.Reflection.Emit.OperandType.InlineVar:
                    reader.ReadInt16();
                    break;
                case System.Reflection.Emit.OperandType.InlineI8 or System.Reflection.Emit.OperandType.InlineR:
                    reader.ReadInt64();
                    break;
                case System.Reflection.Emit.OperandType.InlineSwitch:
                    int targets = reader.ReadInt32();
                    reader.Offset += targets * 4;
                    break;
                case System.Reflection.Emit.OperandType.InlineMethod or System.Reflection.Emit.OperandType.InlineField or System.Reflection.Emit.OperandType.InlineTok
                    or System.Reflection.Emit.OperandType.InlineType:
                    int token = reader.ReadInt32();
                    tokens.Add(MetadataTokens.EntityHandle(token));
                    break;
                default:
                    reader.ReadInt32();
                    break;
            }
        }

        return tokens;
    }

    private static Rule? Match(Rule[] rules, string qualifiedName)
        => rules.FirstOrDefault(rule => rule.Severity == PolicySeverity.Reject && rule.Matches(qualifiedName)) ?? rules.FirstOrDefault(rule => rule.Matches(qualifiedName));

    private static bool IsUnder(string qualifiedName, string scope)
        => qualifiedName == scope
            || (qualifiedName.Length > scope.Length && qualifiedName.StartsWith(scope, StringComparison.Ordinal) && qualifiedName[scope.Length] is '.' or '`' or '(');

    /// <summary>In IL a property or event is reached through get_X/set_X/add_X/remove_X; the rules name X.</summary>
    private static string AccessorFreeName(string member)
    {
        foreach (var prefix in (string[])["get_", "set_", "add_", "remove_"])
        {
            if (member.StartsWith(prefix, StringComparison.Ordinal) && member.Length > prefix.Length)
            {
                return member[prefix.Length..];
            }
        }

        return member;
    }

    /// <summary>The names a symbol is known by: the member itself, then its containing types and namespace.</summary>
    private static IEnumerable<string> QualifiedNames(ISymbol symbol)
    {
        var definition = symbol.OriginalDefinition;
        if (definition is IMethodSymbol { ReducedFrom: { } reduced })
        {
            definition = reduced;
        }

        if (definition is IMethodSymbol { AssociatedSymbol: { } associated })
        {
            definition = associated;
        }

        if (definition is INamespaceSymbol)
        {
            yield break;
        }

        if (definition is ITypeSymbol type)
        {
            yield return TypeName(type);
            yield break;
        }

        var containing = definition.ContainingType;
        if (containing is not null)
        {
            string typeName = TypeName(containing.OriginalDefinition);
            string memberName = definition is IMethodSymbol { MethodKind: MethodKind.Constructor } ? "" : "." + definition.Name;
            yield return typeName + memberName;
        }
    }

    /// <summary>Namespace and type names as metadata spells them (System.IntPtr, not nint), without generic arguments.</summary>
    private static string TypeName(ITypeSymbol type) => type switch
    {
        IDynamicTypeSymbol => "dynamic",
        IArrayTypeSymbol array => TypeName(array.ElementType),
        IPointerTypeSymbol pointer => TypeName(pointer.PointedAtType),
        INamedTypeSymbol { ContainingType: { } outer } => TypeName(outer) + "." + type.Name,
        _ when type.ContainingNamespace is { IsGlobalNamespace: false } ns => ns.ToDisplayString() + "." + type.Name,
        _ => type.Name,
    };

    /// <summary>The generic type a member's owner instantiates (Expression&lt;Func&lt;int&gt;&gt; → System.Linq.Expressions.Expression).</summary>
    private static string? GenericTypeName(MetadataReader metadata, TypeSpecificationHandle handle)
    {
        var reader = metadata.GetBlobReader(metadata.GetTypeSpecification(handle).Signature);
        if (reader.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return null;
        }

        reader.ReadSignatureTypeCode();
        var generic = reader.ReadTypeHandle();
        return generic.Kind == HandleKind.TypeReference ? TypeName(metadata, (TypeReferenceHandle)generic) : null;
    }

    private static string TypeName(MetadataReader metadata, TypeReferenceHandle handle)
    {
        var type = metadata.GetTypeReference(handle);
        string name = metadata.GetString(type.Name);
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return TypeName(metadata, (TypeReferenceHandle)type.ResolutionScope) + "." + name;
        }

        string ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    private static PolicyViolation Located(Rule rule, string api, SyntaxNode node)
    {
        var span = node.GetLocation().GetMappedLineSpan();
        return new PolicyViolation(rule.Severity, api, rule.Reason, span.Path, span.StartLinePosition.Line + 1);
    }
}

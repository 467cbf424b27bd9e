using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

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
    /// <summary>Hand-written back-propagation: TorchSharp autograd (backward, autograd.grad, requires_grad) is refused.</summary>
    public bool ForbidAutograd { get; init; }

    /// <summary>Threads, tasks and parallel loops are refused.</summary>
    public bool ForbidThreads { get; init; }
}

/// <summary>
/// A guardrail in front of the sandbox (which is the wall): refuses code that reaches for processes, the network,
/// reflection, native interop, the environment or the runtime's loader, and flags file access. It reads both the
/// source (to name file and line) and the compiled metadata (to see what the compiler generated, e.g. for
/// `dynamic`, LINQ expression trees or attributes).
/// </summary>
public sealed class StaticPolicy(StaticPolicyOptions options)
{
    private sealed record Rule(string Prefix, PolicySeverity Severity, string Reason);

    private static readonly Rule[] AlwaysDenied =
    [
        new("System.Diagnostics.Process", PolicySeverity.Reject, "starting or inspecting processes is not allowed"),
        new("System.Net", PolicySeverity.Reject, "network access is not allowed (the grader has no network)"),
        new("System.Reflection", PolicySeverity.Reject, "reflection is not allowed (it could reach into the grader)"),
        new("System.Runtime.Loader", PolicySeverity.Reject, "loading assemblies is not allowed"),
        new("System.Runtime.InteropServices.NativeLibrary", PolicySeverity.Reject, "native interop is not allowed"),
        new("System.Runtime.InteropServices.Marshal", PolicySeverity.Reject, "native interop is not allowed"),
        new("System.Runtime.InteropServices.DllImportAttribute", PolicySeverity.Reject, "native interop (P/Invoke) is not allowed"),
        new("System.Runtime.InteropServices.LibraryImportAttribute", PolicySeverity.Reject, "native interop (P/Invoke) is not allowed"),
        new("System.Runtime.InteropServices.GCHandle", PolicySeverity.Reject, "native interop is not allowed"),
        new("System.Runtime.CompilerServices.Unsafe", PolicySeverity.Reject, "unsafe memory access is not allowed"),
        new("System.Environment.Exit", PolicySeverity.Reject, "ending the process is not allowed; return from your method instead"),
        new("System.Environment.FailFast", PolicySeverity.Reject, "ending the process is not allowed"),
        new("System.Environment.GetEnvironmentVariable", PolicySeverity.Reject, "reading the environment is not allowed"),
        new("System.Environment.GetEnvironmentVariables", PolicySeverity.Reject, "reading the environment is not allowed"),
        new("System.Environment.SetEnvironmentVariable", PolicySeverity.Reject, "changing the environment is not allowed"),
        new("System.AppDomain", PolicySeverity.Reject, "the application domain is not available to submissions"),
        new("System.AppContext", PolicySeverity.Reject, "the application context is not available to submissions"),
        new("System.Activator", PolicySeverity.Reject, "creating types by name is not allowed"),
        new("System.Type.GetType", PolicySeverity.Reject, "looking up types by name is not allowed"),
        new("System.Type.InvokeMember", PolicySeverity.Reject, "reflection is not allowed"),
        new("System.Linq.Expressions.Expression.Compile", PolicySeverity.Reject, "generating code at run time is not allowed"),
        new("Microsoft.CSharp.RuntimeBinder", PolicySeverity.Reject, "`dynamic` is not allowed"),
        new("System.Runtime.CompilerServices.ModuleInitializerAttribute", PolicySeverity.Reject, "module initializers run before the grader asks anything; not allowed"),
        new("System.GC.AllocateUninitializedArray", PolicySeverity.Flag, "large uninitialised allocations are watched"),
        new("System.Console.OpenStandardOutput", PolicySeverity.Flag, "raw console streams are noted; output is captured and capped either way"),
        new("System.IO.File", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        new("System.IO.Directory", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        new("System.IO.FileStream", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        new("System.IO.FileInfo", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        new("System.IO.DirectoryInfo", PolicySeverity.Flag, "file access: only the submission's own files are visible, read-only, plus a small private /tmp"),
        new("System.IO.DriveInfo", PolicySeverity.Reject, "inspecting drives is not allowed"),
        new("System.IO.Pipes", PolicySeverity.Reject, "pipes are not allowed"),
        new("System.IO.MemoryMappedFiles", PolicySeverity.Reject, "memory-mapped files are not allowed"),
        new("TorchSharp.torch.jit", PolicySeverity.Reject, "loading TorchScript is not allowed"),
        new("TorchSharp.torch.load", PolicySeverity.Reject, "loading saved models is not allowed: train in the notebook"),
        new("TorchSharp.torch.cuda.manual_seed", PolicySeverity.Flag, "seeding is done by the grader"),
    ];

    private static readonly Rule[] Threads =
    [
        new("System.Threading.Thread", PolicySeverity.Reject, "this assignment does not allow threads"),
        new("System.Threading.ThreadPool", PolicySeverity.Reject, "this assignment does not allow threads"),
        new("System.Threading.Timer", PolicySeverity.Reject, "this assignment does not allow timers"),
        new("System.Threading.Tasks.Task.Run", PolicySeverity.Reject, "this assignment does not allow background tasks"),
        new("System.Threading.Tasks.Parallel", PolicySeverity.Reject, "this assignment does not allow parallel loops"),
    ];

    private static readonly Rule[] Autograd =
    [
        new("TorchSharp.torch.Tensor.backward", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: autograd (backward) is not allowed"),
        new("TorchSharp.torch.autograd", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: torch.autograd is not allowed"),
        new("TorchSharp.torch.Tensor.requires_grad", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: requires_grad is not allowed"),
        new("TorchSharp.torch.Tensor.requires_grad_", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: requires_grad is not allowed"),
        new("TorchSharp.torch.Tensor.grad", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: .grad is not allowed"),
        new("TorchSharp.Modules.Parameter", PolicySeverity.Reject, "this assignment asks for a hand-written backward pass: autograd parameters are not allowed"),
        new("TorchSharp.torch.optim", PolicySeverity.Reject, "this assignment asks for your own SGD step: torch.optim is not allowed"),
    ];

    private Rule[] ActiveRules => [.. AlwaysDenied, .. options.ForbidThreads ? Threads : [], .. options.ForbidAutograd ? Autograd : []];

    /// <summary>Walks the syntax of one tree and names each denied API where it is used, once per line and rule.</summary>
    public IEnumerable<PolicyViolation> CheckSource(SemanticModel model)
        => FindInSource(model)
            // "Process.Start(...)" names the type and the member: report the most specific name only.
            .GroupBy(v => (v.Path, v.Line, v.Reason))
            .Select(group => group.MaxBy(v => v.Api.Length)!);

    private IEnumerable<PolicyViolation> FindInSource(SemanticModel model)
    {
        var rules = ActiveRules;
        var root = model.SyntaxTree.GetRoot();
        var seen = new HashSet<(string, int)>();
        foreach (var node in root.DescendantNodes())
        {
            if (node is MethodDeclarationSyntax method && method.Modifiers.Any(SyntaxKind.ExternKeyword))
            {
                yield return Located(new Rule("extern", PolicySeverity.Reject, "native interop (extern methods) is not allowed"), $"extern {method.Identifier.Text}", node);
                continue;
            }

            if (node is not (SimpleNameSyntax or ObjectCreationExpressionSyntax or ImplicitObjectCreationExpressionSyntax))
            {
                continue;
            }

            var symbol = model.GetSymbolInfo(node).Symbol ?? model.GetSymbolInfo(node).CandidateSymbols.FirstOrDefault();
            if (symbol is null)
            {
                continue;
            }

            foreach (var name in QualifiedNames(symbol))
            {
                var rule = Match(rules, name);
                if (rule is null)
                {
                    continue;
                }

                var violation = Located(rule, name, node);
                if (seen.Add((violation.Api, violation.Line ?? 0)))
                {
                    yield return violation;
                }

                break;
            }
        }
    }

    /// <summary>
    /// Reads the compiled metadata: every type and member the assembly references, and any P/Invoke it declares.
    /// Reports what the source walk did not already report.
    /// </summary>
    public IEnumerable<PolicyViolation> CheckCompiledAssembly(byte[] assembly, IReadOnlyCollection<PolicyViolation> alreadyFound)
    {
        var rules = ActiveRules;
        var known = alreadyFound.Select(v => v.Api).ToHashSet(StringComparer.Ordinal);
        using var peReader = new PEReader(new MemoryStream(assembly));
        var metadata = peReader.GetMetadataReader();
        var found = new List<PolicyViolation>();

        void Consider(string name)
        {
            var rule = Match(rules, name);
            if (rule is not null && !known.Any(k => name.StartsWith(k, StringComparison.Ordinal) || k.StartsWith(name, StringComparison.Ordinal)) && known.Add(name))
            {
                found.Add(new PolicyViolation(rule.Severity, name, rule.Reason, null, null));
            }
        }

        foreach (var handle in metadata.MemberReferences)
        {
            var member = metadata.GetMemberReference(handle);
            string? parent = member.Parent.Kind switch
            {
                HandleKind.TypeReference => TypeName(metadata, (TypeReferenceHandle)member.Parent),
                HandleKind.TypeSpecification => null,
                _ => null,
            };
            if (parent is not null)
            {
                Consider($"{parent}.{metadata.GetString(member.Name)}");
            }
        }

        // After the members, so that "Type.Member" is reported rather than its bare "Type".
        foreach (var handle in metadata.TypeReferences)
        {
            Consider(TypeName(metadata, handle));
        }

        foreach (var handle in metadata.MethodDefinitions)
        {
            var method = metadata.GetMethodDefinition(handle);
            if ((method.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0)
            {
                string name = $"P/Invoke {metadata.GetString(method.Name)}";
                if (known.Add(name))
                {
                    found.Add(new PolicyViolation(PolicySeverity.Reject, name, "native interop (P/Invoke) is not allowed", null, null));
                }
            }
        }

        return found;
    }

    private static Rule? Match(Rule[] rules, string qualifiedName)
        => rules.FirstOrDefault(rule => qualifiedName == rule.Prefix
            || (qualifiedName.StartsWith(rule.Prefix, StringComparison.Ordinal) && qualifiedName[rule.Prefix.Length] is '.' or '`' or '('));

    /// <summary>The names a symbol is known by: the member itself, then its containing types and namespace.</summary>
    private static IEnumerable<string> QualifiedNames(ISymbol symbol)
    {
        var definition = symbol.OriginalDefinition;
        if (definition is IMethodSymbol { ReducedFrom: { } reduced })
        {
            definition = reduced;
        }

        if (definition is INamespaceSymbol)
        {
            yield break;
        }

        if (definition is ITypeSymbol)
        {
            yield return definition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "", StringComparison.Ordinal);
            yield break;
        }

        var containing = definition.ContainingType;
        if (containing is not null)
        {
            string typeName = containing.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "", StringComparison.Ordinal);
            int generic = typeName.IndexOf('<', StringComparison.Ordinal);
            if (generic >= 0)
            {
                typeName = typeName[..generic];
            }

            string memberName = definition is IMethodSymbol { MethodKind: MethodKind.Constructor } ? "" : "." + definition.Name;
            yield return typeName + memberName;
        }
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

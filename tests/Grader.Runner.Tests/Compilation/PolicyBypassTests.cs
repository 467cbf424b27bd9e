using Grader.Runner.Compilation;

namespace Grader.Runner.Tests.Compilation;

/// <summary>
/// The red team's bypasses of the static policy (issue 16), each in our own words: refused in the source with file,
/// line and API named, and, where the API leaves a trace in the compiled assembly, refused there too on its own.
/// </summary>
public class PolicyBypassTests
{
    private static readonly StaticPolicyOptions Hw1 = new() { ForbidAutograd = true };

    // The statement under test lands on line 6 of Work.cs.
    private const string Header = "using System;\nusing TorchSharp;\nusing static TorchSharp.torch;\nclass Work\n{\n";

    private static string InMethod(string statement)
        => Header + "    void Run(Tensor t, nn.Module m) { " + statement + " }\n    public int Secret;\n}\n";

    /// <param name="IlApi">what the IL check names when it is not <paramref name="Api"/> (the handle type a member hands out).</param>
    public sealed record Bypass(string Name, string Statement, string Api, bool InIl = true, string? IlApi = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Bypass> Bypasses()
    {
        // Every path into autograd the API offers.
        yield return new("with_requires_grad", "var x = t.with_requires_grad();", "TorchSharp.torch.Tensor.with_requires_grad");
        yield return new("requires_grad setter", "t.requires_grad = true;", "TorchSharp.torch.Tensor.requires_grad");
        yield return new("requires_grad_", "t.requires_grad_();", "TorchSharp.torch.Tensor.requires_grad_");
        yield return new("requires_grad factory argument", "var x = zeros(new long[] { 3 }, requires_grad: true);", "TorchSharp.torch.zeros(requires_grad: …)", InIl: false);
        yield return new("requires_grad positional argument", "var x = ones(new long[] { 3 }, ScalarType.Float32, null, true);", "TorchSharp.torch.ones(requires_grad: …)", InIl: false);
        yield return new("backward", "t.backward();", "TorchSharp.torch.Tensor.backward");
        yield return new("grad", "var g = t.grad;", "TorchSharp.torch.Tensor.grad");
        yield return new("retain_grad", "t.retain_grad();", "TorchSharp.torch.Tensor.retain_grad");
        yield return new("enable_grad", "using var on = enable_grad();", "TorchSharp.torch.enable_grad");
        yield return new("autograd.grad", "var g = autograd.grad(new[] { t }, new[] { t });", "TorchSharp.torch.autograd.grad");
        yield return new("autograd.backward", "autograd.backward(new[] { t });", "TorchSharp.torch.autograd.backward");
        yield return new("optimiser", "var sgd = optim.SGD(m.parameters(), 0.1);", "TorchSharp.torch.optim.SGD");
        yield return new("zero_grad", "m.zero_grad();", "TorchSharp.torch.nn.Module.zero_grad");
        yield return new("parameter", "var p = new TorchSharp.Modules.Parameter(t);", "TorchSharp.Modules.Parameter");

        // Reflection and code generation by name.
        yield return new("Delegate.CreateDelegate", "var d = Delegate.CreateDelegate(typeof(Action), this, \"Run\");", "System.Delegate.CreateDelegate");
        yield return new("Type.MakeGenericType", "var g = typeof(System.Collections.Generic.List<>).MakeGenericType(GetType());", "System.Type.MakeGenericType");
        yield return new("Type.GetType non-constant", "var name = \"Grader\" + \".Sandbox\"; var ty = Type.GetType(name);", "System.Type.GetType");
        yield return new("Type.GetMethod", "var mi = GetType().GetMethod(\"Run\");", "System.Type.GetMethod");
        yield return new("Expression.Call by name", "var call = System.Linq.Expressions.Expression.Call(typeof(Console), \"Beep\", null);", "System.Linq.Expressions.Expression.Call");
        yield return new("Expression.Field by name", "var f = System.Linq.Expressions.Expression.Field(System.Linq.Expressions.Expression.Constant(this), \"Secret\");", "System.Linq.Expressions.Expression.Field");
        yield return new("Expression.Property by name", "var f = System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Constant(\"a\"), \"Length\");", "System.Linq.Expressions.Expression.Property");
        yield return new("LambdaExpression.Compile", "System.Linq.Expressions.Expression<Func<int>> e = () => 1; var f = e.Compile();", "System.Linq.Expressions.Expression");
        yield return new("Activator", "var o = Activator.CreateInstance(GetType());", "System.Activator.CreateInstance");
        yield return new("dynamic", "dynamic anything = this;", "dynamic", InIl: false);

        // Raw memory, handles, processes.
        yield return new("MemoryMarshal", "var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new int[1].AsSpan()).Length;", "System.Runtime.InteropServices.MemoryMarshal.AsBytes");
        yield return new("Unsafe", "var w = System.Runtime.CompilerServices.Unsafe.As<Work>(t);", "System.Runtime.CompilerServices.Unsafe.As");
        yield return new("SafeFileHandle", "var h = new Microsoft.Win32.SafeHandles.SafeFileHandle(3, false);", "Microsoft.Win32.SafeHandles.SafeFileHandle");
        yield return new("SafeHandle from File.OpenHandle", "var h = System.IO.File.OpenHandle(\"/proc/self/fd/3\");", "System.IO.File.OpenHandle", IlApi: "Microsoft.Win32.SafeHandles.SafeFileHandle");
        yield return new("SafeHandle property", "var h = new System.IO.FileStream(\"x\", System.IO.FileMode.Open).SafeFileHandle;", "System.IO.FileStream.SafeFileHandle", IlApi: "Microsoft.Win32.SafeHandles.SafeFileHandle");
        yield return new("ProcessStartInfo", "var start = new System.Diagnostics.ProcessStartInfo(\"sh\");", "System.Diagnostics.ProcessStartInfo");
        yield return new("IntPtr", "var p = new IntPtr(4096);", "System.IntPtr");

        // TorchSharp's native pointers and files.
        yield return new("Tensor.Handle", "var p = t.Handle;", "TorchSharp.torch.Tensor.Handle");
        yield return new("UnsafeCreateTensor", "var u = Tensor.UnsafeCreateTensor(default);", "TorchSharp.torch.Tensor.UnsafeCreateTensor");
        yield return new("from_file", "var f = from_file(\"/submission/x.bin\");", "TorchSharp.torch.from_file");
        yield return new("hub", "hub.download_url_to_file(\"http://x\", \"/tmp/x\");", "TorchSharp.torch.hub.download_url_to_file");
        yield return new("Tensor.load", "var l = Tensor.load(\"/tmp/x\");", "TorchSharp.torch.Tensor.load");
        yield return new("Tensor.save", "t.save(\"/tmp/x\");", "TorchSharp.torch.Tensor.save");
        yield return new("Module.load", "m.load(\"/tmp/x\");", "TorchSharp.torch.nn.Module.load");
        yield return new("Module.save", "m.save(\"/tmp/x\");", "TorchSharp.torch.nn.Module.save");
        yield return new("torch.load", "var l = load(\"/tmp/x\");", "TorchSharp.torch.load");
        yield return new("torch.save", "save(t, \"/tmp/x\");", "TorchSharp.torch.save");
    }

    private static CompilationOutcome Compile(string source, string path = "Work.cs", bool script = false)
        => new StudentCompiler(new StaticPolicy(Hw1)).Compile([new CodeUnit(path, source, script)]);

    [TestCaseSource(nameof(Bypasses))]
    public void TheBypassIsRefusedWithFileLineAndApi(Bypass bypass)
    {
        var outcome = Compile(InMethod(bypass.Statement));
        Assert.That(outcome.Messages.Where(m => m.IsError), Is.Empty, "the bypass compiles: " + string.Join("\n", outcome.Messages));
        var refused = outcome.Violations.Where(v => v.Severity == PolicySeverity.Reject && v.Path is not null).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Succeeded, Is.False);
            Assert.That(refused.Select(v => v.Api), Has.Some.StartWith(bypass.Api), string.Join("\n", outcome.Violations));
            Assert.That(refused.Where(v => v.Api.StartsWith(bypass.Api, StringComparison.Ordinal)).Select(v => v.Where), Has.All.EqualTo("Work.cs:6"));
        });
    }

    [TestCaseSource(nameof(Bypasses))]
    public void TheCompiledAssemblyAloneGivesTheBypassAway(Bypass bypass)
    {
        if (!bypass.InIl)
        {
            Assert.Ignore("leaves no trace of its own in IL; refused in the source");
        }

        var outcome = Compile(InMethod(bypass.Statement));
        Assert.That(outcome.Assembly, Is.Not.Null, string.Join("\n", outcome.Messages));
        // As if the source walk had missed it: the IL check alone must refuse.
        var inIl = new StaticPolicy(Hw1).CheckCompiledAssembly(outcome.Assembly!, []).ToList();
        Assert.That(inIl.Where(v => v.Severity == PolicySeverity.Reject).Select(v => v.Api), Has.Some.StartWith(bypass.IlApi ?? bypass.Api.Split('(')[0]), string.Join("\n", inIl));
    }

    [Test]
    public void OrdinaryHomeworkCodeIsNotRefused()
    {
        // Collection expressions, params spans (string.Join) and list literals make the compiler emit Unsafe,
        // MemoryMarshal and CollectionsMarshal calls of its own; typeof, GetType().Name, events and no_grad are fine.
        const string source = Header + """
                public event Action? Changed;
                public int this[int i] => i;
                public string Describe(Tensor t, int a, int b, int c)
                {
                    System.Collections.Generic.List<int> list = [a, b, c];
                    ReadOnlySpan<int> span = [a, b, c];
                    Changed += () => { };
                    using var off = no_grad();
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    var mlp = nn.Linear(3, 2);
                    var state = mlp.state_dict();
                    return string.Join(", ", "x", GetType().Name, typeof(Work).FullName, list.Count.ToString(), span.Length.ToString(), watch.ElapsedMilliseconds.ToString(), t.shape[0].ToString()) + string.Concat("a", "b", "c", "d", "e");
                }
            }
            """;
        var outcome = Compile(source);
        Assert.That(outcome.Messages.Where(m => m.IsError), Is.Empty, string.Join("\n", outcome.Messages));
        Assert.That(outcome.Violations, Is.Empty, string.Join("\n", outcome.Violations));
    }

    [Test]
    public void NoGradAndNumericalGradientAreNotAutograd()
    {
        var outcome = Compile(InMethod("using var off = no_grad(); var on = is_grad_enabled(); var g = gradient(t);"));
        Assert.That(outcome.Violations, Is.Empty, string.Join("\n", outcome.Violations));
    }

    [Test]
    public void AnExternMethodIsRefusedInIlEvenWithoutDllImport()
    {
        // [UnsafeAccessor] reaches private members without reflection: an extern with no body.
        var outcome = Compile(Header + "    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Field, Name = \"secret\")]\n    static extern ref int Secret(Work w);\n}\n");
        var inIl = new StaticPolicy(Hw1).CheckCompiledAssembly(outcome.Assembly!, []).ToList();
        Assert.That(outcome.Violations.Where(v => v.Path is not null).Select(v => v.Where), Has.Some.EqualTo("Work.cs:6").Or.Some.EqualTo("Work.cs:7"));
        Assert.That(inIl.Select(v => v.Api), Has.Some.EqualTo("extern Secret"), string.Join("\n", inIl));
    }

    public static IEnumerable<TestCaseData> Directives()
    {
        yield return new TestCaseData("#line 1 \"Grader.Reference/Checks/Hw1MlpChecks.cs\"", false, "#line").SetName("#line in a file");
        yield return new TestCaseData("#line (1, 1) - (1, 10) \"grader.cs\"", false, "#line").SetName("#line span in a file");
        yield return new TestCaseData("#pragma checksum \"Work.cs\" \"{ff1816ec-aa5e-4d10-87f7-6f4963833460}\" \"ab\"", false, "#pragma checksum").SetName("#pragma checksum");
        yield return new TestCaseData("#frobnicate", false, "not known").SetName("unknown directive");
        yield return new TestCaseData("#line 1 \"MultilayerPerceptron.cs\"", true, "#line").SetName("#line in a script");
        yield return new TestCaseData("# r \"/submission/evil.dll\"", true, "#r").SetName("# r with a space");
        yield return new TestCaseData("#r\"/submission/evil.dll\"", true, "#r").SetName("#r without a space");
        yield return new TestCaseData("#load\"other.csx\"", true, "#load").SetName("#load without a space");
    }

    [TestCaseSource(nameof(Directives))]
    public void AForbiddenDirectiveIsRefusedWhereItIs(string directive, bool script, string reasonMentions)
    {
        string path = script ? "work.csx" : "Work.cs";
        string source = script
            ? "var a = 1;\nvar b = 2;\n" + directive + "\nvar c = 3;\n"
            : "class Work\n{\n" + directive + "\n    int c = 3;\n}\n";
        var outcome = Compile(source, path, script);
        var refused = outcome.Violations.Where(v => v.Severity == PolicySeverity.Reject && v.Reason.Contains(reasonMentions, StringComparison.Ordinal)).ToList();
        Assert.That(refused.Select(v => v.Where), Is.EqualTo(new[] { $"{path}:3" }), string.Join("\n", outcome.Violations));
        Assert.That(refused[0].Api, Does.StartWith(directive.Length > 10 ? directive[..10] : directive));
        Assert.That(outcome.Succeeded, Is.False);
    }

    [Test]
    public void AChainOfScriptSubmissionsWithUsingsInALaterCellHasNoDirectiveFindings()
    {
        // A .csx and a notebook whose second cell opens a namespace: three chained submissions, no directive anywhere.
        var outcome = new StudentCompiler(new StaticPolicy(Hw1)).Compile(
        [
            new CodeUnit("a.csx", "var a = 1;\n", IsScript: true),
            new CodeUnit("hw.ipynb", "var b = 2;\nusing System.Text;\nvar s = new StringBuilder();\n", IsScript: true, Cells: [(0, 1), (1, 2)]),
        ]);
        Assert.That(outcome.Messages.Where(m => m.IsError), Is.Empty, string.Join("\n", outcome.Messages));
        Assert.That(outcome.Violations, Is.Empty, string.Join("\n", outcome.Violations));
    }

    [Test]
    public void EveryModelSolutionPassesItsAssignmentsPolicy()
    {
        string root = Grading.GradingFixture.RepositoryRoot;
        foreach (var folder in Directory.GetDirectories(Path.Combine(root, "assignments")).Where(d => Directory.Exists(Path.Combine(d, "solution"))))
        {
            bool autograd = File.ReadAllText(Path.Combine(folder, "assignment.yaml")).Contains("forbid: [autograd]", StringComparison.Ordinal);
            var units = Directory.GetFiles(Path.Combine(folder, "solution"), "*.cs").Select(file => new CodeUnit(Path.GetFileName(file), File.ReadAllText(file), false)).ToList();
            var outcome = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions { ForbidAutograd = autograd })).Compile(units);
            Assert.That(outcome.Violations.Where(v => v.Severity == PolicySeverity.Reject), Is.Empty, $"{Path.GetFileName(folder)}: {string.Join("\n", outcome.Violations)}");
            Assert.That(outcome.Succeeded, Is.True, $"{Path.GetFileName(folder)}: {string.Join("\n", outcome.Messages)}");
        }
    }
}

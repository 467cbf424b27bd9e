using Grader.Runner.Compilation;

namespace Grader.Runner.Tests.Compilation;

/// <summary>The guardrail in front of the sandbox: what it refuses, what it flags, and where it says it found it.</summary>
public class StaticPolicyTests
{
    private static CompilationOutcome Compile(string source, StaticPolicyOptions? options = null, bool asScript = false)
        => new StudentCompiler(new StaticPolicy(options ?? new StaticPolicyOptions()))
            .Compile([new CodeUnit(asScript ? "work.csx" : "Work.cs", source, asScript)]);

    [Test]
    public void StartingAProcessIsRefusedWithTheFileLineAndApi()
    {
        var outcome = Compile("class Work\n{\n    void Run() => System.Diagnostics.Process.Start(\"sh\");\n}\n");
        var violation = outcome.Violations.Single();
        Assert.Multiple(() =>
        {
            Assert.That(violation.Severity, Is.EqualTo(PolicySeverity.Reject));
            Assert.That(violation.Api, Is.EqualTo("System.Diagnostics.Process.Start"));
            Assert.That(violation.Where, Is.EqualTo("Work.cs:3"));
            Assert.That(outcome.Succeeded, Is.False);
        });
    }

    [Test]
    public void ReadingAFileIsFlaggedNotRefused()
    {
        var outcome = Compile("class Work { string Read() => System.IO.File.ReadAllText(\"data.csv\"); }");
        Assert.That(outcome.Violations.Single().Severity, Is.EqualTo(PolicySeverity.Flag));
        Assert.That(outcome.Succeeded, Is.True);
    }

    [Test]
    public void AutogradIsRefusedOnlyWhereTheAssignmentForbidsIt()
    {
        const string source = "using TorchSharp; class Work { void Learn(torch.Tensor loss) => loss.backward(); }";
        Assert.That(Compile(source).Violations, Is.Empty);
        var refused = Compile(source, new StaticPolicyOptions { ForbidAutograd = true }).Violations.Single();
        Assert.That(refused.Api, Is.EqualTo("TorchSharp.torch.Tensor.backward"));
        Assert.That(refused.Reason, Does.Contain("hand-written backward pass"));
    }

    [Test]
    public void ThreadsAreRefusedOnlyWhereTheAssignmentForbidsThem()
    {
        const string source = "class Work { void Go() => System.Threading.Tasks.Task.Run(() => { }); }";
        Assert.That(Compile(source).Violations, Is.Empty);
        Assert.That(Compile(source, new StaticPolicyOptions { ForbidThreads = true }).Violations.Single().Api, Is.EqualTo("System.Threading.Tasks.Task.Run"));
    }

    [Test]
    public void WhatOnlyTheCompilerWroteIsFoundInTheIl()
    {
        // A lambda given to Queryable becomes an expression tree: the compiler emits a reflection call the source never shows.
        var outcome = Compile("using System.Linq; class Work { object Shape() => new[] { \"a\" }.AsQueryable().Select(s => s.ToUpper()).ToList(); }");
        var generated = outcome.Violations.Where(v => v.Path is null).ToList();
        Assert.That(outcome.Violations.Where(v => v.Path is not null), Is.Empty, "nothing in the source names reflection");
        Assert.That(generated.Select(v => v.Api), Has.Some.EqualTo("System.Reflection.MethodBase.GetMethodFromHandle"));
        Assert.That(generated.Select(v => v.Where), Is.All.EqualTo("in compiler-generated code"));
    }

    [Test]
    public void UnsafeCodeDoesNotCompile()
    {
        var outcome = Compile("class Work { unsafe void Poke() { int* p = null; *p = 1; } }");
        Assert.That(outcome.Messages.First(m => m.IsError).Message, Is.EqualTo("unsafe code is not allowed in submissions"));
    }

    [Test]
    public void NotebookScriptsMayOpenNamespacesInAnyCellAndCallDisplay()
    {
        // Two cells: the second opens a namespace after the first ran statements, as .NET Interactive allows.
        const string cells = "var x = 1;\ndisplay(x);\nusing System.Text;\nvar builder = new StringBuilder();\n";
        var outcome = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()))
            .Compile([new CodeUnit("hw.ipynb", cells, IsScript: true, Cells: [(0, 2), (2, 2)])]);
        Assert.That(outcome.Messages.Where(m => m.IsError), Is.Empty, string.Join("\n", outcome.Messages));
        Assert.That(outcome.Succeeded, Is.True);
    }
}

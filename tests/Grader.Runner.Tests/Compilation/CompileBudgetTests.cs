using System.Diagnostics;
using System.Text;
using Grader.Runner.Compilation;

namespace Grader.Runner.Tests.Compilation;

/// <summary>
/// Code that makes Roslyn itself explode (issue 16) is a compile failure within the compile budget, the grader's
/// memory stays bounded, and the next submission compiles normally in the same process.
/// </summary>
[NonParallelizable]
public class CompileBudgetTests
{
    private const double SlackSeconds = 10;
    private const long GraderMemoryBound = 1024L * 1024 * 1024;

    private const string Honest = """
        using TorchSharp;
        using static TorchSharp.torch;
        public class Honest
        {
            public Tensor Forward(Tensor input) => nn.functional.relu(input.matmul(ones(2, 3)));
            public int Count(int[] xs) => xs.Where(x => x > 0).Select(x => x * 2).Sum();
        }
        """;

    /// <summary>Each line doubles the last: 8 characters at a0, 64 M characters at a23 (3 GB reached in Emit).</summary>
    public static string DoublingConstants(int count, bool local)
    {
        var text = new StringBuilder(local ? "class Bomb { int M() {\n" : "class Bomb {\n");
        text.Append("const string a0 = \"xxxxxxxx\";\n");
        for (int i = 1; i < count; i++)
        {
            text.Append($"const string a{i} = a{i - 1} + a{i - 1};\n");
        }

        return text.Append(local ? $"return a{count - 1}.Length; }} }}\n" : "}\n").ToString();
    }

    /// <summary><paramref name="depth"/> implicitly typed lambdas nested as arguments to <paramref name="overloads"/> overloads.</summary>
    public static string NestedLambdas(int depth, int overloads)
    {
        string[] types = ["int", "string", "double", "long", "float", "byte", "char"];
        var text = new StringBuilder("using System;\nclass Knot {\n");
        for (int i = 0; i < overloads; i++)
        {
            text.Append($"static int M(Func<{types[i]}, int> f) => 0;\n");
        }

        text.Append("int Tie() => ");
        for (int i = 0; i < depth; i++)
        {
            text.Append($"M(x{i} => ");
        }

        return text.Append('0').Append(')', depth).Append(";\n}\n").ToString();
    }

    private static (CompilationOutcome Outcome, TimeSpan Took, long HeapGrowth) Measure(string code, CompileBudget? budget = null, bool asScript = false)
    {
        long before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var outcome = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()), budget)
            .Compile([new CodeUnit(asScript ? "bomb.csx" : "Bomb.cs", code, asScript)]);
        var took = clock.Elapsed;
        return (outcome, took, GC.GetTotalMemory(forceFullCollection: false) - before);
    }

    private static void AssertHonestCodeStillCompiles()
    {
        var honest = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions())).Compile([new CodeUnit("Honest.cs", Honest, IsScript: false)]);
        Assert.That(honest.Succeeded, Is.True, string.Join("\n", honest.Messages));
        Assert.That(Process.GetCurrentProcess().WorkingSet64, Is.LessThan(2 * GraderMemoryBound), "the test process after the attack");
    }

    [TestCase(24, false)]
    [TestCase(24, true)]
    [TestCase(40, false)]
    public void DoublingConstantStringsAreRefusedWithinTheMemoryBudget(int count, bool local)
    {
        var (outcome, took, growth) = Measure(DoublingConstants(count, local), asScript: local);
        var message = outcome.Messages.Single(m => m.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Succeeded, Is.False);
            Assert.That(message.Id, Is.EqualTo(StudentCompiler.OverBudgetId));
            Assert.That(message.Message, Does.StartWith("your code is too complex to compile within 1 GB"));
            Assert.That(message.Message, Does.Contain($"'a{count - 1}'"));
            Assert.That(took.TotalSeconds, Is.LessThan(CompileBudget.DefaultSeconds + SlackSeconds));
            Assert.That(growth, Is.LessThan(GraderMemoryBound));
        });
        AssertHonestCodeStillCompiles();
    }

    [Test]
    public void ConstantStringsOfOrdinarySizeCompile()
    {
        var (outcome, _, _) = Measure(DoublingConstants(14, local: false));
        Assert.That(outcome.Succeeded, Is.True, string.Join("\n", outcome.Messages));
    }

    [Test]
    public void TwentyNestedLambdasOverThreeOverloadsAreRefusedWithinTheTimeBudget()
    {
        var (outcome, took, growth) = Measure(NestedLambdas(20, 3));
        var message = outcome.Messages.Single(m => m.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(message.Id, Is.EqualTo(StudentCompiler.OverBudgetId));
            Assert.That(message.Message, Does.StartWith("your code is too complex to compile within 20 s"));
            Assert.That(took.TotalSeconds, Is.LessThan(CompileBudget.DefaultSeconds + SlackSeconds));
            Assert.That(growth, Is.LessThan(GraderMemoryBound));
        });
        AssertHonestCodeStillCompiles();
    }

    [Test]
    public void LinqNestedAsDeepAsHomeworkDoesCompile()
    {
        var (outcome, _, _) = Measure("using System.Linq; class Q { object R(int[] xs) => xs.Select(a => xs.Where(b => xs.Any(c => c > a + b)).Select(d => xs.Count(e => e < d))).ToList(); }");
        Assert.That(outcome.Succeeded, Is.True, string.Join("\n", outcome.Messages));
    }

    /// <summary>
    /// Below the nesting the syntax check refuses, many overloads still make binding slow: the deadline stops it
    /// (the compile thread may finish its current step in the background) and the grader goes on.
    /// </summary>
    [Test]
    public void ACompileOverItsDeadlineIsACompileFailureAtTheDeadline()
    {
        var budget = new CompileBudget(Seconds: 1);
        var (outcome, took, _) = Measure(NestedLambdas(6, 7), budget);
        var message = outcome.Messages.Single(m => m.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(message.Id, Is.EqualTo(StudentCompiler.OverBudgetId));
            Assert.That(message.Message, Is.EqualTo("your code is too complex to compile within 1 s"));
            Assert.That(took.TotalSeconds, Is.LessThan(1 + 1 + SlackSeconds));
        });
        AssertHonestCodeStillCompiles();
    }

    /// <summary>The heap watchdog: a compile whose heap outgrows a small budget is stopped as over memory.</summary>
    [Test]
    public void ACompileOverItsMemoryBudgetIsACompileFailure()
    {
        var text = new StringBuilder("using System.Linq;\nclass Big {\n");
        for (int i = 0; i < 6000; i++)
        {
            text.Append($"int M{i}(int x) {{ var list = new System.Collections.Generic.List<int> {{ x, {i}, 2, 3 }}; return list.Where(v => v > {i}).Select(v => v * 2).Sum() + x; }}\n");
        }

        var (outcome, took, _) = Measure(text.Append("}\n").ToString(), new CompileBudget(MemoryMb: 64));
        var message = outcome.Messages.Single(m => m.IsError);
        Assert.Multiple(() =>
        {
            Assert.That(message.Id, Is.EqualTo(StudentCompiler.OverBudgetId));
            Assert.That(message.Message, Is.EqualTo("your code is too complex to compile within 64 MB"));
            Assert.That(took.TotalSeconds, Is.LessThan(CompileBudget.DefaultSeconds + SlackSeconds));
        });
        AssertHonestCodeStillCompiles();
    }

    [Test]
    public void AnOverBudgetOutcomeIsNotCachedForTheNextGrading()
    {
        var cache = new CompilationCache();
        CodeUnit[] units = [new CodeUnit("Bomb.cs", DoublingConstants(24, local: false), IsScript: false)];
        var compiler = new StudentCompiler(new StaticPolicy(new StaticPolicyOptions()));
        cache.GetOrCompile("v", new StaticPolicyOptions(), units, () => compiler.Compile(units));
        Assert.That(cache.Count, Is.Zero);
    }
}

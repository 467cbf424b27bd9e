using Grader.Runner.Compilation;

namespace Grader.Runner.Tests.Compilation;

/// <summary>The compile cache answers a re-grade of the same code with the same grader, and nothing else.</summary>
public class CompilationCacheTests
{
    private static readonly StaticPolicyOptions Policy = new() { ForbidAutograd = true };

    private static CodeUnit[] Units(string text) => [new CodeUnit("Mlp.cs", text, IsScript: false)];

    /// <summary>A stand-in for Roslyn that counts its calls and marks each outcome with the call's number.</summary>
    private sealed class CountingCompiler
    {
        public int Calls { get; private set; }

        public CompilationOutcome Compile() => new([(byte)++Calls, 0, 0, 0], [], []);
    }

    [Test]
    public void TheSameCodeWithTheSameGraderIsCompiledOnce()
    {
        var cache = new CompilationCache();
        var compiler = new CountingCompiler();
        var first = cache.GetOrCompile("1.0.0+aaa", Policy, Units("class A {}"), compiler.Compile);
        var second = cache.GetOrCompile("1.0.0+aaa", Policy, Units("class A {}"), compiler.Compile);
        Assert.Multiple(() =>
        {
            Assert.That(compiler.Calls, Is.EqualTo(1));
            Assert.That(second, Is.SameAs(first));
            Assert.That((cache.Hits, cache.Misses), Is.EqualTo((1L, 1L)));
        });
    }

    [Test]
    public void ChangedCodeGraderVersionPolicyOrLayoutIsCompiledAgain()
    {
        var cache = new CompilationCache();
        var compiler = new CountingCompiler();
        cache.GetOrCompile("1.0.0+aaa", Policy, Units("class A {}"), compiler.Compile);
        cache.GetOrCompile("1.0.0+aaa", Policy, Units("class A { }"), compiler.Compile);
        cache.GetOrCompile("1.0.0+bbb", Policy, Units("class A {}"), compiler.Compile);
        cache.GetOrCompile("1.0.0+aaa", Policy with { ForbidThreads = true }, Units("class A {}"), compiler.Compile);
        cache.GetOrCompile("1.0.0+aaa", Policy, [new CodeUnit("Other.cs", "class A {}", IsScript: false)], compiler.Compile);
        cache.GetOrCompile("1.0.0+aaa", Policy, [new CodeUnit("Mlp.cs", "class A {}", IsScript: true)], compiler.Compile);
        cache.GetOrCompile("1.0.0+aaa", Policy, [new CodeUnit("Mlp.cs", "class A {}", IsScript: true, [(0, 1)])], compiler.Compile);
        Assert.Multiple(() =>
        {
            Assert.That(compiler.Calls, Is.EqualTo(7));
            Assert.That(cache.Hits, Is.Zero);
            Assert.That(cache.Count, Is.EqualTo(7));
        });
    }

    [Test]
    public void FieldsCannotRunIntoEachOther()
    {
        // Without length prefixes these two would hash the same text "ab" + "c" = "a" + "bc".
        Assert.That(CompilationCache.KeyOf("v", Policy, [new CodeUnit("ab", "c", false)]),
            Is.Not.EqualTo(CompilationCache.KeyOf("v", Policy, [new CodeUnit("a", "bc", false)])));
    }

    [Test]
    public void TheLeastRecentlyUsedEntryGoesFirst()
    {
        var cache = new CompilationCache(maxEntries: 2);
        var compiler = new CountingCompiler();
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile);
        cache.GetOrCompile("v", Policy, Units("B"), compiler.Compile);
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile); // A is now the most recent
        cache.GetOrCompile("v", Policy, Units("C"), compiler.Compile); // evicts B
        int callsBefore = compiler.Calls;
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile);
        Assert.That(compiler.Calls, Is.EqualTo(callsBefore), "A was kept");
        cache.GetOrCompile("v", Policy, Units("B"), compiler.Compile);
        Assert.Multiple(() =>
        {
            Assert.That(compiler.Calls, Is.EqualTo(callsBefore + 1), "B was evicted");
            Assert.That(cache.Count, Is.EqualTo(2));
        });
    }

    [Test]
    public void AByteBoundKeepsTheCacheSmall()
    {
        var cache = new CompilationCache(maxEntries: 100, maxBytes: 10);
        var compiler = new CountingCompiler();
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile);
        cache.GetOrCompile("v", Policy, Units("B"), compiler.Compile);
        cache.GetOrCompile("v", Policy, Units("C"), compiler.Compile);
        Assert.That(cache.Count, Is.EqualTo(2), "three 4-byte assemblies do not fit in 10 bytes");
    }

    [Test]
    public void ACacheOfNoEntriesCompilesEveryTime()
    {
        var cache = new CompilationCache(maxEntries: 0);
        var compiler = new CountingCompiler();
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile);
        cache.GetOrCompile("v", Policy, Units("A"), compiler.Compile);
        Assert.That(compiler.Calls, Is.EqualTo(2));
    }
}

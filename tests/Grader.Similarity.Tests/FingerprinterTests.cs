namespace Grader.Similarity.Tests;

public sealed class FingerprinterTests
{
    [Test]
    public void WinnowingSelectsTheRightmostMinimumOfEveryWindowOnce()
    {
        var fingerprinter = new Fingerprinter(kGramLength: 2, window: 4);
        // The example of Schleimer, Wilkerson and Aiken (2003), windows of 4: fingerprints 17 17 8 39 17.
        ulong[] hashes = [77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42, 17, 98];

        var selected = fingerprinter.Winnow(hashes);

        Assert.That(selected.Select(i => hashes[i]), Is.EqualTo(new ulong[] { 17, 17, 8, 39, 17 }));
        Assert.That(selected, Is.EqualTo(new[] { 3, 6, 8, 11, 15 }));
    }

    [Test]
    public void ShortTextsStillYieldTheirMinimumAndTooShortTextsNothing()
    {
        var fingerprinter = new Fingerprinter(kGramLength: 2, window: 8);

        Assert.That(fingerprinter.Winnow([5, 3, 9]), Is.EqualTo(new[] { 1 }));
        Assert.That(fingerprinter.Winnow([]), Is.Empty);
        Assert.That(fingerprinter.KGramHashes(CodeTokenizer.Tokenize("x")), Is.Empty);
    }

    [Test]
    public void ACommonRunOfKPlusWMinusOneTokensIsAlwaysFound()
    {
        // Guarantee of winnowing: whatever surrounds it, a shared run of k + w - 1 tokens shares a fingerprint.
        const int k = 5, w = 4;
        var fingerprinter = new Fingerprinter(k, w);
        var random = new Random(42);
        string[] vocabulary = ["a", "+", "(", ")", "if", "while", "return", ";", "{", "}", "1", "*", "=", "for", "new"];
        for (int trial = 0; trial < 200; trial++)
        {
            string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
            string shared = Words(k + w - 1);
            var first = fingerprinter.Fingerprint(new SubmissionSource("a", [new SourceFile("a.cs", $"{Words(random.Next(30))} {shared} {Words(random.Next(30))}")]));
            var second = fingerprinter.Fingerprint(new SubmissionSource("b", [new SourceFile("b.cs", $"{Words(random.Next(30))} {shared} {Words(random.Next(30))}")]));

            Assert.That(first.DistinctHashes.Intersect(second.DistinctHashes), Is.Not.Empty, $"trial {trial}");
        }
    }

    [Test]
    public void FingerprintsPointAtTheLinesOfTheirTokens()
    {
        var fingerprinter = new Fingerprinter(kGramLength: 3, window: 1);
        var submission = fingerprinter.Fingerprint(new SubmissionSource("s", [new SourceFile("a.cs", "x\n=\ny;\nz = 1;"), new SourceFile("b.cs", "a = b;")]));

        // Window 1 keeps every k-gram: x = y | = y ; | y ; z | ; z = | z = 1 | = 1 ; then a = b | = b ;
        Assert.That(submission.Fingerprints.Select(f => (f.FileIndex, f.StartLine, f.EndLine)), Is.EqualTo(new[]
        {
            (0, 1, 3), (0, 2, 3), (0, 3, 4), (0, 3, 4), (0, 4, 4), (0, 4, 4), (1, 1, 1), (1, 1, 1),
        }));
        Assert.That(submission.TokenCount, Is.EqualTo(12));
    }

    [Test]
    public void ExcludedHashesAreRemoved()
    {
        var fingerprinter = new Fingerprinter(kGramLength: 4, window: 3);
        var starter = fingerprinter.AllKGramHashes([new SourceFile("starter.cs", Fixtures.Statistics)]);

        var submission = fingerprinter.Fingerprint(new SubmissionSource("s", [new SourceFile("a.cs", Fixtures.StatisticsRenamed)]), starter);

        Assert.That(submission.Fingerprints, Is.Empty);
    }
}

using Grader.Submissions.Intake;
using Grader.Submissions.Storage;

namespace Grader.Submissions.Tests;

public sealed class SubmissionStoreTests
{
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new ScratchFolder();

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    [Test]
    public void Store_puts_the_bytes_under_their_sha256()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"));
        var bytes = TestArchives.Utf8("hello");

        var hash = store.Store(new MemoryStream(bytes));

        // sha256("hello"), computed independently.
        Assert.That(hash.Hex, Is.EqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
        Assert.That(store.PathOf(hash), Is.EqualTo(Path.Combine(store.RootFolder, "2c", hash.Hex)));
        Assert.That(store.Exists(hash), Is.True);
        using var stored = store.Open(hash);
        using var copy = new MemoryStream();
        stored.CopyTo(copy);
        Assert.That(copy.ToArray(), Is.EqualTo(bytes));
    }

    [Test]
    public void Storing_the_same_bytes_twice_gives_the_same_hash_and_one_file()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"));
        var first = store.Store(new MemoryStream(TestArchives.Utf8("same")));
        var second = store.Store(new MemoryStream(TestArchives.Utf8("same")));

        Assert.That(second, Is.EqualTo(first));
        var blobs = Directory.GetFiles(store.RootFolder, "*", SearchOption.AllDirectories);
        Assert.That(blobs, Has.Length.EqualTo(1), "no temporary file may be left behind");
        Assert.That(store.Verify(first), Is.True);
    }

    [Test]
    public async Task Concurrent_writers_of_the_same_content_all_succeed_with_one_blob()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"));
        var content = new byte[256 * 1024];
        new Random(42).NextBytes(content);

        var hashes = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => store.StoreAsync(new MemoryStream(content)))));

        Assert.That(hashes.Distinct().Count(), Is.EqualTo(1));
        Assert.That(Directory.GetFiles(store.RootFolder, "*", SearchOption.AllDirectories), Has.Length.EqualTo(1));
        Assert.That(store.Verify(hashes[0]), Is.True);
    }

    [Test]
    public void Content_above_the_limit_is_refused_while_streaming_and_nothing_is_kept()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"), maxBlobBytes: 1000);
        var endless = new EndlessTarStream([]);

        var refusal = Assert.Throws<SubmissionRefusedException>(() => store.Store(endless, "abc123_hw1.zip"));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: the upload is larger than the 1000 bytes limit"));
        Assert.That(endless.BytesRead, Is.LessThan(200_000), "the store must stop reading at the limit");
        Assert.That(Directory.GetFiles(store.RootFolder, "*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void A_blob_is_never_visible_half_written()
    {
        // The store writes under incoming/ and renames: nothing appears at the final path until the content is complete.
        var store = new SubmissionStore(_scratch.PathOf("store"));
        var content = new byte[1024 * 1024];
        new Random(7).NextBytes(content);
        var expected = ContentHash.Compute(content);
        var observedPartial = false;
        using var writerDone = new ManualResetEventSlim();
        var watcher = Task.Run(() =>
        {
            while (!writerDone.IsSet)
            {
                var path = store.PathOf(expected);
                if (File.Exists(path) && new FileInfo(path).Length != content.Length)
                {
                    observedPartial = true;
                }
            }
        });

        store.Store(new MemoryStream(content));
        writerDone.Set();
        watcher.Wait();

        Assert.That(observedPartial, Is.False);
        Assert.That(new FileInfo(store.PathOf(expected)).Length, Is.EqualTo(content.Length));
    }

    [Test]
    public void Open_of_an_unknown_hash_says_which()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"));
        var missing = ContentHash.Parse(new string('a', 64));

        var error = Assert.Throws<FileNotFoundException>(() => store.Open(missing));

        Assert.That(error.Message, Does.Contain(new string('a', 64)));
        Assert.That(store.Exists(missing), Is.False);
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("../../../../etc/passwd0000000000000000000000000000000000000000000")]
    [TestCase("zz24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")]
    public void Content_hashes_are_exactly_64_hex_digits(string text)
    {
        Assert.That(ContentHash.TryParse(text, out _), Is.False);
        Assert.Throws<FormatException>(() => ContentHash.Parse(text));
    }

    [Test]
    public void Content_hash_parsing_normalizes_case()
    {
        var upper = ContentHash.Parse("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824");
        Assert.That(upper.Hex, Is.EqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"));
    }
}

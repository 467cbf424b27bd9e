using Grader.Submissions.Intake;
using Grader.Submissions.Storage;

namespace Grader.Submissions.Tests;

public sealed class ZipIntakeTests
{
    private const string Upload = "abc123_hw1.zip";
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new ScratchFolder();

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    [Test]
    public void A_syllabus_zip_is_extracted_with_a_manifest()
    {
        using var zip = TestArchives.Zip(
            ("abc123_hw1/hw1.ipynb", TestArchives.Utf8("{}")),
            ("abc123_hw1/data/train.csv", TestArchives.Utf8("x,y\n1,2\n")));

        var result = new SubmissionIntake().Extract(zip, Upload, _scratch.Destination, new IntakeOptions { ExpectedHomework = 1 });

        Assert.That(result.Manifest.Form, Is.EqualTo(SubmissionForm.ZipArchive));
        Assert.That(result.Manifest.StrippedTopFolder, Is.EqualTo("abc123_hw1"));
        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "data/train.csv", "hw1.ipynb" }));
        var csv = result.Manifest.Files[0];
        Assert.That(csv.Size, Is.EqualTo(8));
        Assert.That(csv.Sha256, Is.EqualTo(ContentHash.Compute(TestArchives.Utf8("x,y\n1,2\n")).Hex));
        Assert.That(File.ReadAllText(result.FullPathOf(csv)), Is.EqualTo("x,y\n1,2\n"));
        Assert.That(result.Manifest.Naming, Is.EqualTo(new SubmissionNaming(true, true, "abc123", 1, null)));
        Assert.That(result.Manifest.Notes, Is.Empty);
    }

    [Test]
    public void Extracting_from_the_store_records_the_content_hash()
    {
        var store = new SubmissionStore(_scratch.PathOf("store"));
        using var zip = TestArchives.Zip(("hw1.ipynb", TestArchives.Utf8("{}")));
        var hash = store.Store(zip);

        var result = new SubmissionIntake().Extract(store, hash, Upload, _scratch.Destination);

        Assert.That(result.Manifest.ContentHash, Is.EqualTo(hash.Hex));
        Assert.That(result.Manifest.StrippedTopFolder, Is.Null, "a top-level file means there is no folder to strip");
    }

    [TestCase("../../etc/passwd", "abc123_hw1.zip: entry '../../etc/passwd' escapes the submission folder")]
    [TestCase("ok/../../escape.txt", "abc123_hw1.zip: entry 'ok/../../escape.txt' escapes the submission folder")]
    [TestCase("..\\..\\windows\\evil.dll", "abc123_hw1.zip: entry '..\\..\\windows\\evil.dll' escapes the submission folder")]
    [TestCase("/etc/cron.d/x", "abc123_hw1.zip: entry '/etc/cron.d/x' is an absolute path, which escapes the submission folder")]
    [TestCase("\\\\server\\share\\x", "abc123_hw1.zip: entry '\\\\server\\share\\x' is an absolute path, which escapes the submission folder")]
    [TestCase("C:\\Windows\\x.txt", "abc123_hw1.zip: entry 'C:\\Windows\\x.txt' starts with a drive letter, which escapes the submission folder")]
    [TestCase("c:x.txt", "abc123_hw1.zip: entry 'c:x.txt' starts with a drive letter, which escapes the submission folder")]
    [TestCase("a/../b.txt", "abc123_hw1.zip: entry 'a/../b.txt' has a '..' part in its path")]
    [TestCase("bad\0name.cs", "abc123_hw1.zip: entry 'bad\\0name.cs' has a NUL byte in its name")]
    [TestCase("line\nbreak.cs", "abc123_hw1.zip: entry 'line\\u000Abreak.cs' has a control character (U+000A) in its name")]
    [TestCase("notes.txt:hidden", "abc123_hw1.zip: entry 'notes.txt:hidden' has a ':' in its name")]
    [TestCase("README\u202Etxt.cs", "abc123_hw1.zip: entry 'README\\u202Etxt.cs' has an invisible or text-direction character (U+202E) in its name; rename the file")]
    [TestCase("MultilayerPerceptron\u200B.cs", "abc123_hw1.zip: entry 'MultilayerPerceptron\\u200B.cs' has an invisible or text-direction character (U+200B) in its name; rename the file")]
    [TestCase("src/\u2066Model\u2069.cs", "abc123_hw1.zip: entry 'src/\\u2066Model\\u2069.cs' has an invisible or text-direction character (U+2066) in its name; rename the file")]
    [TestCase("\uFEFFModel.cs", "abc123_hw1.zip: entry '\\uFEFFModel.cs' has an invisible or text-direction character (U+FEFF) in its name; rename the file")]
    [TestCase("Model\U000E0041.cs", "abc123_hw1.zip: entry 'Model\\U000E0041.cs' has an invisible or text-direction character (U+E0041) in its name; rename the file")]
    public void Unsafe_entry_names_are_refused_with_the_reason_and_nothing_is_left(string entryName, string expectedMessage)
    {
        using var zip = TestArchives.Zip(("fine.txt", TestArchives.Utf8("ok")), (entryName, TestArchives.Utf8("pwned")));

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo(expectedMessage));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty, "nothing partial may be left behind");
        Assert.That(Directory.GetFiles(_scratch.Root, "pwned*", SearchOption.AllDirectories), Is.Empty);
    }

    [Test]
    public void Very_long_paths_and_deep_nesting_are_refused()
    {
        var longName = new string('a', 300) + ".txt";
        using (var zip = TestArchives.Zip((longName, TestArchives.Utf8("x"))))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.PathTooLong));
            Assert.That(refusal.Message, Does.EndWith("has a name part longer than 255 bytes"));
        }
        var longPath = string.Join('/', Enumerable.Repeat(new string('d', 60), 5)) + "/x.txt";
        using (var zip = TestArchives.Zip((longPath, TestArchives.Utf8("x"))))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Message, Does.EndWith("has a path of 310 characters; the limit is 256"));
        }
        var deepPath = string.Join('/', Enumerable.Repeat("d", 40)) + "/x.txt";
        using (var zip = TestArchives.Zip((deepPath, TestArchives.Utf8("x"))))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.PathTooDeep));
            Assert.That(refusal.Message, Does.EndWith("is 41 folders deep; the limit is 32"));
        }
    }

    [Test]
    public void Names_differing_only_in_case_are_refused()
    {
        using var zip = TestArchives.Zip(("Model.cs", TestArchives.Utf8("a")), ("model.cs", TestArchives.Utf8("b")));

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entries 'Model.cs' and 'model.cs' differ only in letter case"));
    }

    [Test]
    public void Duplicate_entries_and_file_folder_clashes_are_refused()
    {
        using (var zip = TestArchives.Zip(("a.cs", TestArchives.Utf8("1")), ("a.cs", TestArchives.Utf8("2"))))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entry 'a.cs' appears twice"));
        }
        using (var zip = TestArchives.Zip(("data", TestArchives.Utf8("1")), ("data/x.csv", TestArchives.Utf8("2"))))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: 'data' is both a file and a folder"));
        }
    }

    [Test]
    public void Thousands_of_tiny_files_are_refused_from_the_directory_before_extraction()
    {
        var entries = Enumerable.Range(0, 4_500).Select(i => ($"f{i}.txt", Array.Empty<byte>())).ToArray();
        using var zip = TestArchives.Zip(entries);

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.TooManyFiles));
        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: lists 4500 entries; the limit is 2000 files and 2000 folders"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void The_file_count_limit_also_holds_while_extracting()
    {
        var entries = Enumerable.Range(0, 12).Select(i => ($"f{i}.txt", TestArchives.Utf8("x"))).ToArray();
        using var zip = TestArchives.Zip(entries);
        var limits = new IntakeLimits { MaxFiles = 10, MaxFolders = 10 };

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake(limits).Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: has more than 10 files"));
    }

    [Test]
    public void A_zip_bomb_entry_is_refused_by_ratio_after_reading_little()
    {
        // 60 MB of zeros compresses to about 60 KB: far beyond 200:1.
        using var zip = TestArchives.ZipOfZeros("weights.bin", 60L * 1024 * 1024);

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.CompressionRatioTooHigh));
        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entry 'weights.bin' expands more than 200 times its compressed size (a likely zip bomb)"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void A_file_above_the_per_file_limit_is_refused()
    {
        using var zip = TestArchives.ZipOfZeros("big.bin", 3L * 1024 * 1024);
        var limits = new IntakeLimits { MaxFileBytes = 2L * 1024 * 1024, MaxCompressionRatio = 1e9 };

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake(limits).Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entry 'big.bin' is larger than the 2 MB limit per file"));
    }

    [Test]
    public void Files_adding_up_beyond_the_total_limit_are_refused()
    {
        var megabyte = new byte[1024 * 1024];
        new Random(1).NextBytes(megabyte);
        using var zip = TestArchives.Zip(("a.bin", megabyte), ("b.bin", megabyte), ("c.bin", megabyte));
        var limits = new IntakeLimits { MaxTotalBytes = 2L * 1024 * 1024 + 10 };

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake(limits).Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.SubmissionTooLarge));
        Assert.That(refusal.Message, Does.StartWith("abc123_hw1.zip: the files add up to more than the 2 MB limit"));
    }

    [Test]
    public void A_nested_zip_is_kept_as_a_file_not_expanded()
    {
        using var inner = TestArchives.ZipOfZeros("inner.bin", 512 * 1024);
        using var outer = TestArchives.Zip(("data/archive.zip", inner.ToArray()));

        var result = new SubmissionIntake().Extract(outer, Upload, _scratch.Destination);

        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo("archive.zip"));
        Assert.That(result.Manifest.Files.Single().Size, Is.EqualTo(inner.Length));
    }

    [Test]
    public void Symbolic_links_in_a_zip_are_refused_when_they_point_outside_and_left_out_otherwise()
    {
        const int symbolicLink = 0xA1FF;
        using (var zip = TestArchives.ZipWithUnixType("data", TestArchives.Utf8("/etc/passwd"), symbolicLink))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entry 'data' is a symbolic link to '/etc/passwd', outside the submission folder"));
        }
        using (var zip = TestArchives.ZipWithUnixType("a/link", TestArchives.Utf8("../../x"), symbolicLink))
        {
            var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
            Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.LinkEntry));
        }
    }

    [Test]
    public void A_fifo_in_a_zip_is_refused()
    {
        using var zip = TestArchives.ZipWithUnixType("pipe", [], 0x11B6);

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: entry 'pipe' is a device, pipe or socket; only files and folders are accepted"));
    }

    [Test]
    public void A_truncated_zip_is_refused_as_damaged()
    {
        using var zip = TestArchives.Zip(("hw1.ipynb", new byte[10_000]));
        var truncated = new MemoryStream(zip.ToArray()[..(int)(zip.Length / 2)]);

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(truncated, Upload, _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.MalformedArchive));
        Assert.That(refusal.Message, Does.StartWith("abc123_hw1.zip: is not a complete zip archive"));
    }

    [Test]
    public void A_zip_with_a_corrupted_entry_is_refused_as_damaged()
    {
        using var zip = TestArchives.Zip(("model.cs", TestArchives.Utf8(string.Concat(Enumerable.Repeat("public class Mlp { }\n", 200)))));
        var bytes = zip.ToArray();
        // Scramble the compressed data (it starts after the 30-byte local header and the 8-byte name).
        for (var i = 40; i < 80; i++)
        {
            bytes[i] ^= 0x5A;
        }

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(new MemoryStream(bytes), Upload, _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.MalformedArchive));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void A_file_named_zip_that_is_not_one_is_refused()
    {
        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(new MemoryStream(TestArchives.Utf8("just text")), Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: is named like an archive but its contents are not a zip or tar archive (damaged upload?)"));
    }

    [Test]
    public void An_empty_zip_is_refused()
    {
        using var zip = TestArchives.Zip();

        var refusal = Assert.Throws<SubmissionRefusedException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.zip: contains no files"));
    }

    [Test]
    public void MacOS_metadata_is_left_out_with_a_note()
    {
        using var zip = TestArchives.Zip(
            ("abc123_hw1/hw1.ipynb", TestArchives.Utf8("{}")),
            ("__MACOSX/abc123_hw1/._hw1.ipynb", TestArchives.Utf8("resource fork")),
            ("abc123_hw1/.DS_Store", TestArchives.Utf8("finder")));

        var result = new SubmissionIntake().Extract(zip, Upload, _scratch.Destination);

        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "hw1.ipynb" }));
        Assert.That(result.Manifest.StrippedTopFolder, Is.EqualTo("abc123_hw1"));
        Assert.That(result.Manifest.Notes.Single().Message, Does.StartWith("2 operating-system metadata entries"));
    }

    [Test]
    public void A_GitHub_zipball_loses_its_top_folder_and_gives_its_commit()
    {
        const string commit = "0123456789abcdef0123456789abcdef01234567";
        using var zip = TestArchives.Zip(commit,
            ("course-hw1-abc123-0123456/", []),
            ("course-hw1-abc123-0123456/README.md", TestArchives.Utf8("# hw1")),
            ("course-hw1-abc123-0123456/src/Mlp.cs", TestArchives.Utf8("class Mlp {}")));

        var result = new SubmissionIntake().Extract(zip, "course-hw1-abc123-0123456.zip", _scratch.Destination,
            new IntakeOptions { CheckSyllabusNaming = false });

        Assert.That(result.Manifest.StrippedTopFolder, Is.EqualTo("course-hw1-abc123-0123456"));
        Assert.That(result.Manifest.GitCommit, Is.EqualTo(commit));
        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "README.md", "src/Mlp.cs" }));
        Assert.That(File.Exists(Path.Combine(result.Folder, "src", "Mlp.cs")), Is.True);
        Assert.That(result.Manifest.Naming.Checked, Is.False);
    }

    [Test]
    public void A_forward_only_zip_upload_is_spooled_and_extracted()
    {
        using var zip = TestArchives.Zip(("hw1.ipynb", TestArchives.Utf8("{}")));
        using var forwardOnly = new ForwardOnlyStream(zip);

        var result = new SubmissionIntake().Extract(forwardOnly, Upload, _scratch.Destination);

        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo("hw1.ipynb"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.EqualTo(new[] { _scratch.Destination }), "the spool file must be gone");
    }

    [Test]
    public void The_manifest_round_trips_through_json()
    {
        using var zip = TestArchives.Zip(("hw1.ipynb", TestArchives.Utf8("{}")));
        var manifest = new SubmissionIntake().Extract(zip, "Homework1.zip", _scratch.Destination).Manifest;

        var json = manifest.ToJson();
        var back = SubmissionManifest.FromJson(json);

        Assert.That(json, Does.Contain("\"form\": \"zipArchive\""));
        Assert.That(back.Files, Is.EqualTo(manifest.Files));
        Assert.That(back.Notes, Is.EqualTo(manifest.Notes));
        Assert.That(back.Naming, Is.EqualTo(manifest.Naming));
        Assert.That(back.Form, Is.EqualTo(manifest.Form));
    }

    [Test]
    public void The_extracted_folder_can_be_made_read_only()
    {
        using var zip = TestArchives.Zip(("a/b.txt", TestArchives.Utf8("x")), ("c.txt", TestArchives.Utf8("y")));
        var result = new SubmissionIntake().Extract(zip, Upload, _scratch.Destination);

        result.MakeReadOnly();

        var file = Path.Combine(result.Folder, "a", "b.txt");
        Assert.That(File.GetUnixFileMode(file) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite), Is.EqualTo(UnixFileMode.None));
        Assert.That(File.GetUnixFileMode(Path.Combine(result.Folder, "a")) & UnixFileMode.UserWrite, Is.EqualTo(UnixFileMode.None));
        result.Delete();
        Assert.That(Directory.Exists(result.Folder), Is.False);
    }

    [Test]
    public void The_destination_must_be_fresh()
    {
        Directory.CreateDirectory(_scratch.Destination);
        using var zip = TestArchives.Zip(("hw1.ipynb", TestArchives.Utf8("{}")));

        Assert.Throws<IOException>(() => new SubmissionIntake().Extract(zip, Upload, _scratch.Destination));
    }
}

/// <summary>Hides seeking, like an HTTP request body.</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using System.Formats.Tar;
using Grader.Submissions.Intake;

namespace Grader.Submissions.Tests;

public sealed class TarIntakeTests
{
    private const string Upload = "repo.tar.gz";
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new ScratchFolder();

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    private static readonly IntakeOptions Repository = new() { CheckSyllabusNaming = false };

    [Test]
    public void A_GitHub_tarball_loses_its_top_folder_and_gives_its_commit()
    {
        const string commit = "89abcdef0123456789abcdef0123456789abcdef";
        var global = new PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = commit });
        using var tar = TestArchives.Tar(TarEntryFormat.Pax,
            global,
            new PaxTarEntry(TarEntryType.Directory, "course-hw2-abc123-89abcde/"),
            TestArchives.PaxFile("course-hw2-abc123-89abcde/Cnn.cs", "class Cnn {}"),
            TestArchives.PaxFile("course-hw2-abc123-89abcde/notebooks/hw2.ipynb", "{}"));
        using var tarGz = TestArchives.Gzip(tar);

        var result = new SubmissionIntake().Extract(tarGz, Upload, _scratch.Destination, Repository);

        Assert.That(result.Manifest.Form, Is.EqualTo(SubmissionForm.TarGzArchive));
        Assert.That(result.Manifest.StrippedTopFolder, Is.EqualTo("course-hw2-abc123-89abcde"));
        Assert.That(result.Manifest.GitCommit, Is.EqualTo(commit));
        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "Cnn.cs", "notebooks/hw2.ipynb" }));
        Assert.That(File.ReadAllText(Path.Combine(result.Folder, "Cnn.cs")), Is.EqualTo("class Cnn {}"));
    }

    [TestCase(TarEntryFormat.Pax)]
    [TestCase(TarEntryFormat.Gnu)]
    [TestCase(TarEntryFormat.Ustar)]
    public void Long_names_in_every_tar_dialect_are_read(TarEntryFormat format)
    {
        // 150 characters: beyond the 100-byte name field (pax records, GNU 'L' entries or the ustar prefix take over).
        var name = string.Join('/', Enumerable.Repeat("folder" + new string('x', 24), 4)) + "/Rnn.cs";
        TarEntry entry = format switch
        {
            TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
            TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
            _ => new UstarTarEntry(TarEntryType.RegularFile, name),
        };
        entry.DataStream = new MemoryStream(TestArchives.Utf8("class Rnn {}"));
        using var tar = TestArchives.Tar(format, entry, format switch
        {
            TarEntryFormat.Pax => TestArchives.PaxFile("other.txt", "x"),
            TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, "other.txt") { DataStream = new MemoryStream(TestArchives.Utf8("x")) },
            _ => new UstarTarEntry(TarEntryType.RegularFile, "other.txt") { DataStream = new MemoryStream(TestArchives.Utf8("x")) },
        });

        var result = new SubmissionIntake().Extract(tar, "repo.tar", _scratch.Destination, Repository);

        Assert.That(result.Manifest.Form, Is.EqualTo(SubmissionForm.TarArchive));
        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { name, "other.txt" }));
        Assert.That(File.ReadAllText(Path.Combine(result.Folder, name)), Is.EqualTo("class Rnn {}"));
    }

    [Test]
    public void A_symbolic_link_out_of_the_folder_is_refused()
    {
        using var tar = TestArchives.Tar(TarEntryFormat.Pax,
            TestArchives.PaxFile("hw.cs", "x"),
            new PaxTarEntry(TarEntryType.SymbolicLink, "data") { LinkName = "../../../../home" });

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(TestArchives.Gzip(tar), Upload, _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar.gz: entry 'data' is a symbolic link to '../../../../home', outside the submission folder"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void A_hard_link_to_an_absolute_path_is_refused()
    {
        using var tar = TestArchives.Tar(TarEntryFormat.Pax,
            new PaxTarEntry(TarEntryType.HardLink, "passwd") { LinkName = "/etc/passwd" });

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(tar, "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar: entry 'passwd' is a hard link to '/etc/passwd', outside the submission folder"));
    }

    [Test]
    public void A_link_that_stays_inside_is_left_out_with_a_warning()
    {
        using var tar = TestArchives.Tar(TarEntryFormat.Pax,
            TestArchives.PaxFile("data/train.csv", "1,2"),
            new PaxTarEntry(TarEntryType.SymbolicLink, "data/latest.csv") { LinkName = "train.csv" });

        var result = new SubmissionIntake().Extract(tar, "repo.tar", _scratch.Destination, Repository);

        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "train.csv" }));
        var note = result.Manifest.Notes.Single();
        Assert.That(note.Severity, Is.EqualTo(NoteSeverity.Warning));
        Assert.That(note.Message, Does.Contain("data/latest.csv -> train.csv"));
        Assert.That(File.Exists(Path.Combine(result.Folder, "latest.csv")), Is.False);
    }

    [TestCase(TarEntryType.Fifo, "a FIFO (named pipe)")]
    [TestCase(TarEntryType.CharacterDevice, "a device file")]
    [TestCase(TarEntryType.BlockDevice, "a device file")]
    public void Device_files_and_fifos_are_refused(TarEntryType type, string what)
    {
        using var tar = TestArchives.Tar(TarEntryFormat.Pax, new PaxTarEntry(type, "dev/thing"));

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(tar, "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.SpecialFileEntry));
        Assert.That(refusal.Message, Is.EqualTo($"repo.tar: entry 'dev/thing' is {what}; only files and folders are accepted"));
    }

    [Test]
    public void A_pax_path_with_a_NUL_byte_is_refused()
    {
        // A hand-written pax record, "<length> path=<name>\n", with a NUL inside the name; TarWriter would not write this.
        var record = TestArchives.Utf8("21 path=evil\0.cs.txt\n");
        Assert.That(record, Has.Length.EqualTo(21));
        var recordBlock = new byte[512];
        record.CopyTo(recordBlock, 0);
        using var tar = TestArchives.Concat(
            TestArchives.RawTarHeader("PaxHeaders/evil", 'x', record.Length), recordBlock,
            TestArchives.RawTarHeader("placeholder.cs", '0', 0),
            TestArchives.TarEndMarker());

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(tar, "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar: entry 'evil\\0.cs.txt' has a NUL byte in its name"));
    }

    [Test]
    public void A_declared_10_GB_entry_is_refused_after_reading_about_the_per_file_limit()
    {
        const long tenGigabytes = 10L * 1024 * 1024 * 1024;
        var endless = new EndlessTarStream(TestArchives.RawTarHeader("dataset.bin", '0', tenGigabytes));

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(endless, "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar: entry 'dataset.bin' is larger than the 50 MB limit per file"));
        var limit = IntakeLimits.Default.MaxFileBytes;
        Assert.That(endless.BytesRead, Is.InRange(limit, limit + (1024 * 1024)), "must stop right after the limit");
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void A_tar_gz_bomb_is_refused_by_its_expansion_ratio()
    {
        // One 40 MB file of zeros: gzip makes it about 40 KB.
        var zeros = new PaxTarEntry(TarEntryType.RegularFile, "zeros.bin") { DataStream = new MemoryStream(new byte[40 * 1024 * 1024]) };
        using var tar = TestArchives.Tar(TarEntryFormat.Pax, zeros);
        using var tarGz = TestArchives.Gzip(tar);
        var compressed = new CountingReadStream(tarGz);

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(compressed, Upload, _scratch.Destination, Repository));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.CompressionRatioTooHigh));
        Assert.That(refusal.Message, Is.EqualTo("repo.tar.gz: the archive expands more than 200 times its compressed size (a likely archive bomb)"));
        Assert.That(compressed.BytesRead, Is.LessThan(tarGz.Length / 4), "must stop early, not after reading the whole bomb");
    }

    [Test]
    public void A_huge_pax_header_is_refused_before_anything_is_allocated()
    {
        var header = TestArchives.RawTarHeader("PaxHeaders/x", 'x', 1L << 31);
        var endless = new EndlessTarStream(header);

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(endless, "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar: has a pax header of 2147483648 bytes; more than 65536 is not a real archive"));
        Assert.That(endless.BytesRead, Is.LessThan(100_000));
    }

    [Test]
    public void A_tar_truncated_inside_a_file_is_refused()
    {
        var bytes = TestArchives.Concat(TestArchives.RawTarHeader("model.cs", '0', 5000), new byte[1000]).ToArray();

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(new MemoryStream(bytes), "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Is.EqualTo("repo.tar: ends inside an entry's data (the archive is truncated)"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void A_tar_header_with_a_bad_checksum_is_refused()
    {
        var header = TestArchives.RawTarHeader("model.cs", '0', 0);
        header[0] = (byte)'M';

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(TestArchives.Concat(header, TestArchives.TarEndMarker()), "repo.tar", _scratch.Destination, Repository));

        Assert.That(refusal.Message, Does.Contain("wrong checksum"));
    }

    [Test]
    public void A_gzip_that_is_not_gzip_inside_is_refused_as_damaged()
    {
        var bytes = new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x03, 0xde, 0xad, 0xbe, 0xef };

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(new MemoryStream(bytes), Upload, _scratch.Destination, Repository));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.MalformedArchive));
    }

    [Test]
    public void A_tar_without_end_marker_is_accepted_with_a_warning()
    {
        using var tar = TestArchives.Tar(TarEntryFormat.Pax, TestArchives.PaxFile("a.cs", "class A {}"));
        var withoutEnd = tar.ToArray()[..^1024];

        var result = new SubmissionIntake().Extract(new MemoryStream(withoutEnd), "repo.tar", _scratch.Destination, Repository);

        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo("a.cs"));
        Assert.That(result.Manifest.Notes.Single().Message, Does.Contain("no end-of-archive marker"));
    }
}

/// <summary>Counts the bytes read through it; forward only, like an upload.</summary>
internal sealed class CountingReadStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        BytesRead += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

using Grader.Submissions.Intake;

namespace Grader.Submissions.Tests;

public sealed class NamingAndFormTests
{
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void SetUp() => _scratch = new ScratchFolder();

    [TearDown]
    public void TearDown() => _scratch.Dispose();

    [Test]
    public void The_syllabus_name_parses_netid_and_homework()
    {
        var naming = SubmissionNaming.Check("ABC123_HW3.zip", expectedHomework: 3);

        Assert.That(naming, Is.EqualTo(new SubmissionNaming(true, true, "abc123", 3, null)));
    }

    [Test]
    public void The_wrong_homework_number_is_a_warning_with_the_netid_still_parsed()
    {
        var naming = SubmissionNaming.Check("abc123_hw2.zip", expectedHomework: 1);

        Assert.That(naming.FollowsSyllabus, Is.False);
        Assert.That(naming.NetId, Is.EqualTo("abc123"));
        Assert.That(naming.Homework, Is.EqualTo(2));
        Assert.That(naming.Warning, Is.EqualTo("the file is named 'abc123_hw2.zip' but this is homework 1: expected *_hw1.zip"));
    }

    [Test]
    public void A_folder_named_like_the_syllabus_zip_passes()
    {
        Assert.That(SubmissionNaming.Check("abc123_hw1", expectedHomework: 1).FollowsSyllabus, Is.True);
    }

    [TestCase("Homework 1 final.zip", null, null)]
    [TestCase("abc123-hw1.zip", "abc123", 1)]
    [TestCase("C:\\Users\\me\\abc123_hw1.ipynb", "abc123", 1)]
    [TestCase("hw1.ipynb", null, 1)]
    public void Other_names_warn_and_parse_what_they_can(string fileName, string? netId, int? homework)
    {
        var naming = SubmissionNaming.Check(fileName, expectedHomework: 1);

        Assert.That(naming.FollowsSyllabus, Is.False);
        Assert.That(naming.NetId, Is.EqualTo(netId));
        Assert.That(naming.Homework, Is.EqualTo(homework));
        Assert.That(naming.Warning, Does.StartWith("the syllabus asks for a zip named netid_hwN.zip (expected *_hw1.zip); got '"));
    }

    [Test]
    public void A_misnamed_upload_is_still_taken_with_the_warning_in_the_notes()
    {
        var result = new SubmissionIntake().Extract(new MemoryStream(TestArchives.Utf8("{}")), "my homework.ipynb", _scratch.Destination,
            new IntakeOptions { ExpectedHomework = 1 });

        Assert.That(result.Manifest.Form, Is.EqualTo(SubmissionForm.Notebook));
        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo("my homework.ipynb"));
        Assert.That(result.Manifest.Notes.Single(), Is.EqualTo(new IntakeNote(NoteSeverity.Warning,
            "the syllabus asks for a zip named netid_hwN.zip (expected *_hw1.zip); got 'my homework.ipynb'")));
    }

    [TestCase("Mlp.cs", SubmissionForm.CSharpSource)]
    [TestCase("train.csx", SubmissionForm.CSharpScript)]
    [TestCase("HW1.IPYNB", SubmissionForm.Notebook)]
    public void Single_files_are_taken_by_their_extension(string fileName, SubmissionForm form)
    {
        var result = new SubmissionIntake().Extract(new MemoryStream(TestArchives.Utf8("// code")), fileName, _scratch.Destination);

        Assert.That(result.Manifest.Form, Is.EqualTo(form));
        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo(fileName));
    }

    [Test]
    public void An_upload_name_with_folders_keeps_only_its_last_part()
    {
        var result = new SubmissionIntake().Extract(new MemoryStream(TestArchives.Utf8("//")), "../../etc/Mlp.cs", _scratch.Destination);

        Assert.That(result.Manifest.Files.Single().RelativePath, Is.EqualTo("Mlp.cs"));
        Assert.That(Directory.GetFiles(result.Folder), Is.EqualTo(new[] { Path.Combine(result.Folder, "Mlp.cs") }));
    }

    [Test]
    public void A_single_notebook_above_the_file_limit_is_refused()
    {
        var limits = new IntakeLimits { MaxFileBytes = 1024 * 1024 };
        var notebook = new MemoryStream(new byte[3 * 1024 * 1024]);

        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake(limits).Extract(notebook, "abc123_hw1.ipynb", _scratch.Destination));

        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1.ipynb: entry 'abc123_hw1.ipynb' is larger than the 1 MB limit per file"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.DestinationParent), Is.Empty);
    }

    [Test]
    public void Unknown_file_types_are_refused_with_what_is_accepted()
    {
        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().Extract(new MemoryStream(TestArchives.Utf8("%PDF-1.7")), "report.pdf", _scratch.Destination));

        Assert.That(refusal.Reason, Is.EqualTo(RefusalReason.UnsupportedFormat));
        Assert.That(refusal.Message, Is.EqualTo("report.pdf: is not a form the grader accepts; submit netid_hwN.zip (notebook and data files), a .ipynb notebook, .csx or .cs files"));
    }

    [Test]
    public void A_folder_is_copied_without_git_history_and_refuses_links_out()
    {
        var source = _scratch.PathOf("abc123_hw1");
        Directory.CreateDirectory(Path.Combine(source, ".git", "objects"));
        File.WriteAllText(Path.Combine(source, ".git", "HEAD"), "ref: refs/heads/main");
        Directory.CreateDirectory(Path.Combine(source, "src"));
        File.WriteAllText(Path.Combine(source, "src", "Mlp.cs"), "class Mlp {}");
        File.WriteAllText(Path.Combine(source, "empty.txt"), "");

        var result = new SubmissionIntake().ExtractPath(source, _scratch.Destination, new IntakeOptions { ExpectedHomework = 1 });

        Assert.That(result.Manifest.Form, Is.EqualTo(SubmissionForm.Folder));
        Assert.That(result.Manifest.Files.Select(file => file.RelativePath), Is.EqualTo(new[] { "empty.txt", "src/Mlp.cs" }));
        Assert.That(result.Manifest.Notes.Select(note => note.Message), Has.Some.Contains(".git folder"));
        Assert.That(result.Manifest.Naming.NetId, Is.EqualTo("abc123"));

        File.CreateSymbolicLink(Path.Combine(source, "secrets"), "/etc");
        var refusal = Assert.Throws<SubmissionRefusedException>(() =>
            new SubmissionIntake().ExtractPath(source, _scratch.PathOf("second/submission")));
        Assert.That(refusal.Message, Is.EqualTo("abc123_hw1: entry 'secrets' is a symbolic link to '/etc', outside the submission folder"));
        Assert.That(Directory.GetFileSystemEntries(_scratch.PathOf("second")), Is.Empty);
    }

    [Test]
    public void A_file_path_is_extracted_with_its_hash()
    {
        var path = _scratch.PathOf("abc123_hw1.zip");
        using (var zip = TestArchives.Zip(("hw1.ipynb", TestArchives.Utf8("{}"))))
        {
            File.WriteAllBytes(path, zip.ToArray());
        }

        var result = new SubmissionIntake().ExtractPath(path, _scratch.Destination);

        Assert.That(result.Manifest.OriginalFileName, Is.EqualTo("abc123_hw1.zip"));
        Assert.That(result.Manifest.ContentHash, Is.EqualTo(Storage.ContentHash.Compute(File.ReadAllBytes(path)).Hex));
    }
}

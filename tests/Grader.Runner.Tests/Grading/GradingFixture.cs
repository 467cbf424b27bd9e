using Grader.Core.Configuration;
using Grader.Reference.Checks;
using Grader.Runner.Grading;
using Grader.Submissions.Storage;

namespace Grader.Runner.Tests.Grading;

/// <summary>
/// The shipped course copied to a temp folder with HW1's sandbox limits shortened (so hostile runs end quickly), a
/// real content-addressed store, and a real <see cref="SubmissionGrader"/>.
/// </summary>
internal sealed class GradingFixture : IDisposable
{
    public GradingFixture(int wallSeconds = 15)
    {
        Root = Directory.CreateTempSubdirectory("grader-course-").FullName;
        CopyDirectory(Path.Combine(RepositoryRoot, "assignments"), Path.Combine(Root, "assignments"));
        CopyDirectory(Path.Combine(RepositoryRoot, "rubrics"), Path.Combine(Root, "rubrics"));
        string hw1 = Path.Combine(Root, "assignments", "hw1-mlp", "assignment.yaml");
        string yaml = File.ReadAllText(hw1);
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"wall_seconds: \d+", $"wall_seconds: {wallSeconds}");
        // The CPU limit a little above the wall limit, so an endless loop always meets the wall limit first: with equal
        // limits the two raced on a loaded machine (the CPU budget and the wall clock both start at the submission's load).
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"cpu_seconds: \d+", $"cpu_seconds: {wallSeconds + 10}");
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"memory_mb: \d+", "memory_mb: 1024");
        yaml = System.Text.RegularExpressions.Regex.Replace(yaml, @"notebook_seconds: \d+", "notebook_seconds: 8");
        File.WriteAllText(hw1, yaml);

        var loaded = CourseTreeLoader.LoadAndValidate(Root, CheckCatalog.AllCheckIds);
        Assert.That(loaded.Errors, Is.Empty);
        Course = loaded.Tree!;
        Store = new SubmissionStore(Path.Combine(Root, "data", "store"));
        Grader = new SubmissionGrader(Course, Store, Path.Combine(Root, "data", "work"));
    }

    public string Root { get; }

    public CourseTree Course { get; }

    public SubmissionStore Store { get; }

    public SubmissionGrader Grader { get; }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Hw1Solution => File.ReadAllText(Path.Combine(RepositoryRoot, "assignments", "hw1-mlp", "solution", "MultilayerPerceptron.cs"));

    /// <summary>Writes files into a fresh folder named like a syllabus submission; returns the folder.</summary>
    public string Submission(string name, params (string Path, string Text)[] files)
    {
        string folder = Path.Combine(Root, "submissions", Guid.NewGuid().ToString("N")[..8], name);
        Directory.CreateDirectory(folder);
        foreach (var (path, text) in files)
        {
            string full = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }

        return folder;
    }

    public void Dispose()
    {
        Grader.Dispose();
        Directory.Delete(Root, recursive: true);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Grader.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Grader.sln not found above the test folder");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

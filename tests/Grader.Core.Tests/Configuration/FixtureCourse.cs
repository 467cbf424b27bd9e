namespace Grader.Core.Tests.Configuration;

/// <summary>A private copy of Fixtures/valid-course in a temp folder, to be broken one edit at a time.</summary>
internal sealed class FixtureCourse : IDisposable
{
    public static readonly IReadOnlySet<string> KnownChecks =
        new HashSet<string>(["hw1.forward-pass", "hw1.sgd-step", "hw1.weight-gradients", "hw2.conv2d-padding"], StringComparer.Ordinal);

    public FixtureCourse()
    {
        Root = Path.Combine(Path.GetTempPath(), "grader-core-tests", Guid.NewGuid().ToString("N"));
        CopyDirectory(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "valid-course"), Root);
    }

    public string Root { get; }

    /// <summary>Replaces the one occurrence of <paramref name="find"/> in a file (relative to the root).</summary>
    public FixtureCourse Edit(string relativePath, string find, string replace)
    {
        var path = Path.Combine(Root, relativePath);
        var text = File.ReadAllText(path);
        var at = text.IndexOf(find, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"fixture edit: '{find}' not found in {relativePath}");
        Assert.That(text.IndexOf(find, at + 1, StringComparison.Ordinal), Is.EqualTo(-1), $"fixture edit: '{find}' occurs twice in {relativePath}");
        File.WriteAllText(path, string.Concat(text.AsSpan(0, at), replace, text.AsSpan(at + find.Length)));
        return this;
    }

    public FixtureCourse Write(string relativePath, string text)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return this;
    }

    public FixtureCourse Delete(string relativePath)
    {
        File.Delete(Path.Combine(Root, relativePath));
        return this;
    }

    public Grader.Core.Configuration.CourseValidationResult Validate() =>
        Grader.Core.Configuration.CourseTreeLoader.LoadAndValidate(Root, KnownChecks);

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public static void CopyDirectory(string source, string target)
    {
        foreach (var directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(source, target, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(source, target, StringComparison.Ordinal), overwrite: true);
        }
    }
}

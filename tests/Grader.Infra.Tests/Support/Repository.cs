namespace Grader.Infra.Tests.Support;

/// <summary>Paths in the checkout these tests run from.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public static string ReadText(string relativePath)
    {
        string path = PathOf(relativePath);
        Assert.That(path, Does.Exist, $"{relativePath} is missing from the repository");
        return File.ReadAllText(path);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Grader.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Grader.sln above {TestContext.CurrentContext.TestDirectory}");
    }
}

namespace Grader.Reference.Tests.Support;

/// <summary>Paths in the checkout, found by walking up from the test assembly to Grader.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Grader.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Grader.sln not found above {AppContext.BaseDirectory}");
    }
}

namespace Grader.Runner.Cli;

/// <summary>Finds the course repository (the folder holding assignments/ and rubrics/).</summary>
internal static class CourseRoot
{
    /// <summary>The given folder, else the nearest folder at or above the current directory that has assignments/course.yaml.</summary>
    public static string Find(string? given)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }

        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "assignments", "course.yaml")))
            {
                return directory.FullName;
            }
        }

        return Environment.CurrentDirectory;
    }
}

/// <summary>The course folders a benchmark works on: a copy, so that its roster and data never touch the repository's.</summary>
internal static class BenchCourse
{
    /// <summary>Empties <paramref name="folder"/> and copies this checkout's course into <c>folder/course</c>; returns that path.</summary>
    public static string FreshIn(string folder)
    {
        string repository = Grader.Data.Course.CourseCatalog.FindRoot(AppContext.BaseDirectory);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        string courseRoot = Path.Combine(folder, "course");
        CopyFrom(repository, courseRoot);
        return courseRoot;
    }

    /// <summary>Copies assignments/ and rubrics/ of <paramref name="repository"/> into <paramref name="courseRoot"/>.</summary>
    public static void CopyFrom(string repository, string courseRoot)
    {
        foreach (string folder in new[] { "assignments", "rubrics" })
        {
            string from = Path.Combine(repository, folder);
            foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                string target = Path.Combine(courseRoot, folder, Path.GetRelativePath(from, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }
    }
}

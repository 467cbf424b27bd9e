using Grader.Core.Configuration;
using YamlDotNet.RepresentationModel;

namespace Grader.Data.Course;

/// <summary>Where the course repository and the app's data live (section <c>Course</c> of the configuration).</summary>
public sealed class CourseOptions
{
    public const string Section = "Course";

    /// <summary>The repository root holding assignments/ and rubrics/; empty: the nearest folder above the app that has assignments/course.yaml.</summary>
    public string Root { get; set; } = "";

    /// <summary>Where the database, the submission store and the report cache go; empty: data/ under <see cref="Root"/>.</summary>
    public string DataFolder { get; set; } = "";

    /// <summary>Seed the demo course (accounts, HW1 submissions graded by the runner) into an empty database.</summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>
    /// Reports by (assignment, content hash, grader version), shared by every database that points here; empty:
    /// report-cache/ under <see cref="DataFolder"/>. A fresh demo database reuses them instead of grading again.
    /// </summary>
    public string ReportCacheFolder { get; set; } = "";
}

/// <summary>
/// The course loaded and validated at start; every page reads the same <see cref="CourseTree"/> until an instructor
/// reloads it (<see cref="PreviewReload"/>, then <see cref="Apply"/>).
/// </summary>
public sealed class CourseCatalog
{
    public CourseCatalog(string root, string dataFolder, string reportCacheFolder)
    {
        Root = root;
        DataFolder = dataFolder;
        ReportCacheFolder = reportCacheFolder;
        var result = CourseTreeLoader.LoadAndValidate(root, CheckIdsNamedByRubrics(root));
        if (!result.IsValid)
        {
            throw new InvalidOperationException(
                $"The course at {root} is not valid:{Environment.NewLine}{string.Join(Environment.NewLine, result.Errors)}");
        }

        tree = result.Tree!;
        inputs = InputsOf(root, tree);
    }

    public string Root { get; }

    public string DataFolder { get; }

    public string ReportCacheFolder { get; }

    // Replaced whole by Apply; a request reads one tree or the other, never a mix.
    private volatile CourseTree tree;

    public CourseTree Tree => tree;

    private volatile IReadOnlyDictionary<string, string> inputs;

    /// <summary>The hash of the assignment's course inputs as loaded (<see cref="CourseFiles.InputsOf"/>); empty for an unknown assignment.</summary>
    public string CourseInputsOf(string assignmentId) => inputs.GetValueOrDefault(assignmentId, "");

    private static Dictionary<string, string> InputsOf(string root, CourseTree loaded) =>
        loaded.Assignments.ToDictionary(a => a.Id, a => CourseFiles.InputsOf(root, a), StringComparer.Ordinal);

    /// <summary>Loads assignments/ and rubrics/ from disk again and compares them with <see cref="Tree"/>; changes nothing.</summary>
    public CoursePreview PreviewReload()
    {
        string fingerprint = CourseFiles.Fingerprint(Root);
        var result = CourseTreeLoader.LoadAndValidate(Root, CheckIdsNamedByRubrics(Root));
        return result.IsValid
            ? new CoursePreview([], result.Tree, CourseDiff.Between(Tree, result.Tree!), fingerprint)
            : new CoursePreview(result.Errors, null, [], fingerprint);
    }

    /// <summary>Makes a previewed tree the course every page reads (the caller mirrors it into the database).</summary>
    public void Apply(CourseTree next)
    {
        ArgumentNullException.ThrowIfNull(next);
        // The reload page refuses files changed since the preview, so the files on disk are the ones applied.
        inputs = InputsOf(Root, next);
        tree = next;
    }

    public static string FindRoot(string startFolder)
    {
        for (var directory = new DirectoryInfo(startFolder); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "assignments", "course.yaml")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No course found: neither {startFolder} nor any folder above it has assignments/course.yaml. Set Course:Root.");
    }

    /// <summary>
    /// The web process must not load Grader.Reference (it brings TorchSharp), so it cannot list the check catalog.
    /// It accepts the check ids the rubrics name; the runner validates them against the real catalog before it
    /// grades anything, and refuses (exit 1) a course naming an unknown check.
    /// </summary>
    internal static IReadOnlySet<string> CheckIdsNamedByRubrics(string root)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        string rubrics = Path.Combine(root, "rubrics");
        if (!Directory.Exists(rubrics))
        {
            return ids;
        }

        foreach (var file in Directory.EnumerateFiles(rubrics, "*.yaml"))
        {
            var stream = new YamlStream();
            try
            {
                using var reader = new StreamReader(file);
                stream.Load(reader);
            }
            catch (YamlDotNet.Core.YamlException)
            {
                continue; // The loader reports the broken file with its line.
            }

            foreach (var document in stream.Documents)
            {
                if (document.RootNode is YamlMappingNode root2
                    && root2.Children.TryGetValue(new YamlScalarNode("items"), out var items)
                    && items is YamlSequenceNode sequence)
                {
                    foreach (var item in sequence.OfType<YamlMappingNode>())
                    {
                        if (item.Children.TryGetValue(new YamlScalarNode("check"), out var check) && check is YamlScalarNode { Value: { } id })
                        {
                            ids.Add(id);
                        }
                    }
                }
            }
        }

        return ids;
    }
}

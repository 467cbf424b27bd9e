using System.Text.Json;
using System.Xml.Linq;
using Grader.Infra.Tests.Support;

namespace Grader.Infra.Tests;

/// <summary>
/// The TorchBackend build property (build/TorchBackend.props) picks TorchSharp-cpu or TorchSharp-cuda-linux for every
/// project that uses TorchSharp. Evaluation is checked on the real projects (it writes nothing); restores run on a
/// copy of the build files and one project in a temp folder, so they never touch the checkout's obj/ folders.
/// TorchSharp-cuda-linux is not on this machine's NuGet mirror: the CUDA choice is checked by evaluation only.
/// </summary>
public sealed class TorchBackendTests
{
    private static readonly string[] TorchSharpProjects = ["src/Grader.Contracts/Grader.Contracts.csproj", "src/Grader.Reference/Grader.Reference.csproj"];

    [Test]
    public void NoProjectNamesATorchSharpPackageItself()
    {
        var offenders = Directory.EnumerateFiles(Repository.PathOf("src"), "*.csproj", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Repository.PathOf("tests"), "*.csproj", SearchOption.AllDirectories))
            .Where(project => XDocument.Load(project).Descendants("PackageReference")
                .Any(reference => (reference.Attribute("Include")?.Value ?? "").StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase)))
            .Select(project => Path.GetRelativePath(Repository.Root, project));
        Assert.That(offenders, Is.Empty, "reference $(TorchSharpPackage), so -p:TorchBackend switches every project at once");
    }

    [TestCaseSource(nameof(TorchSharpProjects))]
    public void WithoutTheSwitchAProjectReferencesTorchSharpCpu(string project)
    {
        Assert.That(EvaluatedTorchSharpReferences(project), Is.EqualTo(new[] { "TorchSharp-cpu" }));
    }

    [TestCase("cpu", "TorchSharp-cpu")]
    [TestCase("CPU", "TorchSharp-cpu")]
    [TestCase("cuda", "TorchSharp-cuda-linux")]
    public void TheSwitchPicksThePackage(string backend, string package)
    {
        foreach (var project in TorchSharpProjects)
        {
            Assert.That(EvaluatedTorchSharpReferences(project, $"-p:TorchBackend={backend}"), Is.EqualTo(new[] { package }), project);
        }
    }

    [Test]
    public void BothPackagesHaveTheSameCentralVersion()
    {
        var versions = XDocument.Parse(Repository.ReadText("Directory.Packages.props")).Descendants("PackageVersion")
            .Where(item => (item.Attribute("Include")?.Value ?? "").StartsWith("TorchSharp-", StringComparison.Ordinal))
            .ToDictionary(item => item.Attribute("Include")!.Value, item => item.Attribute("Version")?.Value);
        Assert.That(versions.Keys, Is.EquivalentTo(new[] { "TorchSharp-cpu", "TorchSharp-cuda-linux" }));
        Assert.That(versions.Values.Distinct().Count(), Is.EqualTo(1), "TorchSharp-cpu and TorchSharp-cuda-linux must be the same release");
    }

    [TestCase]
    [TestCase("-p:TorchBackend=cpu")]
    public void RestoreResolvesTorchSharpCpu(params string[] properties)
    {
        using var copy = new BuildFilesCopy();
        var restore = DotnetCli.Run(copy.Root, ["restore", copy.ContractsProject, .. properties]);
        Assert.That(restore.ExitCode, Is.Zero, restore.ToString());

        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy.ContractsFolder, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(library => library.Name).ToList();
        Assert.That(libraries, Has.Some.StartsWith("TorchSharp-cpu/"), restore.ToString());
        Assert.That(libraries, Has.None.StartsWith("TorchSharp-cuda"));
    }

    [Test]
    public void AnUnknownBackendFailsTheRestoreWithAMessageThatSaysWhatToUse()
    {
        using var copy = new BuildFilesCopy();
        var restore = DotnetCli.Run(copy.Root, "restore", copy.ContractsProject, "-p:TorchBackend=rocm");
        Assert.That(restore.ExitCode, Is.Not.Zero, restore.ToString());
        Assert.That(restore.Output, Does.Contain("TorchBackend 'rocm' is not known").And.Contain("'cpu'").And.Contain("'cuda'"));
    }

    [Test]
    public void AnUnknownBackendFailsABuildToo()
    {
        var run = DotnetCli.Run(Repository.Root, "msbuild", TorchSharpProjects[0], "-t:CollectPackageReferences", "-p:TorchBackend=rocm");
        Assert.That(run.ExitCode, Is.Not.Zero, run.ToString());
        Assert.That(run.Output, Does.Contain("GRADER0001"));
    }

    private static List<string> EvaluatedTorchSharpReferences(string project, params string[] properties)
    {
        var run = DotnetCli.Run(Repository.Root, ["msbuild", project, "-getItem:PackageReference", .. properties]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        using var json = JsonDocument.Parse(run.Output[run.Output.IndexOf('{', StringComparison.Ordinal)..]);
        return [.. json.RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(item => item.GetProperty("Identity").GetString() ?? "")
            .Where(name => name.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase))];
    }

    /// <summary>The repository's build files and Grader.Contracts' project file in a temp folder, deleted on dispose.</summary>
    private sealed class BuildFilesCopy : IDisposable
    {
        public BuildFilesCopy()
        {
            Root = Directory.CreateTempSubdirectory("grader-torchbackend-").FullName;
            foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json" })
            {
                File.Copy(Repository.PathOf(file), Path.Combine(Root, file));
            }

            Directory.CreateDirectory(Path.Combine(Root, "build"));
            foreach (var file in Directory.EnumerateFiles(Repository.PathOf("build")))
            {
                File.Copy(file, Path.Combine(Root, "build", Path.GetFileName(file)));
            }

            Directory.CreateDirectory(ContractsFolder);
            File.Copy(Repository.PathOf(TorchSharpProjects[0]), Path.Combine(Root, TorchSharpProjects[0]));
        }

        public string Root { get; }

        public string ContractsProject => TorchSharpProjects[0];

        public string ContractsFolder => Path.Combine(Root, Path.GetDirectoryName(TorchSharpProjects[0])!);

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }
}

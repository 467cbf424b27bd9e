using System.Text.RegularExpressions;
using System.Xml.Linq;
using Grader.Infra.Tests.Support;

namespace Grader.Infra.Tests;

public sealed partial class DockerfileTests
{
    private static IEnumerable<string> Dockerfiles() => Dockerfile.AllInRepository();

    [Test]
    public void TheThreeImagesAreThere()
    {
        Assert.That(Dockerfiles(), Is.EquivalentTo(new[] { "infra/docker/web.Dockerfile", "infra/docker/worker.Dockerfile", "infra/docker/worker-gpu.Dockerfile" }));
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void EveryCopyFromTheBuildContextNamesAPathThatIsInTheRepositoryAndNotIgnored(string relativePath)
    {
        var dockerfile = Dockerfile.Load(relativePath);
        var copies = dockerfile.Stages.SelectMany(stage => stage.All("COPY").Concat(stage.All("ADD")))
            .Where(copy => !copy.Arguments.Contains("--from=", StringComparison.Ordinal))
            .ToList();
        Assert.That(copies, Is.Not.Empty, $"{relativePath} copies nothing from the build context");
        foreach (var copy in copies)
        {
            var sources = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(word => !word.StartsWith("--", StringComparison.Ordinal)).SkipLast(1);
            foreach (var source in sources)
            {
                Assert.That(Repository.PathOf(source), Does.Exist, $"{relativePath}:{copy.Line}: COPY {source}: no such path in the repository");
                Assert.That(source.TrimEnd('/'), Is.Not.AnyOf("data", "bin", "obj"), $"{relativePath}:{copy.Line}: {source} is kept out by .dockerignore");
            }
        }
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void EveryStageIsAnUbuntu2404DotnetImage(string relativePath)
    {
        var dockerfile = Dockerfile.Load(relativePath);
        Assert.That(dockerfile.Stages[0].BaseImage, Is.EqualTo("mcr.microsoft.com/dotnet/sdk:10.0-noble"), $"{relativePath}: the build stage");
        // Noble's libstdc++ has GLIBCXX_3.4.32, so TorchSharp's natives load without the Debian 12 patch.
        Assert.That(dockerfile.Final.BaseImage, Is.AnyOf("mcr.microsoft.com/dotnet/aspnet:10.0-noble", "mcr.microsoft.com/dotnet/runtime:10.0-noble"), $"{relativePath}: the image");
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void TheImageRunsAsANonRootUserWithBubblewrapInstalled(string relativePath)
    {
        var final = Dockerfile.Load(relativePath).Final;
        var user = final.All("USER").LastOrDefault();
        Assert.That(user, Is.Not.Null, $"{relativePath}: no USER, so it would run as root");
        Assert.That(user!.Arguments, Is.Not.AnyOf("root", "0", "0:0"), $"{relativePath}:{user.Line}");
        Assert.That(final.All("RUN").Any(run => BubblewrapInstall().IsMatch(run.Arguments)), Is.True, $"{relativePath}: bubblewrap is not installed");
        Assert.That(final.All("VOLUME").Select(volume => volume.Arguments), Has.Some.Contains("/data"), $"{relativePath}: the data folder is not a volume");
    }

    [TestCaseSource(nameof(Dockerfiles))]
    public void TheEntrypointRunsTheAssemblyOfTheProjectThatIsPublished(string relativePath)
    {
        var dockerfile = Dockerfile.Load(relativePath);
        var publish = dockerfile.Stages[0].All("RUN").Select(run => PublishCommand().Match(run.Arguments)).FirstOrDefault(match => match.Success);
        Assert.That(publish, Is.Not.Null, $"{relativePath}: the build stage publishes nothing");
        string projectFolder = publish!.Groups["project"].Value;
        string project = Path.Combine(projectFolder, Path.GetFileName(projectFolder) + ".csproj");
        Assert.That(Repository.PathOf(project), Does.Exist, $"{relativePath}: publishes {projectFolder}, which has no {Path.GetFileName(project)}");
        string assemblyName = XDocument.Load(Repository.PathOf(project)).Descendants("AssemblyName").FirstOrDefault()?.Value ?? Path.GetFileName(projectFolder);
        string outputFolder = publish.Groups["output"].Value;

        var entrypoint = Dockerfile.ExecForm(dockerfile.Final.All("ENTRYPOINT").Single());
        Assert.That(entrypoint[0], Is.EqualTo("dotnet"), relativePath);
        Assert.That(Path.GetFileName(entrypoint[1]), Is.EqualTo(assemblyName + ".dll"), $"{relativePath}: the entrypoint runs another assembly than {project} builds");
        var copiedOutput = dockerfile.Final.All("COPY").Single(copy => copy.Arguments.StartsWith("--from=build", StringComparison.Ordinal));
        Assert.That(copiedOutput.Arguments, Does.Contain($" {outputFolder}"), $"{relativePath}: the image does not copy the publish folder {outputFolder}");
    }

    [TestCase("infra/docker/worker.Dockerfile", "cpu")]
    [TestCase("infra/docker/worker-gpu.Dockerfile", "cuda")]
    public void WorkerImagesRunGraderWorkerWithTheirTorchBackend(string relativePath, string backend)
    {
        var dockerfile = Dockerfile.Load(relativePath);
        string publish = dockerfile.Stages[0].All("RUN").Single(run => run.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments;
        Assert.That(publish, Does.Contain($"-p:TorchBackend={backend}"));
        var entrypoint = Dockerfile.ExecForm(dockerfile.Final.All("ENTRYPOINT").Single());
        Assert.That(entrypoint, Is.EqualTo(new[] { "dotnet", "/app/grader.dll", "worker" }));
        DeploymentInterface.AssertWorkerArguments(Dockerfile.ExecForm(dockerfile.Final.All("CMD").Single()), relativePath);
    }

    [Test]
    public void TheWebImageListensOnItsExposedPortAndChecksItsHealthThere()
    {
        var final = Dockerfile.Load("infra/docker/web.Dockerfile").Final;
        string exposed = final.All("EXPOSE").Single().Arguments;
        var entrypoint = Dockerfile.ExecForm(final.All("ENTRYPOINT").Single());
        int urls = entrypoint.ToList().IndexOf("--urls");
        Assert.That(urls, Is.GreaterThan(0), "the web app's address must be given on the command line (appsettings.json has localhost:5000)");
        Assert.That(entrypoint[urls + 1], Does.EndWith(":" + exposed).And.StartWith("http://0.0.0.0"));
        var healthcheck = final.All("HEALTHCHECK").SingleOrDefault();
        Assert.That(healthcheck, Is.Not.Null, "the web image has no HEALTHCHECK");
        Assert.That(healthcheck!.Arguments, Does.Contain($"http://127.0.0.1:{exposed}{DeploymentInterface.LivePath}"));
        DeploymentInterface.AssertWebAppServes(DeploymentInterface.LivePath);
        Assert.That(final.All("RUN").Any(run => run.Arguments.Contains("curl", StringComparison.Ordinal)), Is.True, "the healthcheck needs curl installed");
    }

    [Test]
    public void DockerignoreKeepsBuildOutputAndDataOutOfTheContext()
    {
        var patterns = Repository.ReadText(".dockerignore").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        Assert.That(patterns, Is.SupersetOf(new[] { "**/bin/", "**/obj/", "/data/" }));
    }

    [GeneratedRegex(@"apt-get install\b[^&;]*\bbubblewrap\b")]
    private static partial Regex BubblewrapInstall();

    [GeneratedRegex(@"dotnet publish (?<project>src/[\w.]+)\b.*?-o (?<output>\S+)")]
    private static partial Regex PublishCommand();
}

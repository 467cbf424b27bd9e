using Grader.Infra.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Grader.Infra.Tests;

public sealed class ComposeTests
{
    private const string ComposeFile = "infra/compose.yaml";
    private static readonly string[] GraderServices = ["web", "worker", "worker-gpu"];
    private static readonly string[] WorkerServices = ["worker", "worker-gpu"];

    private static YamlNode Services => Yaml.LoadDocuments(ComposeFile).Single().Required("services", ComposeFile);

    private static YamlNode Service(string name) => Services.Required(name, $"{ComposeFile} services");

    [Test]
    public void ItHasSqlServerTheWebAppACpuWorkerAndAGpuWorkerInItsOwnProfile()
    {
        var names = ((YamlMappingNode)Services).Children.Keys.Select(key => ((YamlScalarNode)key).Value);
        Assert.That(names, Is.EquivalentTo(new[] { "sqlserver", "web", "worker", "worker-gpu" }));
        Assert.That(Service("sqlserver").Text("image", "sqlserver"), Is.EqualTo("mcr.microsoft.com/mssql/server:2022-latest"));
        Assert.That(Service("worker").Child("profiles"), Is.Null, "the CPU worker starts by default");
        Assert.That(Service("worker-gpu").Child("profiles").Strings(), Is.EqualTo(new[] { "gpu" }));
    }

    [TestCaseSource(nameof(GraderServices))]
    public void EachGraderServiceIsBuiltFromTheDockerfileItsImageIsNamedAfter(string name)
    {
        var service = Service(name);
        string image = service.Text("image", name);
        var build = service.Required("build", name);
        string context = Path.GetFullPath(Path.Combine(Repository.PathOf("infra"), build.Text("context", name)));
        Assert.That(context, Is.EqualTo(Repository.Root.TrimEnd('/')), $"{name}: the build context must be the repository root (the Dockerfiles COPY from there)");
        Assert.That(build.Text("dockerfile", name), Is.EqualTo(DeploymentInterface.DockerfileOfImage(image)));
        Assert.That(Repository.PathOf(build.Text("dockerfile", name)), Does.Exist);
    }

    [TestCaseSource(nameof(GraderServices))]
    public void EachGraderServiceHasTheSettingsTheAppsReadAndSharesOneDatabaseAndDataFolder(string name)
    {
        var environment = Service(name).Child("environment").Environment();
        Assert.That(environment.Keys, Is.SupersetOf(DeploymentInterface.KeysEveryGraderProcessNeeds).And.Contain(DeploymentInterface.ConnectionStringKey), name);
        Assert.That(DeploymentInterface.DatabaseProviders, Does.Contain(environment["Database__Provider"]), $"{name}: Database__Provider");
        Assert.That(environment["Quartz__Clustered"], Is.EqualTo("true"), name);
        Assert.That(environment["Database__ConnectionString"], Does.Contain("Server=sqlserver,"), $"{name}: the connection string must name the sqlserver service");

        var volumes = Service(name).Child("volumes").Strings().Select(ParseVolume).ToList();
        Assert.That(volumes, Has.Some.EqualTo(("grader-data", environment["Course__DataFolder"], "rw")), $"{name}: the shared data volume at Course__DataFolder");
        Assert.That(volumes.Where(volume => volume.Target == environment["Course__Root"]).Select(volume => volume.Mode),
            Is.EqualTo(new[] { "ro" }), $"{name}: the course repository at Course__Root, read-only");
    }

    /// <summary>Compose's short volume syntax read from the end, since the source may hold ':' (<c>${COURSE_ROOT:-..}</c>).</summary>
    private static (string Source, string Target, string Mode) ParseVolume(string volume)
    {
        var parts = volume.Split(':').ToList();
        string mode = parts[^1] is "ro" or "rw" ? parts[^1] : "rw";
        if (parts[^1] is "ro" or "rw")
        {
            parts.RemoveAt(parts.Count - 1);
        }

        return (string.Join(':', parts.SkipLast(1)), parts[^1], mode);
    }

    [Test]
    public void TheWebAppLeavesGradingToTheWorkers()
    {
        Assert.That(Service("web").Child("environment").Environment()[DeploymentInterface.RunGradingInWebKey], Is.EqualTo("false"));
    }

    [TestCaseSource(nameof(WorkerServices))]
    public void WorkersMayBuildTheSandboxAndUseOnlyOptionsOfGraderWorker(string name)
    {
        var service = Service(name);
        Assert.That(service.Child("security_opt").Strings(), Is.EquivalentTo(new[] { "seccomp=unconfined", "apparmor=unconfined", "systempaths=unconfined" }), name);
        Assert.That(service.Child("privileged"), Is.Null, $"{name}: privileged is the last resort, not needed with the security options");
        Assert.That(service.Child("pids_limit"), Is.Not.Null, $"{name}: without a cgroup per sandbox, the container's pids limit bounds fork bombs");
        DeploymentInterface.AssertWorkerArguments([.. service.Child("command").Strings()], name);
    }

    [Test]
    public void TheGpuWorkerReservesOneNvidiaGpuAndGradesOnIt()
    {
        var service = Service("worker-gpu");
        var device = service.Required("deploy", "worker-gpu").Required("resources", "deploy").Required("reservations", "resources")
            .Required("devices", "reservations").Items().Single();
        Assert.That(device.Text("driver", "device"), Is.EqualTo("nvidia"));
        Assert.That(device.Text("count", "device"), Is.EqualTo("1"));
        Assert.That(device.Child("capabilities").Strings(), Is.EqualTo(new[] { "gpu" }));
        var command = service.Child("command").Strings().ToList();
        Assert.That(command[command.IndexOf("--gpus") + 1], Is.EqualTo("0"));
    }
}

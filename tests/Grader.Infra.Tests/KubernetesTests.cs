using Grader.Infra.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Grader.Infra.Tests;

public sealed class KubernetesTests
{
    private static IEnumerable<string> ManifestFiles()
        => Directory.EnumerateFiles(Repository.PathOf("infra/k8s"), "*.yaml")
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Order(StringComparer.Ordinal);

    private static List<(string File, YamlMappingNode Document)> AllDocuments()
        => [.. ManifestFiles().SelectMany(file => Yaml.LoadDocuments(file).Select(document => (file, document)))];

    private static YamlMappingNode Find(string kind, string name)
        => AllDocuments().Select(entry => entry.Document)
            .SingleOrDefault(document => document.Text("kind", kind) == kind && document.Required("metadata", kind).Text("name", kind) == name)
            ?? throw new AssertionException($"no {kind} named {name} in infra/k8s");

    private static YamlNode Container(string deployment)
        => Find("Deployment", deployment).Required("spec", deployment).Required("template", deployment).Required("spec", deployment)
            .Required("containers", deployment).Items().Single();

    private static YamlNode PodSpec(string deployment)
        => Find("Deployment", deployment).Required("spec", deployment).Required("template", deployment).Required("spec", deployment);

    [TestCaseSource(nameof(ManifestFiles))]
    public void EveryManifestParsesAndNamesItsKind(string file)
    {
        foreach (var document in Yaml.LoadDocuments(file))
        {
            Assert.That(document.Text("apiVersion", file), Is.Not.Empty);
            Assert.That(document.Text("kind", file), Is.Not.Empty);
            Assert.That(document.Required("metadata", file).Text("name", file), Does.StartWith("grader-"));
        }
    }

    [TestCase("grader-web")]
    [TestCase("grader-worker-gpu")]
    public void EachDeploymentRunsAnImageBuiltHereWithTheSettingsTheAppsRead(string deployment)
    {
        var container = Container(deployment);
        string dockerfile = DeploymentInterface.DockerfileOfImage(container.Text("image", deployment));
        Assert.That(Repository.PathOf(dockerfile), Does.Exist, $"{deployment}: its image is built by {dockerfile}");

        var environment = container.Child("env").Items().ToDictionary(variable => variable.Text("name", deployment), variable => variable.Child("value") is YamlScalarNode value ? value.Value ?? "" : "");
        Assert.That(environment.Keys, Is.SupersetOf(DeploymentInterface.KeysEveryGraderProcessNeeds), deployment);
        Assert.That(DeploymentInterface.DatabaseProviders, Does.Contain(environment["Database__Provider"]), $"{deployment}: Database__Provider");

        // The connection string comes from the Secret, which must define it.
        string secretName = container.Child("envFrom").Items().Single().Required("secretRef", deployment).Text("name", deployment);
        var secretData = Find("Secret", secretName).Required("stringData", secretName);
        Assert.That(secretData.Child(DeploymentInterface.ConnectionStringKey), Is.Not.Null, $"Secret {secretName} lacks {DeploymentInterface.ConnectionStringKey}");

        // The data folder and the course are where the settings say, on the shared ReadWriteMany claim.
        var mounts = container.Child("volumeMounts").Items().ToDictionary(mount => mount.Text("mountPath", deployment));
        Assert.That(mounts.Keys, Is.SupersetOf(new[] { environment["Course__DataFolder"], environment["Course__Root"] }), deployment);
        Assert.That(mounts[environment["Course__Root"]].Text("readOnly", deployment), Is.EqualTo("true"), $"{deployment}: the course is mounted read-only");
        string claim = PodSpec(deployment).Required("volumes", deployment).Items().Single().Required("persistentVolumeClaim", deployment).Text("claimName", deployment);
        Assert.That(Find("PersistentVolumeClaim", claim).Required("spec", claim).Child("accessModes").Strings(), Is.EqualTo(new[] { "ReadWriteMany" }),
            "web and workers on different nodes share the data folder");
    }

    [Test]
    public void TheWebAppOnlyQueuesAndIsServedOnTheImagesPort()
    {
        var container = Container("grader-web");
        var environment = container.Child("env").Items().ToDictionary(variable => variable.Text("name", "web"), variable => variable.Child("value") is YamlScalarNode value ? value.Value : null);
        Assert.That(environment[DeploymentInterface.RunGradingInWebKey], Is.EqualTo("false"));
        string exposed = Dockerfile.Load("infra/docker/web.Dockerfile").Final.All("EXPOSE").Single().Arguments;
        Assert.That(container.Child("ports").Items().Single().Text("containerPort", "web"), Is.EqualTo(exposed));
        string readyPath = container.Required("readinessProbe", "web").Required("httpGet", "readinessProbe").Text("path", "httpGet");
        string livePath = container.Required("livenessProbe", "web").Required("httpGet", "livenessProbe").Text("path", "httpGet");
        Assert.That(readyPath, Is.EqualTo(DeploymentInterface.ReadyPath), "readiness: database, schedulers and workers");
        Assert.That(livePath, Is.EqualTo(DeploymentInterface.LivePath), "liveness: the process answers (a restart would not bring the database back)");
        DeploymentInterface.AssertWebAppServes(readyPath);
        DeploymentInterface.AssertWebAppServes(livePath);
        Assert.That(Dockerfile.Load("infra/docker/web.Dockerfile").Final.All("HEALTHCHECK").Single().Arguments, Does.Contain(livePath), "liveness probe and image healthcheck ask the same endpoint");

        var service = Find("Service", "grader-web");
        Assert.That(service.Required("spec", "Service").Required("selector", "Service").Text("app.kubernetes.io/name", "selector"), Is.EqualTo("grader-web"));
    }

    [Test]
    public void EachGpuWorkerPodHasOneGpuAndGrantsItAsIndexZero()
    {
        var container = Container("grader-worker-gpu");
        Assert.That(container.Required("resources", "worker").Required("limits", "resources").Text("nvidia.com/gpu", "limits"), Is.EqualTo("1"));
        var arguments = container.Child("args").Strings().ToList();
        DeploymentInterface.AssertWorkerArguments(arguments, "grader-worker-gpu");
        Assert.That(arguments[arguments.IndexOf("--gpus") + 1], Is.EqualTo("0"), "the pod's one GPU is CUDA index 0 inside it");
        var security = container.Required("securityContext", "worker");
        Assert.That(security.Required("seccompProfile", "securityContext").Text("type", "seccompProfile"), Is.EqualTo("Unconfined"));
        Assert.That(security.Child("privileged"), Is.Null, "privileged is the documented last resort, not the default");
        Assert.That(PodSpec("grader-worker-gpu").Required("securityContext", "pod").Text("runAsUser", "pod"), Is.Not.EqualTo("0"));
    }

    [Test]
    public void TheDatabaseIsAnExternalService()
    {
        var service = Find("Service", "grader-postgres").Required("spec", "grader-postgres");
        Assert.That(service.Text("type", "grader-postgres"), Is.EqualTo("ExternalName"));
        string connectionString = Find("Secret", "grader-database").Required("stringData", "secret").Text(DeploymentInterface.ConnectionStringKey, "secret");
        Assert.That(connectionString, Does.Contain("Host=grader-postgres;"));
    }
}

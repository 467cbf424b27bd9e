namespace Grader.Infra.Tests.Support;

/// <summary>
/// What the deployment files may rely on: the configuration keys the web app and `grader worker` read (as environment
/// variables, `__` for `:`), the database providers, and the worker's options.
/// </summary>
internal static class DeploymentInterface
{
    public static readonly string[] KeysEveryGraderProcessNeeds =
        ["Database__Provider", "Course__Root", "Course__DataFolder", "Quartz__Clustered"];

    public const string ConnectionStringKey = "Database__ConnectionString";

    public const string RunGradingInWebKey = "Grading__RunInWeb";

    public static readonly string[] DatabaseProviders = ["Sqlite", "SqlServer", "PostgreSql"];

    /// <summary>The web app's liveness and readiness endpoints (src/Grader.Web/Operations/HealthChecks.cs).</summary>
    public const string LivePath = "/healthz";

    public const string ReadyPath = "/readyz";

    /// <summary>Checks that the web app still serves <paramref name="path"/>: its health endpoints are declared in one file.</summary>
    public static void AssertWebAppServes(string path) =>
        Assert.That(Repository.ReadText("src/Grader.Web/Operations/HealthChecks.cs"), Does.Contain($"= \"{path}\";"),
            $"the web app no longer declares {path} (src/Grader.Web/Operations/HealthChecks.cs)");

    public static readonly string[] WorkerOptions = ["--slots", "--gpus", "--config"];

    /// <summary>Images are named after their Dockerfile: <c>grader-worker-gpu</c> is built by <c>infra/docker/worker-gpu.Dockerfile</c>.</summary>
    public static string DockerfileOfImage(string image)
    {
        string name = image[(image.LastIndexOf('/') + 1)..];
        int tag = name.IndexOf(':', StringComparison.Ordinal);
        if (tag >= 0)
        {
            name = name[..tag];
        }

        Assert.That(name, Does.StartWith("grader-"), $"image {image} is not one of Grader's (grader-<Dockerfile name>)");
        return $"infra/docker/{name["grader-".Length..]}.Dockerfile";
    }

    /// <summary>Checks a worker's arguments use only the options `grader worker` has, each with a value.</summary>
    public static void AssertWorkerArguments(IReadOnlyList<string> arguments, string where)
    {
        for (int index = 0; index < arguments.Count; index += 2)
        {
            Assert.That(WorkerOptions, Does.Contain(arguments[index]), $"{where}: '{arguments[index]}' is not an option of grader worker");
            Assert.That(index + 1, Is.LessThan(arguments.Count), $"{where}: {arguments[index]} has no value");
        }
    }
}

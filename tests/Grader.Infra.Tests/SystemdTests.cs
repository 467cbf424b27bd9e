using Grader.Infra.Tests.Support;

namespace Grader.Infra.Tests;

/// <summary>The units of the one-machine install: the web app and a worker, as one unprivileged user, on one data folder.</summary>
public sealed class SystemdTests
{
    private const string WebUnit = "infra/systemd/grader-web.service";
    private const string WorkerUnit = "infra/systemd/grader-worker.service";

    private static ILookup<string, string> Settings(string unit)
        => Repository.ReadText(unit).Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#') && !line.StartsWith('[') && line.Contains('=', StringComparison.Ordinal))
            .ToLookup(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);

    private static Dictionary<string, string> Environment(string unit)
        => Settings(unit)["Environment"].Select(assignment => assignment.Split('=', 2)).ToDictionary(parts => parts[0], parts => parts[1]);

    [TestCase(WebUnit)]
    [TestCase(WorkerUnit)]
    public void EachUnitRunsAsTheGraderUserWithDelegatedCgroupsAndTheSharedSecretsFile(string unit)
    {
        var settings = Settings(unit);
        Assert.That(settings["User"].Single(), Is.EqualTo("grader"), $"{unit}: never root (the sandbox's process limit does not hold for root)");
        Assert.That(settings["Delegate"].Single().Split(' '), Is.SupersetOf(new[] { "memory", "pids" }), unit);
        Assert.That(settings["EnvironmentFile"].Single(), Is.EqualTo("-/etc/grader/grader.env"), unit);
    }

    [Test]
    public void WebAndWorkerUseOneCourseAndOneDataFolder()
    {
        var web = Environment(WebUnit);
        var worker = Environment(WorkerUnit);
        Assert.That(worker["Course__Root"], Is.EqualTo(web["Course__Root"]));
        Assert.That(worker["Course__DataFolder"], Is.EqualTo(web["Course__DataFolder"]));
        Assert.That(worker["Quartz__Clustered"], Is.EqualTo("true"));
    }

    [Test]
    public void TheWorkerUnitRunsGraderWorkerWithItsOptions()
    {
        var command = Settings(WorkerUnit)["ExecStart"].Single().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(command[..3], Is.EqualTo(new[] { "/usr/bin/dotnet", "/opt/grader/runner/grader.dll", "worker" }));
        DeploymentInterface.AssertWorkerArguments(command[3..], WorkerUnit);
        Assert.That(Settings(WorkerUnit)["WorkingDirectory"].Single(), Is.EqualTo("/opt/grader/runner"));
    }
}

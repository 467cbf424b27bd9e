using System.Diagnostics;
using System.Net;
using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Accounts;

/// <summary>A course without the demo gets its first accounts from <c>Grader.Web.dll account add</c>, then signs in with them.</summary>
public sealed class AccountCommandTests
{
    private string dataFolder = "";

    [SetUp]
    public void NewDataFolder() => dataFolder = Directory.CreateTempSubdirectory("grader-account-test-").FullName;

    // A RunningApp started on the folder deletes it when disposed.
    [TearDown]
    public void RemoveDataFolder()
    {
        if (Directory.Exists(dataFolder))
        {
            Directory.Delete(dataFolder, recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output)> AccountAsync(string password, params string[] arguments)
    {
        string webDll = Path.Combine(RunningApp.RepositoryRoot, "src", "Grader.Web", "bin",
            new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name, "net10.0", "Grader.Web.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(webDll);
        start.ArgumentList.Add("account");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["Course__Root"] = RunningApp.RepositoryRoot;
        start.Environment["Course__DataFolder"] = dataFolder;
        start.Environment["Course__SeedDemo"] = "false";
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync(password);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [Test]
    public async Task TheFirstInstructorIsCreatedFromTheCommandLineAndSignsIn()
    {
        var (exitCode, output) = await AccountAsync("First-instructor-1", "add", "boss", "--role", "instructor", "--name", "Dr. Boss");
        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Contain("created instructor account 'boss' (Dr. Boss)"));

        await using var app = await RunningApp.StartAsync(dataFolder, new Dictionary<string, string> { ["Course__SeedDemo"] = "false" });
        using var boss = await app.ClientAsync("boss", "First-instructor-1");
        using var gradebook = await boss.GetAsync("/Instructor/Gradebook");
        Assert.That(gradebook.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await using var db = app.Database();
        Assert.That(db.Submissions.Count(), Is.Zero, "the account command never seeds the demo");
    }

    [TestCase("short", new[] { "add", "boss", "--role", "instructor" }, 1, "Passwords must be at least")]
    [TestCase("Long-enough-1", new[] { "add", "boss", "--role", "dean" }, 2, "--role must be one of student, ta, instructor; got 'dean'")]
    [TestCase("Long-enough-1", new[] { "add", "nobody1", "--role", "student" }, 1, "'nobody1' is not on the course roster")]
    [TestCase("Long-enough-1", new[] { "remove", "boss" }, 2, "usage: account add USER")]
    [TestCase("", new[] { "add", "boss", "--role", "ta" }, 2, "give the password on standard input")]
    public async Task BadRequestsAreRefusedWithTheReason(string password, string[] arguments, int expectedExitCode, string expectedMessage)
    {
        var (exitCode, output) = await AccountAsync(password, arguments);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(expectedExitCode), output);
            Assert.That(output, Does.Contain(expectedMessage));
        });
    }

    [Test]
    public async Task AStudentAccountIsLinkedToTheirRosterEntry()
    {
        var (exitCode, output) = await AccountAsync("Student-own-1", "add", "dm0003", "--role", "student");
        Assert.That(exitCode, Is.Zero, output);
        await using var app = await RunningApp.StartAsync(dataFolder, new Dictionary<string, string> { ["Course__SeedDemo"] = "false" });
        using var student = await app.ClientAsync("dm0003", "Student-own-1");
        Assert.That((await student.GetAsync("/Student")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await student.GetAsync("/Instructor/Gradebook")).StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "a student is not staff");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Grader.Cluster.Tests.PostgreSql;

/// <summary>
/// One process of the cluster under test, the web app or a <c>grader worker</c>, started from its build output with
/// its configuration in environment variables, as a deployment would run it. Its output is kept for failure messages.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private NodeProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string Configuration => new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name;

    /// <summary>The web app's build output, which holds the runner (runner/grader.dll) that its workers run.</summary>
    public static string WebBuildFolder => Path.Combine(RepositoryRoot, "src", "Grader.Web", "bin", Configuration, "net10.0");

    public static NodeProcess Start(string name, string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        Assert.That(File.Exists(dll), Is.True, $"build the solution first: {dll} is missing");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var node = new NodeProcess(name, new Process { StartInfo = start });
        node.process.OutputDataReceived += (_, e) => node.Append(e.Data);
        node.process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        node.process.Start();
        node.process.BeginOutputReadLine();
        node.process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Sends a signal the way an operator or an orchestrator would (<c>kill -KILL</c>, <c>kill -TERM</c>).</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { $"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        await kill.WaitForExitAsync();
        Assert.That(kill.ExitCode, Is.Zero, $"kill -{signal} {process.Id} ({Name})");
    }

    /// <returns>False when the process was still running after <paramref name="patience"/>.</returns>
    public async Task<bool> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private bool disposed;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "assignments", "course.yaml")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("no assignments/course.yaml above the test folder");
    }
}

/// <summary>A student's browser, reduced to what uploading takes: sign in, then post the upload form with its antiforgery token.</summary>
public sealed partial class StudentClient : IDisposable
{
    private readonly HttpClient http;

    private StudentClient(Uri baseAddress)
    {
        http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = baseAddress };
    }

    public static async Task<StudentClient> SignInAsync(Uri baseAddress, string userName, string password)
    {
        var client = new StudentClient(baseAddress);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = userName,
            ["Password"] = password,
            ["__RequestVerificationToken"] = await client.TokenAsync("Account/Login"),
        });
        using var response = await client.http.PostAsync(new Uri("Account/Login", UriKind.Relative), content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"sign-in as {userName}");
        return client;
    }

    /// <returns>The new submission's id (the page it redirects to).</returns>
    public async Task<long> UploadAsync(string assignmentId, string fileName, byte[] zip)
    {
        using var content = new MultipartFormDataContent
        {
            { new StringContent(assignmentId), "AssignmentId" },
            { new StringContent(await TokenAsync("Student")), "__RequestVerificationToken" },
            { new ByteArrayContent(zip), "Upload", fileName },
        };
        using var response = await http.PostAsync(new Uri("Student?handler=Upload", UriKind.Relative), content);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await response.Content.ReadAsStringAsync());
        return long.Parse(response.Headers.Location!.ToString().Split('/')[^1], CultureInfo.InvariantCulture);
    }

    public void Dispose() => http.Dispose();

    private async Task<string> TokenAsync(string page)
    {
        string html = await http.GetStringAsync(new Uri(page, UriKind.Relative));
        var token = TokenPattern().Match(html);
        Assert.That(token.Success, Is.True, $"{page} has no antiforgery token");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}

/// <summary>
/// A copy of the web app's build output (with its runner) for one test: the processes under test run for minutes, and
/// a rebuild of the source tree meanwhile must not swap assemblies under them. Small files are copied; large ones
/// (TorchSharp's native libraries, Roslyn: package files a rebuild leaves alone) are hard-linked to save gigabytes.
/// </summary>
public sealed class BuildCopy : IDisposable
{
    private const long LinkFrom = 2 * 1024 * 1024;

    private BuildCopy(string folder) => Folder = folder;

    public string Folder { get; }

    public string WebDll => Path.Combine(Folder, "Grader.Web.dll");

    public string GraderDll => Path.Combine(Folder, "runner", "grader.dll");

    public static BuildCopy Of(string buildFolder)
    {
        Assert.That(File.Exists(Path.Combine(buildFolder, "Grader.Web.dll")), Is.True, $"build the solution first: {buildFolder} has no Grader.Web.dll");
        Assert.That(File.Exists(Path.Combine(buildFolder, "runner", "grader.dll")), Is.True, $"build the solution first: {buildFolder} has no runner/grader.dll");
        string folder = Path.Combine(Path.GetTempPath(), $"grader-cluster-build-{Guid.NewGuid():N}");
        using (var link = Process.Start(new ProcessStartInfo("cp") { ArgumentList = { "-al", buildFolder, folder }, UseShellExecute = false })!)
        {
            link.WaitForExit();
            Assert.That(link.ExitCode, Is.Zero, $"cp -al {buildFolder} {folder}");
        }

        foreach (string file in Directory.EnumerateFiles(buildFolder, "*", SearchOption.AllDirectories).Where(f => new FileInfo(f).Length < LinkFrom))
        {
            string target = Path.Combine(folder, Path.GetRelativePath(buildFolder, file));
            File.Delete(target);
            File.Copy(file, target);
        }

        return new BuildCopy(folder);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A killed worker's child grader may still run from it; the temp folder is cleaned by the system.
        }
    }
}

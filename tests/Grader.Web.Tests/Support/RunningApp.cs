using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Support;

/// <summary>
/// The real web app, started as its own process on 127.0.0.1 and a free port, with a fresh SQLite database in a temp
/// folder and the demo course seeded. Reports are cached in a folder shared by all test runs (keyed by assignment,
/// content hash and grader version), so only the first run ever pays for grading the demo variants.
/// </summary>
public sealed partial class RunningApp : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    // Killed: the data folder is kept for the app that starts on it next.
    private bool handedOn;

    private RunningApp(Process process, Uri baseAddress, string dataFolder)
    {
        this.process = process;
        BaseAddress = baseAddress;
        DataFolder = dataFolder;
    }

    public Uri BaseAddress { get; }

    public string DataFolder { get; }

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

    /// <summary>The folder of reports shared by all test runs (see the class summary).</summary>
    public static string SharedReportCacheFolder { get; } = Path.Combine(Path.GetTempPath(), "grader-web-tests-report-cache");

    /// <summary>The process id, for killing it the hard way.</summary>
    public int ProcessId => process.Id;

    /// <summary>Whether the app's process has ended (killed, or crashed: see <see cref="Log"/>).</summary>
    public bool HasExited => process.HasExited;

    /// <summary>
    /// Starts the app on a fresh data folder, or on <paramref name="dataFolder"/> left by an app that was killed (its
    /// database, store and Quartz jobs as the crash left them).
    /// </summary>
    /// <param name="dataFolder">Null: a fresh temp folder.</param>
    /// <param name="settings">More configuration as environment variables, e.g. <c>Course__Now</c>.</param>
    public static async Task<RunningApp> StartAsync(string? dataFolder = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        string webDll = Path.Combine(RepositoryRoot, "src", "Grader.Web", "bin",
            new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name, "net10.0", "Grader.Web.dll");
        Assert.That(File.Exists(webDll), Is.True, $"build Grader.Web first: {webDll} is missing");
        dataFolder ??= Path.Combine(Path.GetTempPath(), $"grader-web-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataFolder);
        int port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(webDll)! };
        start.ArgumentList.Add(webDll);
        start.Environment["Urls"] = $"http://127.0.0.1:{port}";
        start.Environment["Course__Root"] = RepositoryRoot;
        start.Environment["Course__DataFolder"] = dataFolder;
        start.Environment["Course__ReportCacheFolder"] = SharedReportCacheFolder;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var app = new RunningApp(process, new Uri($"http://127.0.0.1:{port}/"), dataFolder);
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the app exited with {process.ExitCode}:\n{app.Log}");
            }

            try
            {
                if ((await client.GetAsync(new Uri("Account/Login", UriKind.Relative))).IsSuccessStatusCode)
                {
                    return app;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet: the demo is still being seeded.
            }

            await Task.Delay(250);
        }

        await app.DisposeAsync();
        Assert.Fail($"the app did not answer within 120 s:\n{app.Log}");
        return null!;
    }

    /// <summary>A client signed in as <paramref name="userName"/> (null: anonymous). It never follows redirects.</summary>
    public async Task<WebClient> ClientAsync(string? userName, string? password = null)
    {
        var client = new WebClient(BaseAddress);
        if (userName is not null)
        {
            await client.SignInAsync(userName, password ?? PasswordOf(userName));
        }

        return client;
    }

    /// <summary>The HW1 model solution's notebook zipped as a student uploads it (same bytes each call, so its report is cached).</summary>
    public static byte[] Hw1SolutionNotebookZip()
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            archive.CreateEntryFromFile(Path.Combine(RepositoryRoot, "assignments", "hw1-mlp", "solution", "hw1.ipynb"), "hw1.ipynb");
        }

        return buffer.ToArray();
    }

    public static string PasswordOf(string userName) => userName switch
    {
        "instructor" => Demo.DemoSeeder.InstructorPassword,
        "ta1" or "ta2" => Demo.DemoSeeder.TaPassword,
        _ => Demo.DemoSeeder.StudentPassword,
    };

    /// <summary>The app's own database, for checking what a request recorded.</summary>
    public SqliteGraderDbContext Database() =>
        new(new DbContextOptionsBuilder<SqliteGraderDbContext>().UseSqlite($"Data Source={Path.Combine(DataFolder, "grader.db")}").Options);

    /// <summary>
    /// A crash: SIGKILL to the app's process id (no shutdown code runs). Its grading child processes are left running,
    /// as they would be after a real crash. The data folder stays for the next <see cref="StartAsync"/>, which then owns it.
    /// </summary>
    public async Task KillAsync()
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-KILL", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })!)
        {
            await kill.WaitForExitAsync();
            Assert.That(kill.ExitCode, Is.Zero, $"kill -KILL {process.Id}");
        }

        await process.WaitForExitAsync();
        handedOn = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        if (handedOn)
        {
            return; // The next app started on this folder deletes it.
        }

        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the exiting process; the temp folder is cleaned by the system.
        }
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

/// <summary>An HTTP client with its own cookies that fills in antiforgery tokens the way a browser's form post does.</summary>
public sealed partial class WebClient : IDisposable
{
    private readonly HttpClient http;

    public WebClient(Uri baseAddress)
    {
        http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies }) { BaseAddress = baseAddress };
    }

    /// <summary>The client's cookies, e.g. to copy a sign-in cookie into another client.</summary>
    public CookieContainer Cookies { get; } = new();

    /// <summary>Headers sent with every request, e.g. a proxy's <c>X-Forwarded-For</c>.</summary>
    public System.Net.Http.Headers.HttpRequestHeaders DefaultHeaders => http.DefaultRequestHeaders;

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => http.SendAsync(request);

    public Task<HttpResponseMessage> GetAsync(string path) => http.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative));

    public async Task<string> GetStringAsync(string path)
    {
        using var response = await GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"GET {path}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Posts a form the way the page at <paramref name="formPage"/> would, with its antiforgery token.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string formPage, string action, IReadOnlyDictionary<string, string> fields)
    {
        string page = await GetStringAsync(formPage);
        var token = TokenPattern().Match(page);
        Assert.That(token.Success, Is.True, $"{formPage} has no antiforgery token");
        var form = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value) };
        using var content = new FormUrlEncodedContent(form);
        return await http.PostAsync(new Uri(action.TrimStart('/'), UriKind.Relative), content);
    }

    public async Task<HttpResponseMessage> PostMultipartAsync(string formPage, string action, IReadOnlyDictionary<string, string> fields, string fileField, string fileName, byte[] bytes)
    {
        string page = await GetStringAsync(formPage);
        var token = TokenPattern().Match(page);
        Assert.That(token.Success, Is.True, $"{formPage} has no antiforgery token");
        using var content = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        content.Add(new StringContent(WebUtility.HtmlDecode(token.Groups[1].Value)), "__RequestVerificationToken");
        content.Add(new ByteArrayContent(bytes), fileField, fileName);
        return await http.PostAsync(new Uri(action.TrimStart('/'), UriKind.Relative), content);
    }

    public async Task SignInAsync(string userName, string password)
    {
        using var response = await PostFormAsync("/Account/Login", "/Account/Login", new Dictionary<string, string> { ["UserName"] = userName, ["Password"] = password });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), $"sign-in as {userName}");
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Grader.Runner.Tests.Notebooks;

/// <summary>An error the kernel reported while compiling a cell; <paramref name="Line"/> is 1-based within the cell.</summary>
internal sealed record KernelError(int Line, string Code, string Message);

/// <summary>
/// The real .NET Interactive kernel (dotnet-interactive stdio, installed by scripts/setup.sh --tests), driven the way
/// Polyglot Notebooks drives it: one SubmitCode command per cell, each answered with events ending in
/// CommandSucceeded or CommandFailed. The tests use it as the oracle of what a notebook cell compiles to.
/// </summary>
internal sealed class InteractiveKernel : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<JsonNode> _events = [];
    private int _submissions;

    public InteractiveKernel(string workingDirectory)
    {
        var start = new ProcessStartInfo(ExecutablePath, "stdio")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {ExecutablePath}");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var reader = new Thread(ReadEvents) { IsBackground = true, Name = "dotnet-interactive events" };
        reader.Start();
        WaitFor(e => (string?)e["eventType"] == "KernelReady", TimeSpan.FromMinutes(3), "the kernel to be ready");
    }

    /// <summary>Where setup.sh --tests installs the kernel (GRADER_DOTNET_INTERACTIVE overrides it).</summary>
    public static string ExecutablePath { get; } = Environment.GetEnvironmentVariable("GRADER_DOTNET_INTERACTIVE")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "grader-tests", "dotnet-interactive", "dotnet-interactive");

    /// <summary>Runs one C# cell; returns the errors the kernel found compiling it (none when it compiled, whether it then ran or threw).</summary>
    public IReadOnlyList<KernelError> Submit(string code, TimeSpan timeout)
    {
        string token = $"cell{++_submissions}";
        var command = new JsonObject
        {
            ["token"] = token,
            ["commandType"] = "SubmitCode",
            ["command"] = new JsonObject { ["code"] = code, ["targetKernelName"] = "csharp" },
        };
        _process.StandardInput.WriteLine(command.ToJsonString());
        _process.StandardInput.Flush();

        var errors = new List<KernelError>();
        while (true)
        {
            var e = WaitFor(e => TokenOf(e) is { } t && (t == token || t.StartsWith(token + ".", StringComparison.Ordinal)), timeout, $"the kernel to answer {token}");
            string? type = (string?)e["eventType"];
            if (type == "DiagnosticsProduced" && e["event"]?["diagnostics"] is JsonArray diagnostics)
            {
                errors.AddRange(diagnostics.OfType<JsonObject>()
                    .Where(d => string.Equals((string?)d["severity"], "error", StringComparison.OrdinalIgnoreCase))
                    .Select(d => new KernelError(((int?)d["linePositionSpan"]?["start"]?["line"] ?? 0) + 1, (string?)d["code"] ?? "", (string?)d["message"] ?? "")));
            }

            if (TokenOf(e) == token && type is "CommandSucceeded" or "CommandFailed")
            {
                return [.. errors.DistinctBy(error => (error.Line, error.Code))];
            }
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static string? TokenOf(JsonNode e) => (string?)e["command"]?["token"];

    private JsonNode WaitFor(Func<JsonNode, bool> wanted, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_events.TryTake(out var e, left))
            {
                throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
            }

            if (wanted(e))
            {
                return e;
            }
        }
    }

    private void ReadEvents()
    {
        while (_process.StandardOutput.ReadLine() is { } line)
        {
            if (!line.StartsWith('{'))
            {
                continue; // the welcome banner
            }

            try
            {
                if (JsonNode.Parse(line) is { } e)
                {
                    _events.Add(e);
                }
            }
            catch (JsonException)
            {
                // Not an event line.
            }
        }

        _events.CompleteAdding();
    }
}

using System.Diagnostics;

namespace Grader.Infra.Tests.Support;

/// <summary>Runs the dotnet CLI (msbuild, restore) as a child process and captures what it printed.</summary>
internal static class DotnetCli
{
    public sealed record Result(int ExitCode, string Output)
    {
        public override string ToString() => $"exit code {ExitCode}:\n{Output}";
    }

    public static Result Run(string workingDirectory, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add("-nologo");
        // No build server: a node left running would outlive the test and hold files of the temp folders.
        startInfo.ArgumentList.Add("-nodeReuse:false");
        startInfo.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["MSBUILDDISABLENODEREUSE"] = "1";

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start dotnet");
        var standardError = process.StandardError.ReadToEndAsync();
        string standardOutput = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 3 minutes");
        }

        return new Result(process.ExitCode, standardOutput + standardError.Result);
    }

    private static string DotnetHost()
    {
        // Set by `dotnet test` to the host that runs it; otherwise the one on PATH.
        string? fromTestHost = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return fromTestHost is { Length: > 0 } && File.Exists(fromTestHost) ? fromTestHost : "dotnet";
    }
}

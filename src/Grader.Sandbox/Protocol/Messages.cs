namespace Grader.Sandbox.Protocol;

/// <summary>Message kinds; the first byte of every frame.</summary>
public enum MessageKind : byte
{
    // runner -> sandbox
    Create = 1,
    Call = 2,
    Shutdown = 3,
    RunTopLevel = 4,
    Load = 5,

    // sandbox -> runner
    Ready = 16,
    Created = 17,
    Returned = 18,
    Failed = 19,
    Standby = 20,
}

/// <summary>"Make an instance of the student's class that implements this contract interface."</summary>
public sealed record CreateRequest(string ContractInterface);

/// <summary>"Call this contract method on that object with these arguments."</summary>
public sealed record CallRequest(int ObjectId, string ContractInterface, string MethodName, string[] ParameterTypes, object?[] Arguments);

/// <summary>"Run the notebook's own top-level statements (training runs, plots) once."</summary>
public sealed record RunTopLevelRequest;

/// <summary>
/// "Load the student's assembly from this path and get ready." A host is started before it has a submission (so the
/// start-up cost leaves the critical path); the runner sends this once the submission's files are in place.
/// <paramref name="CpuSeconds"/> is the submission's CPU budget from now on: the host's own start-up is not the student's.
/// </summary>
public sealed record LoadRequest(string AssemblyPath, int CpuSeconds);

/// <summary>
/// How a chain of script submissions (a notebook's cells, as the .NET Interactive kernel compiles them) lies on disk:
/// the last submission is the assembly a <see cref="LoadRequest"/> names ("student.dll"); the ones before it sit beside
/// it as "student.s1.dll", "student.s2.dll", ..., each file named after its assembly, which is how the later ones
/// reference it. Shared by the runner, which writes them, and the sandbox host, which loads and runs them in order.
/// </summary>
public static class SubmissionChainFiles
{
    /// <summary>The assembly name of the <paramref name="index"/>-th (1-based) submission before the last one.</summary>
    public static string EarlierAssemblyName(string lastAssemblyName, int index)
        => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{lastAssemblyName}.s{index}");

    /// <summary>The earlier submissions' files beside <paramref name="lastAssemblyPath"/>, in the order they run.</summary>
    public static IReadOnlyList<string> EarlierFiles(string lastAssemblyPath)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(lastAssemblyPath))!;
        string stem = Path.GetFileNameWithoutExtension(lastAssemblyPath);
        var files = new List<(int Index, string Path)>();
        foreach (var file in Directory.EnumerateFiles(folder, stem + ".s*.dll"))
        {
            string suffix = Path.GetFileNameWithoutExtension(file)[(stem.Length + 2)..];
            if (int.TryParse(suffix, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
            {
                files.Add((index, file));
            }
        }

        return [.. files.OrderBy(file => file.Index).Select(file => file.Path)];
    }
}

/// <summary>"Finish: exit now."</summary>
public sealed record ShutdownRequest;

/// <summary>The sandbox host is up (runtime, TorchSharp and libtorch loaded) and waits for a <see cref="LoadRequest"/>.</summary>
public sealed record StandbyMessage(string Description);

/// <summary>The sandbox host has loaded the student's assembly.</summary>
public sealed record ReadyMessage(string Description);

public sealed record CreatedMessage(int ObjectId, string ImplementingType);

/// <param name="StudentMilliseconds">Time spent in the student's code, as the sandbox measured it: self-reported by
/// untrusted code, so it feeds only the overhead figures of the benchmark, never a score.</param>
public sealed record ReturnedMessage(object? Value, double StudentMilliseconds = 0);

/// <summary>The student's code threw, or the request could not be served; the text is shown to the student.</summary>
public sealed record FailedMessage(string ExceptionType, string Message, string StackTrace, double StudentMilliseconds = 0);

using System.Text.RegularExpressions;

namespace Grader.Infra.Tests.Support;

/// <summary>One instruction of a Dockerfile (continuation lines joined, comments dropped), with the line it starts on.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>One <c>FROM</c> stage: its base image, its name (<c>AS name</c>) if any, and its instructions.</summary>
internal sealed record DockerStage(string BaseImage, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword)
        => Instructions.Where(instruction => instruction.Keyword.Equals(keyword, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Just enough of the Dockerfile syntax for the checks here: stages and instructions.</summary>
internal sealed partial class Dockerfile
{
    private Dockerfile(string relativePath, IReadOnlyList<DockerStage> stages)
    {
        RelativePath = relativePath;
        Stages = stages;
    }

    public string RelativePath { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    /// <summary>The stage the image is made of.</summary>
    public DockerStage Final => Stages[^1];

    public static IEnumerable<string> AllInRepository()
        => Directory.EnumerateFiles(Repository.PathOf("infra/docker"), "*.Dockerfile")
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Order(StringComparer.Ordinal);

    public static Dockerfile Load(string relativePath)
    {
        var lines = Repository.ReadText(relativePath).Split('\n');
        var stages = new List<DockerStage>();
        string? baseImage = null;
        string? stageName = null;
        var instructions = new List<DockerInstruction>();
        for (int index = 0; index < lines.Length; index++)
        {
            string line = lines[index].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int startLine = index + 1;
            var joined = new System.Text.StringBuilder();
            while (line.EndsWith('\\') && index + 1 < lines.Length)
            {
                joined.Append(line[..^1]).Append(' ');
                line = lines[++index].Trim();
                while (line.StartsWith('#') && index + 1 < lines.Length)
                {
                    line = lines[++index].Trim();
                }
            }

            joined.Append(line);
            var match = InstructionPattern().Match(joined.ToString());
            if (!match.Success)
            {
                throw new AssertionException($"{relativePath}:{startLine}: not an instruction: {joined}");
            }

            var instruction = new DockerInstruction(match.Groups[1].Value.ToUpperInvariant(), match.Groups[2].Value.Trim(), startLine);
            if (instruction.Keyword == "FROM")
            {
                if (baseImage is not null)
                {
                    stages.Add(new DockerStage(baseImage, stageName, instructions));
                }

                var from = FromPattern().Match(instruction.Arguments);
                baseImage = from.Groups[1].Value;
                stageName = from.Groups[2].Success ? from.Groups[2].Value : null;
                instructions = [];
            }
            else if (baseImage is null)
            {
                throw new AssertionException($"{relativePath}:{startLine}: {instruction.Keyword} before the first FROM");
            }
            else
            {
                instructions.Add(instruction);
            }
        }

        if (baseImage is null)
        {
            throw new AssertionException($"{relativePath} has no FROM");
        }

        stages.Add(new DockerStage(baseImage, stageName, instructions));
        return new Dockerfile(relativePath, stages);
    }

    /// <summary>The words of an exec-form instruction (<c>["dotnet", "x.dll"]</c>).</summary>
    public static IReadOnlyList<string> ExecForm(DockerInstruction instruction)
    {
        var words = System.Text.Json.JsonSerializer.Deserialize<string[]>(instruction.Arguments);
        return words ?? throw new AssertionException($"line {instruction.Line}: {instruction.Keyword} is not in exec form");
    }

    [GeneratedRegex(@"^([A-Za-z]+)\s+(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}

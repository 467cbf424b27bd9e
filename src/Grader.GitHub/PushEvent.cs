using System.Text.Json;

namespace Grader.GitHub;

/// <summary>
/// The fields of a <c>push</c> webhook payload that matter as evidence. <see cref="HeadCommitTimestamp"/> is the date
/// the student's git wrote into the commit: shown to TAs, never used to decide lateness.
/// </summary>
public sealed record PushEvent(
    string RepositoryFullName,
    string DefaultBranch,
    string Ref,
    string Before,
    string After,
    bool Forced,
    bool Deleted,
    string Pusher,
    string? HeadCommitId,
    DateTimeOffset? HeadCommitTimestamp)
{
    public const string ZeroSha = "0000000000000000000000000000000000000000";

    /// <summary>The repository name without the owner (<c>hw1-mlp-alice</c>).</summary>
    public string RepositoryName => RepositoryFullName[(RepositoryFullName.IndexOf('/', StringComparison.Ordinal) + 1)..];

    public string Owner => RepositoryFullName[..Math.Max(0, RepositoryFullName.IndexOf('/', StringComparison.Ordinal))];

    /// <summary>Whether this push moved the repository's default branch (the one that is graded).</summary>
    public bool IsToDefaultBranch => string.Equals(Ref, "refs/heads/" + DefaultBranch, StringComparison.Ordinal);

    /// <summary>Parses a push payload; a missing or mistyped field is a <see cref="FormatException"/> naming it.</summary>
    public static PushEvent Parse(ReadOnlySpan<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new FormatException($"push payload: not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("push payload: the body is not a JSON object");
            }

            var repository = Required(root, "repository", JsonValueKind.Object, "");
            string? headId = null;
            DateTimeOffset? headTime = null;
            if (root.TryGetProperty("head_commit", out var head) && head.ValueKind == JsonValueKind.Object)
            {
                headId = String(head, "id", "head_commit.");
                if (head.TryGetProperty("timestamp", out var stamp) && stamp.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(stamp.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var parsed))
                {
                    headTime = parsed;
                }
            }

            string pusher = root.TryGetProperty("pusher", out var pusherElement) && pusherElement.ValueKind == JsonValueKind.Object && pusherElement.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String
                ? name.GetString()!
                : "";
            return new PushEvent(
                String(repository, "full_name", "repository."),
                repository.TryGetProperty("default_branch", out var branch) && branch.ValueKind == JsonValueKind.String ? branch.GetString()! : "main",
                String(root, "ref", ""),
                String(root, "before", ""),
                String(root, "after", ""),
                Boolean(root, "forced"),
                Boolean(root, "deleted"),
                pusher,
                headId,
                headTime);
        }
    }

    private static JsonElement Required(JsonElement parent, string field, JsonValueKind kind, string path)
    {
        if (!parent.TryGetProperty(field, out var value))
        {
            throw new FormatException($"push payload: field '{path}{field}' is missing");
        }

        return value.ValueKind == kind ? value : throw new FormatException($"push payload: field '{path}{field}' should be {kind}, found {value.ValueKind}");
    }

    private static string String(JsonElement parent, string field, string path) => Required(parent, field, JsonValueKind.String, path).GetString()!;

    private static bool Boolean(JsonElement parent, string field) =>
        parent.TryGetProperty(field, out var value) && value.ValueKind is JsonValueKind.True;
}

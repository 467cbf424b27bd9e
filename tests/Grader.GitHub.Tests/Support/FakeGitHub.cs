using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Octokit;

namespace Grader.GitHub.Tests.Support;

/// <summary>A repository held by <see cref="FakeGitHub"/>.</summary>
internal sealed class FakeRepository(long id, string owner, string name)
{
    public long Id { get; } = id;
    public string Owner { get; } = owner;
    public string Name { get; } = name;
    public string FullName => $"{Owner}/{Name}";
    public string DefaultBranch { get; set; } = "main";
    public bool Private { get; set; } = true;
    public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, string>> FilesAtCommit { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Collaborators { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<JsonObject> Statuses { get; } = [];
    public List<(int Number, string Title, bool IsPull, string? Head, string? Base)> Issues { get; } = [];
    public List<(long Id, int Issue, string Body)> Comments { get; } = [];
}

/// <summary>What <see cref="FakeGitHub"/> does to a request instead of answering it normally.</summary>
internal enum Fault
{
    /// <summary>403 "API rate limit exceeded" with <c>X-RateLimit-Remaining: 0</c> and <c>X-RateLimit-Reset</c>.</summary>
    PrimaryRateLimit,

    /// <summary>403 "secondary rate limit" with <c>Retry-After</c> (<see cref="FakeGitHub.SecondaryRetryAfterSeconds"/>).</summary>
    SecondaryRateLimit,

    /// <summary>429 with <c>Retry-After</c> (<see cref="FakeGitHub.TooManyRequestsRetryAfterSeconds"/>; Octokit raises a plain <see cref="ApiException"/>).</summary>
    TooManyRequests,

    /// <summary>The request is carried out (a comment is stored), then the socket is closed halfway through the answer.</summary>
    DropConnection,
}

/// <summary>
/// Just enough of GitHub's REST API, on 127.0.0.1, for Octokit: paginated org repositories with <c>Link</c> headers,
/// repositories, branches, refs, template generation, collaborators, statuses, issues, pull requests, comments and
/// archives (a 302 to a codeload-like path that serves a real .tar.gz or .zip), with rate-limit headers and
/// injectable primary and secondary limit refusals. Octokit puts <c>api/v3/</c> in front of every path for a host
/// that is not github.com; the server drops it.
/// </summary>
internal sealed partial class FakeGitHub : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Task loop;
    private readonly Lock gate = new();
    private long nextId = 1000;

    // Set while serving a request under Fault.DropConnection (the serving loop handles one request at a time).
    private bool truncateResponse;

    public FakeGitHub()
    {
        Port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");
    public Dictionary<string, FakeRepository> Repositories { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> Requests { get; } = [];
    public int PageSize { get; set; } = 30;

    /// <summary>
    /// Faults to serve, in order: the first one applies to the next request whose path contains its text, and is used up.
    /// Enqueue them before the calls start (the server thread reads the queue).
    /// </summary>
    public Queue<(string PathContains, Fault Fault)> Faults { get; } = new();

    /// <summary>How many of <see cref="Faults"/> have not been served yet.</summary>
    public int PendingFaults
    {
        get
        {
            lock (gate)
            {
                return Faults.Count;
            }
        }
    }

    public int SecondaryRetryAfterSeconds { get; set; } = 7;

    public int TooManyRequestsRetryAfterSeconds { get; set; } = 3;

    /// <summary>Reads the server's state while it may be serving (the tests' thread and the server's differ).</summary>
    public T Locked<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (gate)
        {
            return read();
        }
    }

    /// <summary>Changes the server's state while it may be serving.</summary>
    public void Locked(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (gate)
        {
            change();
        }
    }

    /// <summary>Reset time sent in <c>X-RateLimit-Reset</c>.</summary>
    public DateTimeOffset RateLimitReset { get; set; } = DateTimeOffset.FromUnixTimeSeconds(2_000_000_000);

    public GitHubClient Client() => new(new ProductHeaderValue("grader-tests"), BaseAddress) { Credentials = new Credentials("test-token") };

    public FakeRepository AddRepository(string owner, string name, string? sha = null, Dictionary<string, string>? files = null)
    {
        var repository = new FakeRepository(Interlocked.Increment(ref nextId), owner, name);
        if (sha is not null)
        {
            repository.Branches["main"] = sha;
            repository.FilesAtCommit[sha] = files ?? new() { ["README.md"] = $"# {name}\n" };
        }

        Repositories[repository.FullName] = repository;
        return repository;
    }

    public int Count(string method, string pathContains)
    {
        lock (gate)
        {
            return Requests.Count(r => r.StartsWith(method + " ", StringComparison.Ordinal) && r.Contains(pathContains, StringComparison.Ordinal));
        }
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener's disposal exception.
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                Handle(context);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Send(context.Response, 500, new JsonObject { ["message"] = e.ToString() });
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        string path = request.Url!.AbsolutePath;
        if (path.StartsWith("/api/v3/", StringComparison.Ordinal))
        {
            path = path["/api/v3".Length..];
        }

        string method = request.HttpMethod;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = reader.ReadToEnd();
        }

        lock (gate)
        {
            Requests.Add($"{method} {path}");
            response.Headers["X-RateLimit-Limit"] = "5000";
            response.Headers["X-RateLimit-Reset"] = RateLimitReset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            truncateResponse = false;
            if (Faults.Count > 0 && path.Contains(Faults.Peek().PathContains, StringComparison.Ordinal))
            {
                var (_, fault) = Faults.Dequeue();
                if (fault == Fault.DropConnection)
                {
                    truncateResponse = true;
                }
                else
                {
                    Refuse(response, fault);
                    return;
                }
            }

            response.Headers["X-RateLimit-Remaining"] = "4999";
            Route(method, path, request, response, body);
        }
    }

    private void Refuse(HttpListenerResponse response, Fault fault)
    {
        response.Headers["X-RateLimit-Remaining"] = fault == Fault.PrimaryRateLimit ? "0" : "4000";
        switch (fault)
        {
            case Fault.PrimaryRateLimit:
                Send(response, 403, new JsonObject
                {
                    ["message"] = "API rate limit exceeded for user ID 1.",
                    ["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                });
                break;
            case Fault.SecondaryRateLimit:
                response.Headers["Retry-After"] = SecondaryRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                Send(response, 403, new JsonObject
                {
                    ["message"] = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                    ["documentation_url"] = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                });
                break;
            case Fault.TooManyRequests:
                response.Headers["Retry-After"] = TooManyRequestsRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                Send(response, 429, new JsonObject { ["message"] = "Too Many Requests" });
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(fault), fault, "not a refusal");
        }
    }

    private void Route(string method, string path, HttpListenerRequest request, HttpListenerResponse response, string body)
    {
        Match m;
        if (method == "GET" && (m = OrgRepos().Match(path)).Success)
        {
            string org = m.Groups[1].Value;
            int perPage = int.TryParse(request.QueryString["per_page"], CultureInfo.InvariantCulture, out int p) ? Math.Min(p, PageSize) : PageSize;
            int page = int.TryParse(request.QueryString["page"], CultureInfo.InvariantCulture, out int n) ? n : 1;
            var all = Repositories.Values.Where(r => r.Owner.Equals(org, StringComparison.OrdinalIgnoreCase)).OrderBy(r => r.Id).ToList();
            int pages = Math.Max(1, (all.Count + perPage - 1) / perPage);
            if (page < pages)
            {
                string next = $"http://127.0.0.1:{Port}/api/v3/orgs/{org}/repos?per_page={perPage}&page={page + 1}";
                string last = $"http://127.0.0.1:{Port}/api/v3/orgs/{org}/repos?per_page={perPage}&page={pages}";
                response.Headers["Link"] = $"<{next}>; rel=\"next\", <{last}>; rel=\"last\"";
            }

            Send(response, 200, new JsonArray([.. all.Skip((page - 1) * perPage).Take(perPage).Select(RepositoryJson)]));
        }
        else if ((m = RepoPath().Match(path)).Success)
        {
            string fullName = $"{m.Groups["owner"].Value}/{m.Groups["repo"].Value}";
            string rest = m.Groups["rest"].Value;
            if (method == "POST" && rest == "/generate")
            {
                Generate(fullName, JsonNode.Parse(body)!.AsObject(), response);
                return;
            }

            if (!Repositories.TryGetValue(fullName, out var repository))
            {
                Send(response, 404, new JsonObject { ["message"] = "Not Found", ["documentation_url"] = "https://docs.github.com/rest" });
                return;
            }

            RouteRepository(method, rest, repository, request, response, body);
        }
        else if (method == "GET" && (m = Codeload().Match(path)).Success)
        {
            var repository = Repositories[$"{m.Groups["owner"].Value}/{m.Groups["repo"].Value}"];
            string sha = m.Groups["sha"].Value;
            byte[] archive = m.Groups["kind"].Value == "tar.gz" ? Tarball(repository, sha) : Zipball(repository, sha);
            response.ContentType = m.Groups["kind"].Value == "tar.gz" ? "application/x-gzip" : "application/zip";
            response.StatusCode = 200;
            Finish(response, archive);
        }
        else
        {
            Send(response, 404, new JsonObject { ["message"] = $"fake GitHub has no route for {method} {path}" });
        }
    }

    private void RouteRepository(string method, string rest, FakeRepository repository, HttpListenerRequest request, HttpListenerResponse response, string body)
    {
        Match m;
        var json = body.Length > 0 ? JsonNode.Parse(body)?.AsObject() : null;
        if (method == "GET" && rest.Length == 0)
        {
            Send(response, 200, RepositoryJson(repository));
        }
        else if (method == "GET" && (m = Branch().Match(rest)).Success)
        {
            if (!repository.Branches.TryGetValue(m.Groups[1].Value, out var sha))
            {
                Send(response, 404, new JsonObject { ["message"] = "Branch not found" });
                return;
            }

            Send(response, 200, new JsonObject { ["name"] = m.Groups[1].Value, ["commit"] = new JsonObject { ["sha"] = sha, ["url"] = "" } });
        }
        else if (method == "GET" && (m = GitRef().Match(rest)).Success)
        {
            if (!repository.Branches.TryGetValue(m.Groups[1].Value, out var sha))
            {
                Send(response, 404, new JsonObject { ["message"] = "Not Found" });
                return;
            }

            Send(response, 200, RefJson(m.Groups[1].Value, sha));
        }
        else if (method == "POST" && rest == "/git/refs")
        {
            string name = json!["ref"]!.GetValue<string>()["refs/heads/".Length..];
            repository.Branches[name] = json["sha"]!.GetValue<string>();
            Send(response, 201, RefJson(name, repository.Branches[name]));
        }
        else if (method == "PUT" && (m = Collaborator().Match(rest)).Success)
        {
            bool existed = repository.Collaborators.ContainsKey(m.Groups[1].Value);
            repository.Collaborators[m.Groups[1].Value] = json?["permission"]?.GetValue<string>() ?? "push";
            if (existed)
            {
                response.StatusCode = 204;
                Finish(response, []);
                return;
            }

            Send(response, 201, new JsonObject { ["id"] = Interlocked.Increment(ref nextId), ["permissions"] = repository.Collaborators[m.Groups[1].Value] });
        }
        else if (method == "POST" && rest.StartsWith("/statuses/", StringComparison.Ordinal))
        {
            json!["sha"] = rest["/statuses/".Length..];
            json["id"] = Interlocked.Increment(ref nextId);
            repository.Statuses.Add(json);
            Send(response, 201, json.DeepClone());
        }
        else if (method == "GET" && (m = IssueComments().Match(rest)).Success)
        {
            int number = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            Send(response, 200, new JsonArray([.. repository.Comments.Where(c => c.Issue == number).Select(c => CommentJson(c.Id, c.Body))]));
        }
        else if (method == "POST" && (m = IssueComments().Match(rest)).Success)
        {
            long id = Interlocked.Increment(ref nextId);
            string text = json!["body"]!.GetValue<string>();
            repository.Comments.Add((id, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), text));
            Send(response, 201, CommentJson(id, text));
        }
        else if (method == "PATCH" && (m = Comment().Match(rest)).Success)
        {
            long id = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            int index = repository.Comments.FindIndex(c => c.Id == id);
            repository.Comments[index] = (id, repository.Comments[index].Issue, json!["body"]!.GetValue<string>());
            Send(response, 200, CommentJson(id, repository.Comments[index].Body));
        }
        else if (method == "GET" && rest == "/pulls")
        {
            string? baseRef = request.QueryString["base"];
            Send(response, 200, new JsonArray([.. repository.Issues.Where(i => i.IsPull && (baseRef is null || i.Base == baseRef)).Select(i => IssueJson(i, repository))]));
        }
        else if (method == "POST" && rest == "/pulls")
        {
            string head = json!["head"]!.GetValue<string>();
            string baseRef = json["base"]!.GetValue<string>();
            if (repository.Branches.GetValueOrDefault(head) == repository.Branches.GetValueOrDefault(baseRef))
            {
                Send(response, 422, new JsonObject
                {
                    ["message"] = "Validation Failed",
                    ["errors"] = new JsonArray(new JsonObject { ["resource"] = "PullRequest", ["code"] = "custom", ["message"] = $"No commits between {baseRef} and {head}" }),
                });
                return;
            }

            var pull = (repository.Issues.Count + 1, json["title"]!.GetValue<string>(), true, (string?)head, (string?)baseRef);
            repository.Issues.Add(pull);
            Send(response, 201, IssueJson(pull, repository));
        }
        else if (method == "GET" && rest == "/issues")
        {
            Send(response, 200, new JsonArray([.. repository.Issues.Select(i => IssueJson(i, repository))]));
        }
        else if (method == "POST" && rest == "/issues")
        {
            var issue = (repository.Issues.Count + 1, json!["title"]!.GetValue<string>(), false, (string?)null, (string?)null);
            repository.Issues.Add(issue);
            Send(response, 201, IssueJson(issue, repository));
        }
        else if (method == "GET" && (m = Archive().Match(rest)).Success)
        {
            string sha = repository.Branches.GetValueOrDefault(m.Groups[2].Value) ?? m.Groups[2].Value;
            if (!repository.FilesAtCommit.ContainsKey(sha))
            {
                Send(response, 404, new JsonObject { ["message"] = "Not Found" });
                return;
            }

            // GitHub answers with a redirect to codeload; Octokit has to follow it.
            response.StatusCode = 302;
            response.RedirectLocation = $"http://127.0.0.1:{Port}/_codeload/{repository.FullName}/{(m.Groups[1].Value == "tarball" ? "tar.gz" : "zip")}/{sha}";
            Finish(response, []);
        }
        else
        {
            Send(response, 404, new JsonObject { ["message"] = $"fake GitHub has no route for {method} {repository.FullName}{rest}" });
        }
    }

    private void Generate(string template, JsonObject request, HttpListenerResponse response)
    {
        if (!Repositories.TryGetValue(template, out var source))
        {
            Send(response, 404, new JsonObject { ["message"] = "Not Found" });
            return;
        }

        string owner = request["owner"]!.GetValue<string>();
        string name = request["name"]!.GetValue<string>();
        if (Repositories.ContainsKey($"{owner}/{name}"))
        {
            Send(response, 422, new JsonObject { ["message"] = "Validation Failed", ["errors"] = new JsonArray(new JsonObject { ["resource"] = "Repository", ["code"] = "custom", ["message"] = "name already exists on this account" }) });
            return;
        }

        // A generated repository starts with one new commit holding the template's files.
        string templateSha = source.Branches[source.DefaultBranch];
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes($"{owner}/{name}")));
        var created = AddRepository(owner, name, sha, new Dictionary<string, string>(source.FilesAtCommit[templateSha]));
        created.Private = request["private"]?.GetValue<bool>() ?? false;
        Send(response, 201, RepositoryJson(created));
    }

    // Like GitHub's (the commit's time), an archive's bytes depend only on the commit: equal archives share cached reports.
    private static readonly DateTimeOffset ArchiveTime = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static byte[] Tarball(FakeRepository repository, string sha)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
        {
            string top = $"{repository.Owner}-{repository.Name}-{sha[..7]}/";
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, top) { ModificationTime = ArchiveTime });
            foreach (var (file, text) in repository.FilesAtCommit[sha].OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, top + file) { ModificationTime = ArchiveTime, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }

        return buffer.ToArray();
    }

    private static byte[] Zipball(FakeRepository repository, string sha)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (file, text) in repository.FilesAtCommit[sha].OrderBy(f => f.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry($"{repository.Owner}-{repository.Name}-{sha[..7]}/{file}");
                entry.LastWriteTime = ArchiveTime;
                using var writer = new StreamWriter(entry.Open());
                writer.Write(text);
            }
        }

        return buffer.ToArray();
    }

    private JsonObject RepositoryJson(FakeRepository r) => new()
    {
        ["id"] = r.Id,
        ["name"] = r.Name,
        ["full_name"] = r.FullName,
        ["private"] = r.Private,
        ["default_branch"] = r.DefaultBranch,
        ["owner"] = new JsonObject { ["login"] = r.Owner, ["id"] = 1, ["type"] = "Organization" },
        ["html_url"] = $"http://127.0.0.1:{Port}/{r.FullName}",
    };

    private static JsonObject RefJson(string branch, string sha) => new()
    {
        ["ref"] = $"refs/heads/{branch}",
        ["object"] = new JsonObject { ["sha"] = sha, ["type"] = "commit" },
    };

    private static JsonObject CommentJson(long id, string body) => new() { ["id"] = id, ["body"] = body };

    private static JsonObject IssueJson((int Number, string Title, bool IsPull, string? Head, string? Base) issue, FakeRepository repository)
    {
        var json = new JsonObject { ["number"] = issue.Number, ["title"] = issue.Title, ["state"] = "open" };
        if (issue.IsPull)
        {
            json["head"] = new JsonObject { ["ref"] = issue.Head, ["sha"] = repository.Branches.GetValueOrDefault(issue.Head!) };
            json["base"] = new JsonObject { ["ref"] = issue.Base, ["sha"] = repository.Branches.GetValueOrDefault(issue.Base!) };
            json["pull_request"] = new JsonObject { ["url"] = "" };
        }

        return json;
    }

    private void Send(HttpListenerResponse response, int status, JsonNode json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        Finish(response, bytes);
    }

    /// <summary>Sends the body; under <see cref="Fault.DropConnection"/> only its first half, then the socket is closed.</summary>
    private void Finish(HttpListenerResponse response, byte[] body)
    {
        response.ContentLength64 = body.Length;
        if (truncateResponse)
        {
            truncateResponse = false;
            if (body.Length > 1)
            {
                response.OutputStream.Write(body, 0, body.Length / 2);
                response.OutputStream.Flush();
            }

            response.Abort();
            return;
        }

        response.OutputStream.Write(body);
        response.Close();
    }

    [GeneratedRegex("^/orgs/([^/]+)/repos$")]
    private static partial Regex OrgRepos();

    [GeneratedRegex("^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)(?<rest>/.*)?$")]
    private static partial Regex RepoPath();

    [GeneratedRegex("^/_codeload/(?<owner>[^/]+)/(?<repo>[^/]+)/(?<kind>tar\\.gz|zip)/(?<sha>[0-9a-f]+)$")]
    private static partial Regex Codeload();

    [GeneratedRegex("^/branches/([^/]+)$")]
    private static partial Regex Branch();

    [GeneratedRegex("^/git/refs?/heads/([^/]+)$")]
    private static partial Regex GitRef();

    [GeneratedRegex("^/collaborators/([^/]+)$")]
    private static partial Regex Collaborator();

    [GeneratedRegex("^/issues/([0-9]+)/comments$")]
    private static partial Regex IssueComments();

    [GeneratedRegex("^/issues/comments/([0-9]+)$")]
    private static partial Regex Comment();

    [GeneratedRegex("^/(tarball|zipball)/(.+)$")]
    private static partial Regex Archive();
}

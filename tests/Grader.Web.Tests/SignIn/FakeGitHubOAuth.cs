using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Web;

namespace Grader.Web.Tests.SignIn;

/// <summary>A GitHub user as the fake hands it out.</summary>
public sealed record FakeGitHubUser(string Login, long Id, string Name);

/// <summary>
/// GitHub's OAuth web flow on 127.0.0.1, just enough for ASP.NET Core's OAuth handler: <c>/login/oauth/authorize</c>
/// redirects straight back with a code (as if the user had approved), <c>/login/oauth/access_token</c> swaps the code
/// for a token when the client id and secret are right, <c>/user</c> answers for a token. Codes and tokens are single
/// users; <see cref="NextUser"/> says who approves the next authorization.
/// </summary>
public sealed class FakeGitHubOAuth : IAsyncDisposable
{
    public const string ClientId = "grader-test-client";
    public const string ClientSecret = "grader-test-secret";

    private readonly HttpListener listener = new();
    private readonly ConcurrentDictionary<string, FakeGitHubUser> codes = new();
    private readonly ConcurrentDictionary<string, FakeGitHubUser> tokens = new();
    private readonly Task serving;

    public FakeGitHubOAuth()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        listener.Prefixes.Add(BaseAddress.ToString());
        listener.Start();
        serving = Task.Run(ServeAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Who approves the next authorization request.</summary>
    public FakeGitHubUser? NextUser { get; set; }

    /// <summary>How many codes were exchanged with the right secret.</summary>
    public int TokensIssued => tokens.Count;

    /// <summary>The app's configuration pointing at this fake, as environment variables.</summary>
    public Dictionary<string, string> Settings(IReadOnlyList<string> instructorLogins, IReadOnlyList<string> taLogins)
    {
        var settings = new Dictionary<string, string>
        {
            ["Authentication__GitHub__ClientId"] = ClientId,
            ["Authentication__GitHub__ClientSecret"] = ClientSecret,
            ["Authentication__GitHub__AuthorizationEndpoint"] = new Uri(BaseAddress, "login/oauth/authorize").ToString(),
            ["Authentication__GitHub__TokenEndpoint"] = new Uri(BaseAddress, "login/oauth/access_token").ToString(),
            ["Authentication__GitHub__UserInformationEndpoint"] = new Uri(BaseAddress, "user").ToString(),
        };
        for (int i = 0; i < instructorLogins.Count; i++)
        {
            settings[string.Create(CultureInfo.InvariantCulture, $"Authentication__GitHub__InstructorLogins__{i}")] = instructorLogins[i];
        }

        for (int i = 0; i < taLogins.Count; i++)
        {
            settings[string.Create(CultureInfo.InvariantCulture, $"Authentication__GitHub__TaLogins__{i}")] = taLogins[i];
        }

        return settings;
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }

            try
            {
                await HandleAsync(context);
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        switch (request.HttpMethod, request.Url!.AbsolutePath)
        {
            case ("GET", "/login/oauth/authorize"):
            {
                var query = HttpUtility.ParseQueryString(request.Url.Query);
                if (query["client_id"] != ClientId || NextUser is not { } user || query["redirect_uri"] is not { } redirect)
                {
                    response.StatusCode = 400;
                    return;
                }

                string code = Guid.NewGuid().ToString("N");
                codes[code] = user;
                response.StatusCode = 302;
                response.RedirectLocation = $"{redirect}?code={code}&state={Uri.EscapeDataString(query["state"] ?? "")}";
                return;
            }

            case ("POST", "/login/oauth/access_token"):
            {
                using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
                var form = HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
                // The handler may send the client credentials in the form or as HTTP basic authentication.
                string? basic = request.Headers["Authorization"];
                bool credentialsRight = (form["client_id"] == ClientId && form["client_secret"] == ClientSecret)
                    || basic == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
                if (!credentialsRight || form["code"] is not { } code || !codes.TryRemove(code, out var user))
                {
                    await WriteJsonAsync(response, 401, new { error = "bad_verification_code" });
                    return;
                }

                string token = $"gho_{Guid.NewGuid():N}";
                tokens[token] = user;
                await WriteJsonAsync(response, 200, new { access_token = token, token_type = "bearer", scope = "read:user" });
                return;
            }

            case ("GET", "/user"):
            {
                string? authorization = request.Headers["Authorization"];
                if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !tokens.TryGetValue(authorization["Bearer ".Length..], out var user))
                {
                    await WriteJsonAsync(response, 401, new { message = "Requires authentication" });
                    return;
                }

                await WriteJsonAsync(response, 200, new { login = user.Login, id = user.Id, name = user.Name });
                return;
            }

            default:
                response.StatusCode = 404;
                return;
        }
    }

    private static async Task WriteJsonAsync(HttpListenerResponse response, int status, object body)
    {
        response.StatusCode = status;
        response.ContentType = "application/json";
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        await response.OutputStream.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        listener.Close();
        await serving;
    }
}

using System.Net;
using System.Text;
using System.Text.Json;
using Grader.Web.Extensions;

namespace Grader.Web.Tests.Hardening;

/// <summary>Every kind of response carries the security headers; only GET, POST and HEAD are served; OpenAPI names the configured server.</summary>
public sealed class ResponseHeaderTests
{
    private static void AssertSecurityHeaders(HttpResponseMessage response, string what)
    {
        string Header(string name) =>
            response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : "";

        Assert.Multiple(() =>
        {
            Assert.That(Header("Content-Security-Policy"), Is.EqualTo(WebHardening.ContentSecurityPolicy), what);
            Assert.That(Header("Content-Security-Policy"), Does.Contain("script-src 'self';").And.Contain("frame-ancestors 'none'").And.Contain("img-src 'self' data:")
                .And.Not.Contain("unsafe-inline"), what);
            Assert.That(Header("X-Content-Type-Options"), Is.EqualTo("nosniff"), what);
            Assert.That(Header("X-Frame-Options"), Is.EqualTo("DENY"), what);
            Assert.That(Header("Referrer-Policy"), Is.EqualTo("same-origin"), what);
        });
    }

    [TestCase("GET", "/Account/Login", HttpStatusCode.OK, TestName = "a page")]
    [TestCase("GET", "/site.css", HttpStatusCode.OK, TestName = "a static file")]
    [TestCase("GET", "/no/such/page", HttpStatusCode.NotFound, TestName = "a 404")]
    [TestCase("GET", "/api/submissions", HttpStatusCode.Unauthorized, TestName = "the API refusing a stranger")]
    [TestCase("GET", "/Error", HttpStatusCode.OK, TestName = "the error page")]
    [TestCase("POST", "/Account/Login", HttpStatusCode.BadRequest, TestName = "a form without its antiforgery token")]
    [TestCase("POST", "/github/webhook", HttpStatusCode.Unauthorized, TestName = "an unsigned webhook")]
    [TestCase("GET", "/healthz", HttpStatusCode.OK, TestName = "the liveness probe")]
    [TestCase("GET", "/metrics", HttpStatusCode.OK, TestName = "the metrics")]
    [TestCase("TRACE", "/Submissions/1", HttpStatusCode.MethodNotAllowed, TestName = "TRACE")]
    public async Task EveryKindOfResponseCarriesTheSecurityHeaders(string method, string path, HttpStatusCode status)
    {
        using var client = await HardeningFixture.App.ClientAsync(null);
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (method == "POST")
        {
            request.Content = new StringContent("UserName=x&Password=y", Encoding.UTF8, "application/x-www-form-urlencoded");
        }

        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(status), $"{method} {path}");
        AssertSecurityHeaders(response, $"{method} {path}");
    }

    [Test]
    public async Task TheSignedInApiAnswersJsonWithTheHeaders()
    {
        using var client = await HardeningFixture.App.ClientAsync("dm0001");
        using var response = await client.GetAsync("/api/submissions");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        AssertSecurityHeaders(response, "GET /api/submissions");
    }

    [TestCase("TRACE", "/Submissions/1")]
    [TestCase("PUT", "/api/submissions")]
    [TestCase("DELETE", "/Student")]
    [TestCase("OPTIONS", "/")]
    [TestCase("PATCH", "/Account/Login")]
    public async Task MethodsOtherThanGetPostAndHeadAnswer405(string method, string path)
    {
        using var client = await HardeningFixture.App.ClientAsync("instructor");
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MethodNotAllowed), $"{method} {path}");
        Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "GET", "HEAD", "POST" }));
    }

    [Test]
    public async Task HeadIsServed()
    {
        using var client = await HardeningFixture.App.ClientAsync(null);
        using var request = new HttpRequestMessage(HttpMethod.Head, "Account/Login");
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task TheOpenApiDocumentNamesTheConfiguredServerNeverTheRequestsHost()
    {
        using var client = await HardeningFixture.App.ClientAsync("dm0001");
        using var request = new HttpRequestMessage(HttpMethod.Get, GraderApi.OpenApiDocumentPath.TrimStart('/'));
        request.Headers.Host = "attacker.example:4443";
        using var response = await client.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        string text = await response.Content.ReadAsStringAsync();
        Assert.That(text, Does.Not.Contain("attacker.example"));
        using var document = JsonDocument.Parse(text);
        var servers = document.RootElement.GetProperty("servers").EnumerateArray().Select(s => s.GetProperty("url").GetString()).ToList();
        Assert.That(servers, Is.EqualTo(new[] { HardeningFixture.PublicBaseUrl }));
    }
}

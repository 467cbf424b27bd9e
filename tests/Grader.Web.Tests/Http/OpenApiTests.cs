using System.Net;
using System.Text.Json;

namespace Grader.Web.Tests.Http;

/// <summary>The OpenAPI document describes every route of the JSON API, with its typed responses.</summary>
public sealed class OpenApiTests
{
    [Test]
    public async Task TheDocumentListsEveryApiPathWithItsResponses()
    {
        using var client = await AppFixture.App.ClientAsync("dm0001");
        using var response = await client.GetAsync(Extensions.GraderApi.OpenApiDocumentPath);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var paths = document.RootElement.GetProperty("paths");

        var expected = new Dictionary<string, string[]>
        {
            ["/api/submissions/{id}/report"] = ["200", "404", "401"],
            ["/api/submissions"] = ["200", "401"],
            ["/api/gradebook.csv"] = ["200", "401", "403"],
        };
        Assert.Multiple(() =>
        {
            foreach (var (path, statuses) in expected)
            {
                Assert.That(paths.TryGetProperty(path, out var item), Is.True, $"{path} missing from the document");
                if (!item.TryGetProperty("get", out var get))
                {
                    Assert.Fail($"{path} has no GET operation");
                    continue;
                }

                var responses = get.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
                Assert.That(responses, Is.SupersetOf(statuses), path);
            }
        });

        // The submission list is typed: its 200 response refers to a schema with the summary's fields.
        string listSchema = paths.GetProperty("/api/submissions").GetProperty("get").GetProperty("responses").GetProperty("200").GetRawText();
        Assert.That(listSchema, Does.Contain("SubmissionSummary"));
        var summary = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("SubmissionSummary").GetProperty("properties");
        Assert.That(summary.EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "id", "assignmentId", "submitterId", "contentHash", "originalFileName", "receivedAtUtc" }));
        Assert.That(paths.GetProperty("/api/submissions/{id}/report").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("application/json", out _), Is.True);
        Assert.That(paths.GetProperty("/api/gradebook.csv").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/csv", out _), Is.True);
    }

    [Test]
    public async Task AStrangerGets401NotTheDocument()
    {
        using var client = await AppFixture.App.ClientAsync(null);
        using var response = await client.GetAsync(Extensions.GraderApi.OpenApiDocumentPath);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}

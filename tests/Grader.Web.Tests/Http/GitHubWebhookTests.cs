using System.Net;
using System.Text;
using Grader.GitHub;
using Grader.Data.GitHub;
using Grader.Data.Course;
using Grader.Web.GitHub;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Http;

public sealed class GitHubWebhookTests
{
    private static string Secret => File.ReadAllText(Path.Combine(AppFixture.App.DataFolder, "github", "webhook-secret")).Trim();

    private static string Payload(string repository, string after, bool forced) => $$$"""
        {"ref":"refs/heads/main","before":"1111111111111111111111111111111111111111","after":"{{{after}}}","forced":{{{(forced ? "true" : "false")}}},"deleted":false,
         "head_commit":{"id":"{{{after}}}","timestamp":"2020-01-01T00:00:00Z"},
         "repository":{"name":"{{{repository}}}","full_name":"dlm-course/{{{repository}}}","default_branch":"main"},
         "pusher":{"name":"dlm-demo-student-01","email":"ada@example.edu"}}
        """;

    private static async Task<HttpResponseMessage> DeliverAsync(string body, string deliveryId, string eventName = "push", string? signature = null)
    {
        using var http = new HttpClient { BaseAddress = AppFixture.App.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "github/webhook") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-GitHub-Delivery", deliveryId);
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add(WebhookSignature.HeaderName, signature ?? WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(body)));
        return await http.SendAsync(request);
    }

    [Test]
    public async Task SignedPushIsStoredOnceWithGradersReceiptTime()
    {
        string repository = $"hw1-mlp-{Guid.NewGuid():N}";
        string delivery = Guid.NewGuid().ToString();
        string body = Payload(repository, "2222222222222222222222222222222222222222", forced: true);

        using var first = await DeliverAsync(body, delivery);
        using var again = await DeliverAsync(body, delivery);
        Assert.That(first.StatusCode, Is.EqualTo(HttpStatusCode.OK), await first.Content.ReadAsStringAsync());
        Assert.That(await first.Content.ReadAsStringAsync(), Does.Contain("recorded force-push"));
        Assert.That(await again.Content.ReadAsStringAsync(), Does.Contain("duplicate"));

        await using var db = AppFixture.App.Database();
        var stored = await db.Set<RepositoryEvidence>().Where(e => e.RepositoryFullName == $"dlm-course/{repository}").ToListAsync();
        Assert.That(stored, Has.Count.EqualTo(1));
        Assert.Multiple(() =>
        {
            Assert.That(stored[0].Sha, Is.EqualTo("2222222222222222222222222222222222222222"));
            Assert.That(stored[0].Forced, Is.True);
            Assert.That(stored[0].Kind, Is.EqualTo(EvidenceKind.Push));
            Assert.That(stored[0].DeliveryId, Is.EqualTo(delivery));
            // The demo app's course clock starts at DemoNow: receipt is on the clock the deadlines are compared with.
            Assert.That(stored[0].ReceivedAtUtc, Is.InRange(CourseClock.DemoNow.ToDateTimeUtc(), CourseClock.DemoNow.ToDateTimeUtc().AddHours(1)), "receipt time, not the commit's claimed 2020 date");
            Assert.That(stored[0].ClaimedCommitTimeUtc, Is.EqualTo(new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        });
    }

    [Test]
    public async Task BadSignaturesAndMalformedDeliveriesAreRefusedAndNotStored()
    {
        string repository = $"hw1-mlp-{Guid.NewGuid():N}";
        string body = Payload(repository, "3333333333333333333333333333333333333333", forced: false);
        using var wrongSecret = await DeliverAsync(body, Guid.NewGuid().ToString(), signature: WebhookSignature.Compute("not the secret", Encoding.UTF8.GetBytes(body)));
        using var tampered = await DeliverAsync(body.Replace("3333", "4444", StringComparison.Ordinal), Guid.NewGuid().ToString(), signature: WebhookSignature.Compute(Secret, Encoding.UTF8.GetBytes(body)));
        using var broken = await DeliverAsync("{\"ref\":\"refs/heads/main\"}", Guid.NewGuid().ToString());
        using var ping = await DeliverAsync("{\"zen\":\"Keep it logically awesome.\"}", Guid.NewGuid().ToString(), eventName: "ping");
        Assert.Multiple(async () =>
        {
            Assert.That(wrongSecret.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(tampered.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
            Assert.That(broken.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(await broken.Content.ReadAsStringAsync(), Does.Contain("'repository'"));
            Assert.That(ping.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        });

        await using var db = AppFixture.App.Database();
        Assert.That(await db.Set<RepositoryEvidence>().CountAsync(e => e.RepositoryFullName == $"dlm-course/{repository}"), Is.Zero);
    }
}

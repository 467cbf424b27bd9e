using System.Net;
using System.Text.RegularExpressions;
using Grader.Data;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Tests.Hardening;

/// <summary>The one upload limit (1 MB in this app) in the form and in the answer to a larger upload; the metrics endpoint.</summary>
public sealed partial class UploadAndMetricsTests
{
    [Test]
    public async Task AnUploadOverTheLimitIsAnsweredWithTheLimitInWordsAndNothingIsStored()
    {
        using var student = await HardeningFixture.App.ClientAsync("dm0029");
        Assert.That(WebUtility.HtmlDecode(await student.GetStringAsync("/Student")), Does.Contain("at most 1 MB"), "the form says the limit");
        await using (var db = HardeningFixture.App.Database())
        {
            Assert.That(await db.Submissions.CountAsync(s => s.SubmitterId == "dm0029" && s.Source == SubmissionSource.Upload), Is.Zero);
        }

        // 1.5 MB that do not compress: over the file limit, within what the connection takes before the answer.
        byte[] zip = new byte[1536 * 1024];
        new Random(19).NextBytes(zip);
        using var response = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", "dm0029_hw1.zip", zip);
        string text = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(text, Does.Contain("The upload is larger than 1 MB, the limit for a file; nothing was stored."));
        await using (var db = HardeningFixture.App.Database())
        {
            Assert.That(await db.Submissions.CountAsync(s => s.SubmitterId == "dm0029" && s.Source == SubmissionSource.Upload), Is.Zero, "nothing was stored");
        }
    }

    [Test]
    public async Task MetricsShowTheQueueGradingDurationAndHttpRequests()
    {
        string metrics = await HardeningFixture.MetricsAsync();
        Assert.That(metrics, Does.Contain("grader_queue_depth{").And.Contain("assignment=\"hw1-mlp\""));
        Assert.That(metrics, Does.Contain("grader_queue_oldest_age_seconds"));
        Assert.That(metrics, Does.Contain("http_server_request_duration_seconds_bucket"));

        // A grading that ends after the app started shows in the duration histogram, by assignment and outcome.
        byte[] zip = Support.RunningApp.Hw1SolutionNotebookZip();

        using var student = await HardeningFixture.App.ClientAsync("dm0030");
        using (var upload = await student.PostMultipartAsync("/Student", "/Student?handler=Upload",
            new Dictionary<string, string> { ["AssignmentId"] = "hw1-mlp" }, "Upload", "dm0030_hw1.zip", zip))
        {
            Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await upload.Content.ReadAsStringAsync());
        }

        for (var deadline = DateTime.UtcNow.AddSeconds(120); DateTime.UtcNow < deadline && !GradingDuration().IsMatch(metrics); await Task.Delay(1000))
        {
            metrics = await HardeningFixture.MetricsAsync();
        }

        await using var db = HardeningFixture.App.Database();
        var run = await db.GradingRuns.Where(r => r.Submission!.SubmitterId == "dm0030" && r.Submission.Source == SubmissionSource.Upload).SingleAsync();
        Assert.That(GradingDuration().IsMatch(metrics), Is.True, $"run {run.Id} is {run.Status}:\n{metrics}");
        Assert.That(run.Status, Is.Not.EqualTo(GradingRunStatus.Queued).And.Not.EqualTo(GradingRunStatus.Running));
    }

    /// <summary>
    /// A correctly signed push padded past GitHub's 25 MB cap, sent chunked (no length to check first): refused with 413
    /// once 25 MB were read, and nothing recorded.
    /// </summary>
    [Test]
    public async Task AChunkedWebhookBodyOverTheCapIsRefusedWhileItIsRead()
    {
        string secret = (await File.ReadAllTextAsync(Path.Combine(HardeningFixture.App.DataFolder, "github", "webhook-secret"))).Trim();
        string repository = $"hw1-mlp-{Guid.NewGuid():N}";
        string push = $$$"""{"ref":"refs/heads/main","before":"1111111111111111111111111111111111111111","after":"2222222222222222222222222222222222222222","forced":false,"deleted":false,"repository":{"name":"{{{repository}}}","full_name":"dlm-course/{{{repository}}}","default_branch":"main"},"pusher":{"name":"someone","email":"a@example.edu"}}""";
        byte[] body = System.Text.Encoding.UTF8.GetBytes(push.PadRight((25 * 1024 * 1024) + (64 * 1024)));

        using var http = new HttpClient { BaseAddress = HardeningFixture.App.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "github/webhook") { Content = new StreamContent(new MemoryStream(body)) };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add(Grader.GitHub.WebhookSignature.HeaderName, Grader.GitHub.WebhookSignature.Compute(secret, body));
        using var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        await using var db = HardeningFixture.App.Database();
        Assert.That(await db.Set<Grader.Data.GitHub.RepositoryEvidence>().AnyAsync(e => e.RepositoryFullName == $"dlm-course/{repository}"), Is.False);
    }

    [GeneratedRegex("grader_grading_duration_seconds_count\\{[^}]*assignment=\"hw1-mlp\"[^}]*\\} [1-9]")]
    private static partial Regex GradingDuration();
}

using System.Text;

namespace Grader.GitHub.Tests;

public sealed class WebhookTests
{
    private const string Secret = "It's a Secret to Everybody";

    private static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", name));

    [Test]
    public void SignatureMatchesGitHubsDocumentedExample()
    {
        // The example in GitHub's "Validating webhook deliveries" page.
        string header = WebhookSignature.Compute(Secret, "Hello, World!"u8);
        Assert.That(header, Is.EqualTo("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"));
        Assert.That(WebhookSignature.IsValid(Secret, "Hello, World!"u8, header), Is.True);
    }

    [Test]
    public void TamperedBodyWrongSecretAndMalformedHeadersAreRejected()
    {
        var body = Fixture("push-main.json");
        string header = WebhookSignature.Compute(Secret, body);
        var tampered = (byte[])body.Clone();
        tampered[^3] ^= 1;
        Assert.Multiple(() =>
        {
            Assert.That(WebhookSignature.IsValid(Secret, body, header), Is.True);
            Assert.That(WebhookSignature.IsValid(Secret, tampered, header), Is.False);
            Assert.That(WebhookSignature.IsValid("another secret", body, header), Is.False);
            Assert.That(WebhookSignature.IsValid(Secret, body, null), Is.False);
            Assert.That(WebhookSignature.IsValid(Secret, body, header.Replace("sha256=", "sha1=", StringComparison.Ordinal)), Is.False);
            Assert.That(WebhookSignature.IsValid(Secret, body, header[..^2]), Is.False);
            Assert.That(WebhookSignature.IsValid(Secret, body, "sha256=" + new string('z', 64)), Is.False);
        });
    }

    [Test]
    public void PushPayloadGivesTheEvidenceFields()
    {
        var push = PushEvent.Parse(Fixture("push-main.json"));
        Assert.Multiple(() =>
        {
            Assert.That(push.RepositoryFullName, Is.EqualTo("dlm-course/hw1-mlp-dlm-demo-student-01"));
            Assert.That(push.Owner, Is.EqualTo("dlm-course"));
            Assert.That(push.RepositoryName, Is.EqualTo("hw1-mlp-dlm-demo-student-01"));
            Assert.That(push.After, Is.EqualTo("2222222222222222222222222222222222222222"));
            Assert.That(push.Forced, Is.False);
            Assert.That(push.IsToDefaultBranch, Is.True);
            Assert.That(push.Pusher, Is.EqualTo("dlm-demo-student-01"));
            Assert.That(push.HeadCommitTimestamp, Is.EqualTo(new DateTimeOffset(2023, 2, 1, 23, 58, 0, TimeSpan.FromHours(-5))));
        });
        Assert.That(PushEvent.Parse(Fixture("push-forced.json")).Forced, Is.True);
    }

    [Test]
    public void PayloadProblemsNameTheField()
    {
        Assert.That(() => PushEvent.Parse("{\"ref\":\"refs/heads/main\"}"u8), Throws.TypeOf<FormatException>().With.Message.Contains("'repository'"));
        Assert.That(() => PushEvent.Parse(Encoding.UTF8.GetBytes("{\"ref\":1,\"repository\":{\"full_name\":\"o/r\"}}")), Throws.TypeOf<FormatException>().With.Message.Contains("'ref'"));
        Assert.That(() => PushEvent.Parse("not json"u8), Throws.TypeOf<FormatException>().With.Message.Contains("not valid JSON"));
    }
}

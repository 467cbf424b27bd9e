using Grader.GitHub.Tests.Support;

namespace Grader.GitHub.Tests;

public sealed class DeadlineSnapshotTests
{
    private const string Org = "dlm-course";

    [Test]
    public async Task TheDeadlineSnapshotReadsEveryStudentsHeadAndTakesAwayWriteAccess()
    {
        using var server = new FakeGitHub();
        var client = server.Client();
        var now = DateTimeOffset.Parse("2023-02-17T05:00:30Z", System.Globalization.CultureInfo.InvariantCulture);
        var clock = new FixedTime(now);
        var github = new GitHubCourseClient(client, new RateLimitGate(client, clock, (_, _) => Task.CompletedTask));
        var alice = server.AddRepository(Org, "hw1-mlp-alice-gh", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        alice.Collaborators["alice-gh"] = "push";
        var bob = server.AddRepository(Org, "hw1-mlp-bob-gh-1", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
        bob.Collaborators["bob-gh"] = "push";
        server.AddRepository(Org, "hw2-cnn-alice-gh", "cccccccccccccccccccccccccccccccccccccccc");

        var round = await new DeadlineSnapshots(github, clock).TakeAsync(Org, "hw1-mlp",
            [new("ab1", "alice-gh", false), new("bc2", "bob-gh", false), new("cd3", "carol-gh", false)], removeWriteAccess: true, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(round.Snapshots.Select(s => (s.Match.Owner.SubmitterId, s.Sha)), Is.EqualTo(new[]
            {
                ("ab1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
                ("bc2", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
            }));
            Assert.That(round.Snapshots.Select(s => s.TakenAt), Is.All.EqualTo(now), "the evidence time is Grader's clock");
            Assert.That(round.Discovery.OwnersWithoutRepository.Single().SubmitterId, Is.EqualTo("cd3"));
            Assert.That(alice.Collaborators["alice-gh"], Is.EqualTo("pull"));
            Assert.That(bob.Collaborators["bob-gh"], Is.EqualTo("pull"));
            Assert.That(round.Problems, Is.Empty);
        });
    }
}

using Grader.Core.Configuration;
using NodaTime;

namespace Grader.GitHub;

/// <summary>A push as GitHub reported it to the webhook, stamped with the time Grader received it (server-side, trusted).</summary>
public sealed record PushEvidence(DateTimeOffset ReceivedAt, string Ref, string Before, string After, bool Forced, string Pusher, string DeliveryId);

/// <summary>The default branch's HEAD as read from the API by the deadline job.</summary>
/// <param name="AsOf">The deadline the snapshot was taken for.</param>
/// <param name="TakenAt">When the API was actually read (the job may run a little after <paramref name="AsOf"/>).</param>
public sealed record DeadlineSnapshot(string Sha, DateTimeOffset AsOf, DateTimeOffset TakenAt);

/// <summary>The times that decide which commit counts for one student.</summary>
/// <param name="StudentDeadline">Due date plus grace plus the student's extension.</param>
/// <param name="LateUntil">Late work received up to here is accepted (and marked late); null when the late policy gives no credit.</param>
public sealed record SubmissionWindow(DateTimeOffset StudentDeadline, DateTimeOffset? LateUntil)
{
    public static SubmissionWindow For(Course course, Assignment assignment, Duration extension)
    {
        ArgumentNullException.ThrowIfNull(course);
        ArgumentNullException.ThrowIfNull(assignment);
        var deadline = assignment.DueIn(course.TimeZone).ToInstant() + course.LatePolicy.GracePeriod + extension;
        DateTimeOffset? lateUntil = course.LatePolicy.Kind switch
        {
            LatePolicyKind.NoCredit => null,
            _ when course.LatePolicy.MaxDaysLate is { } days => (deadline + Duration.FromDays(days)).ToDateTimeOffset(),
            _ => DateTimeOffset.MaxValue,
        };
        return new SubmissionWindow(deadline.ToDateTimeOffset(), lateUntil);
    }
}

public enum CommitChoiceBasis
{
    /// <summary>Nothing arrived in time (and no accepted late push): nothing to grade.</summary>
    None,

    /// <summary>The deadline snapshot of the default branch.</summary>
    DeadlineSnapshot,

    /// <summary>The last push received before the student's own deadline.</summary>
    PushBeforeDeadline,

    /// <summary>A push after the student's deadline that the late policy still accepts.</summary>
    LatePush,
}

/// <param name="ForcedPushes">Every force-push to the default branch, whenever received: shown to TAs.</param>
public sealed record CommitChoice(string? Sha, CommitChoiceBasis Basis, DateTimeOffset? EvidenceAt, bool Late, IReadOnlyList<PushEvidence> ForcedPushes, string Explanation)
{
    /// <summary>
    /// Picks the commit that counts. Commit dates are written by the student's machine and are ignored: only when Grader
    /// received a push or read the branch counts. The latest evidence at or before the student's deadline wins, the
    /// snapshot winning a tie (it also covers pushes whose webhook was lost). A snapshot read after a push that arrived
    /// past its deadline is not trusted. Failing that, the latest push the late policy accepts.
    /// </summary>
    public static CommitChoice Choose(string defaultBranch, IEnumerable<PushEvidence> pushes, DeadlineSnapshot? snapshot, SubmissionWindow window)
    {
        ArgumentException.ThrowIfNullOrEmpty(defaultBranch);
        ArgumentNullException.ThrowIfNull(pushes);
        ArgumentNullException.ThrowIfNull(window);
        string branchRef = "refs/heads/" + defaultBranch;
        var onBranch = pushes.Where(p => p.Ref == branchRef).OrderBy(p => p.ReceivedAt).ToList();
        var forced = onBranch.Where(p => p.Forced).ToList();
        var live = onBranch.Where(p => p.After != PushEvent.ZeroSha).ToList();

        var snapshotTrusted = snapshot is not null && !onBranch.Any(p => p.ReceivedAt > snapshot.AsOf && p.ReceivedAt <= snapshot.TakenAt);
        var lastPush = live.LastOrDefault(p => p.ReceivedAt <= window.StudentDeadline);
        if (snapshotTrusted && snapshot!.AsOf <= window.StudentDeadline && (lastPush is null || lastPush.ReceivedAt <= snapshot.AsOf))
        {
            return new CommitChoice(snapshot.Sha, CommitChoiceBasis.DeadlineSnapshot, snapshot.AsOf, false, forced,
                $"{defaultBranch} at the deadline snapshot ({snapshot.AsOf:u}, read {snapshot.TakenAt:u})");
        }

        if (lastPush is not null)
        {
            return new CommitChoice(lastPush.After, CommitChoiceBasis.PushBeforeDeadline, lastPush.ReceivedAt, false, forced,
                $"last push to {defaultBranch} received before the deadline of {window.StudentDeadline:u} (received {lastPush.ReceivedAt:u}{(lastPush.Forced ? ", force-push" : "")})");
        }

        var latePush = window.LateUntil is { } until ? live.LastOrDefault(p => p.ReceivedAt > window.StudentDeadline && p.ReceivedAt <= until) : null;
        if (latePush is not null)
        {
            return new CommitChoice(latePush.After, CommitChoiceBasis.LatePush, latePush.ReceivedAt, true, forced,
                $"late: push to {defaultBranch} received {latePush.ReceivedAt:u}, after the deadline of {window.StudentDeadline:u}");
        }

        return new CommitChoice(null, CommitChoiceBasis.None, null, false, forced,
            live.Count == 0 ? $"no push to {defaultBranch} and no deadline snapshot" : $"nothing on {defaultBranch} before the deadline of {window.StudentDeadline:u} that the late policy accepts");
    }
}

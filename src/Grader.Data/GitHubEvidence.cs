using Microsoft.EntityFrameworkCore;

namespace Grader.Data.GitHub;

// Server-side evidence of what was in a student's repository when. Commit dates are written by the student's machine
// and prove nothing; the times below are Grader's own clock when a webhook arrived or the API was read.

/// <summary>One webhook delivery (<c>X-GitHub-Delivery</c>), kept so that a redelivery is recognised and ignored.</summary>
public sealed class GitHubDelivery
{
    public required string DeliveryId { get; set; }
    public required string Event { get; set; }
    public DateTime ReceivedAtUtc { get; set; }
}

public enum EvidenceKind
{
    /// <summary>A push webhook.</summary>
    Push,

    /// <summary>The deadline job read the default branch's HEAD.</summary>
    DeadlineSnapshot,
}

/// <summary>A push received, or a branch HEAD read at a deadline.</summary>
public sealed class RepositoryEvidence
{
    public long Id { get; set; }
    public EvidenceKind Kind { get; set; }

    /// <summary><c>owner/name</c>.</summary>
    public required string RepositoryFullName { get; set; }

    /// <summary><c>refs/heads/main</c>.</summary>
    public required string Ref { get; set; }
    public string? Before { get; set; }

    /// <summary>The commit the branch pointed to afterwards (<c>after</c> of a push, the HEAD of a snapshot).</summary>
    public required string Sha { get; set; }
    public bool Forced { get; set; }
    public string Pusher { get; set; } = "";
    public string? DeliveryId { get; set; }

    /// <summary>Grader's clock when the webhook arrived or the API was read: the time that counts.</summary>
    public DateTime ReceivedAtUtc { get; set; }

    /// <summary>Snapshots only: the deadline the snapshot was taken for.</summary>
    public DateTime? AsOfUtc { get; set; }

    /// <summary>Snapshots only: the assignment whose deadline it was.</summary>
    public string? AssignmentId { get; set; }

    /// <summary>The date in the head commit as the student's git wrote it: shown to TAs, never trusted.</summary>
    public DateTime? ClaimedCommitTimeUtc { get; set; }
}

internal static class GitHubEvidenceModel
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<GitHubDelivery>(delivery =>
        {
            delivery.HasKey(d => d.DeliveryId);
            delivery.Property(d => d.DeliveryId).HasMaxLength(64);
            delivery.Property(d => d.Event).HasMaxLength(64);
        });
        builder.Entity<RepositoryEvidence>(evidence =>
        {
            evidence.HasIndex(e => new { e.RepositoryFullName, e.ReceivedAtUtc });
            evidence.HasIndex(e => e.DeliveryId);
            evidence.Property(e => e.Kind).HasConversion<string>().HasMaxLength(32);
            evidence.Property(e => e.RepositoryFullName).HasMaxLength(200);
            evidence.Property(e => e.Ref).HasMaxLength(255);
            evidence.Property(e => e.Before).HasMaxLength(64);
            evidence.Property(e => e.Sha).HasMaxLength(64);
            evidence.Property(e => e.Pusher).HasMaxLength(100);
            evidence.Property(e => e.DeliveryId).HasMaxLength(64);
            evidence.Property(e => e.AssignmentId).HasMaxLength(100);
        });
    }
}

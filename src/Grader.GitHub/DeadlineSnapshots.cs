namespace Grader.GitHub;

/// <summary>One repository's default-branch HEAD as read at (just after) a deadline.</summary>
/// <param name="TakenAt">When the API was read, by the caller's clock: the time that counts as evidence.</param>
public sealed record TakenSnapshot(RepositoryMatch Match, string Branch, string Sha, DateTimeOffset TakenAt, bool WriteAccessRemoved);

/// <summary>What a deadline snapshot found: the HEADs read, and what could not be read, per repository.</summary>
public sealed record SnapshotRound(IReadOnlyList<TakenSnapshot> Snapshots, IReadOnlyList<string> Problems, RepositoryDiscovery Discovery);

/// <summary>
/// Classroom's deadline snapshot, done by Grader: at an assignment's deadline read the HEAD of every student's
/// repository (found by prefix), so the commit that counts does not depend on commit dates the students wrote, and
/// optionally take away the students' write access at the cut-off. Rate limits and dropped connections are waited out
/// by the <see cref="RateLimitGate"/>; a repository that still cannot be read is reported and the others are still read.
/// <paramref name="time"/> is the course's clock: the snapshot's time is evidence compared with deadlines.
/// </summary>
public sealed class DeadlineSnapshots(GitHubCourseClient github, TimeProvider time)
{
    public async Task<SnapshotRound> TakeAsync(string organisation, string prefix, IReadOnlyList<RepositoryOwner> owners, bool removeWriteAccess, CancellationToken cancellationToken)
    {
        var repositories = await github.ListRepositoriesAsync(organisation, cancellationToken).ConfigureAwait(false);
        var discovery = RepositoryDiscovery.Match(prefix, repositories, owners);
        var snapshots = new List<TakenSnapshot>();
        var problems = new List<string>();
        foreach (var match in discovery.Matches)
        {
            string name = match.Repository.Name;
            string branch = match.Repository.DefaultBranch;
            string sha;
            try
            {
                sha = await github.GetBranchHeadAsync(organisation, name, branch, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception failure) when (!cancellationToken.IsCancellationRequested && Unreachable(failure) is { } reason)
            {
                problems.Add($"{organisation}/{name}: could not read {branch}: {reason}");
                continue;
            }

            var takenAt = time.GetUtcNow();
            bool removed = false;
            if (removeWriteAccess && !match.Owner.IsTeam)
            {
                try
                {
                    await github.SetCollaboratorPermissionAsync(organisation, name, match.Owner.Login, "pull", cancellationToken).ConfigureAwait(false);
                    removed = true;
                }
                catch (Exception failure) when (!cancellationToken.IsCancellationRequested && Unreachable(failure) is { } reason)
                {
                    // The HEAD was read: it is still evidence, only the cut-off did not happen.
                    problems.Add($"{organisation}/{name}: could not make {match.Owner.Login} read-only: {reason}");
                }
            }

            snapshots.Add(new TakenSnapshot(match, branch, sha, takenAt, removed));
        }

        return new SnapshotRound(snapshots, problems, discovery);
    }

    /// <summary>Why GitHub could not be used for one repository, after the gate's retries; null for a failure that is a bug.</summary>
    private static string? Unreachable(Exception failure) => failure switch
    {
        Octokit.ApiException api => $"GitHub answered {(int)api.StatusCode} ({api.Message})",
        _ when RateLimitGate.IsTransient(failure) => $"the connection to GitHub failed after retries ({failure.Message})",
        _ => null,
    };
}

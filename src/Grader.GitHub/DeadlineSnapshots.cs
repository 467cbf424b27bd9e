namespace Grader.GitHub;

/// <summary>One repository's default-branch HEAD as read at (just after) a deadline.</summary>
/// <param name="TakenAt">When the API was read, by the caller's clock: the time that counts as evidence.</param>
public sealed record TakenSnapshot(RepositoryMatch Match, string Branch, string Sha, DateTimeOffset TakenAt, bool WriteAccessRemoved);

/// <summary>What a deadline snapshot found: the HEADs read, and what could not be read, per repository.</summary>
public sealed record SnapshotRound(IReadOnlyList<TakenSnapshot> Snapshots, IReadOnlyList<string> Problems, RepositoryDiscovery Discovery);

/// <summary>
/// Classroom's deadline snapshot, done by Grader: at an assignment's deadline read the HEAD of every student's
/// repository (found by prefix), so the commit that counts does not depend on commit dates the students wrote, and
/// optionally take away the students' write access at the cut-off. One repository's failure is reported and the
/// others are still read.
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
            try
            {
                string sha = await github.GetBranchHeadAsync(organisation, name, branch, cancellationToken).ConfigureAwait(false);
                var takenAt = time.GetUtcNow();
                bool removed = false;
                if (removeWriteAccess && !match.Owner.IsTeam)
                {
                    await github.SetCollaboratorPermissionAsync(organisation, name, match.Owner.Login, "pull", cancellationToken).ConfigureAwait(false);
                    removed = true;
                }

                snapshots.Add(new TakenSnapshot(match, branch, sha, takenAt, removed));
            }
            catch (Octokit.ApiException failure)
            {
                problems.Add($"{organisation}/{name}: could not read {branch} ({failure.StatusCode}: {failure.Message})");
            }
        }

        return new SnapshotRound(snapshots, problems, discovery);
    }
}

using Octokit;

namespace Grader.GitHub;

public enum ArchiveKind
{
    Tarball,
    Zipball,
}

/// <summary>An archive of a repository at one commit, named so the intake recognises it.</summary>
public sealed record RepositoryArchive(string FileName, byte[] Content);

/// <summary>Where the feedback for one graded commit went: the pull request or issue, and Grader's comment in it.</summary>
public sealed record FeedbackPublication(int Thread, long CommentId, bool CommentCreated);

/// <summary>
/// Every GitHub call Grader makes, through Octokit, each behind the <see cref="RateLimitGate"/>. Point it at GitHub
/// Enterprise or a test server with <c>new GitHubClient(header, baseAddress)</c>.
/// </summary>
public sealed class GitHubCourseClient(IGitHubClient client, RateLimitGate gate)
{
    public const string FeedbackIssueTitle = "Grader feedback";

    /// <summary>How many times something is created after dropped connections, looking for it in between.</summary>
    internal const int CreateAttempts = 3;

    public IGitHubClient Client { get; } = client;

    public RateLimitGate Gate { get; } = gate;

    /// <summary>All repositories of the organisation; Octokit follows the <c>Link</c> pages.</summary>
    public async Task<IReadOnlyList<OrganisationRepository>> ListRepositoriesAsync(string organisation, CancellationToken cancellationToken)
    {
        var repositories = await Gate.RunAsync(() => Client.Repository.GetAllForOrg(organisation, new ApiOptions { PageSize = 100 }), cancellationToken).ConfigureAwait(false);
        return repositories.Select(r => new OrganisationRepository(r.Name, r.DefaultBranch ?? "main", r.Private)).ToList();
    }

    /// <summary>Null when the repository does not exist.</summary>
    public async Task<Repository?> FindRepositoryAsync(string owner, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await Gate.RunAsync(() => Client.Repository.Get(owner, name), cancellationToken).ConfigureAwait(false);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    /// <summary>The commit the branch points to right now (server-side, unlike any date in the commit).</summary>
    public async Task<string> GetBranchHeadAsync(string owner, string name, string branch, CancellationToken cancellationToken)
    {
        var found = await Gate.RunAsync(() => Client.Repository.Branch.Get(owner, name, branch), cancellationToken).ConfigureAwait(false);
        return found.Commit.Sha;
    }

    /// <summary>The repository's archive at <paramref name="sha"/>: GitHub redirects to codeload, Octokit follows.</summary>
    public async Task<RepositoryArchive> DownloadArchiveAsync(string owner, string name, string sha, ArchiveKind kind, CancellationToken cancellationToken)
    {
        if (sha.Length < 7 || !sha.All(char.IsAsciiHexDigit))
        {
            throw new ArgumentException($"'{sha}' is not a commit SHA; archives are only fetched at an exact commit.", nameof(sha));
        }

        var format = kind == ArchiveKind.Tarball ? ArchiveFormat.Tarball : ArchiveFormat.Zipball;
        var bytes = await Gate.RunAsync(() => Client.Repository.Content.GetArchive(owner, name, format, sha), cancellationToken).ConfigureAwait(false);
        if (bytes is null || bytes.Length == 0)
        {
            throw new InvalidOperationException($"GitHub returned an empty {kind} for {owner}/{name} at {sha}.");
        }

        return new RepositoryArchive($"{name}-{sha[..Math.Min(12, sha.Length)]}{(kind == ArchiveKind.Tarball ? ".tar.gz" : ".zip")}", bytes);
    }

    /// <summary>Creates or replaces Grader's status for the assignment on the graded commit (GitHub keeps one per context).</summary>
    public Task SetStatusAsync(string owner, string name, FeedbackContent feedback, Uri? detailsUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        var status = new NewCommitStatus
        {
            State = feedback.IsSuccess ? CommitState.Success : CommitState.Failure,
            Description = feedback.StatusDescription,
            Context = feedback.StatusContext,
            TargetUrl = detailsUrl?.ToString(),
        };
        return Gate.RunAsync(() => Client.Repository.Status.Create(owner, name, feedback.Sha, status), cancellationToken);
    }

    /// <summary>
    /// Posts the feedback comment on <paramref name="issueNumber"/> (the feedback pull request or issue), or edits
    /// Grader's earlier comment for the same assignment there: a re-post after a TA override never adds a second one,
    /// and neither does a connection that drops after GitHub stored the comment (the comments are read again first).
    /// </summary>
    /// <returns>The comment id and whether this call created it (false: updated, or unchanged).</returns>
    public async Task<(long CommentId, bool Created)> UpsertFeedbackCommentAsync(string owner, string name, int issueNumber, FeedbackContent feedback, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        string body = feedback.RenderComment();
        var triedToCreate = false;
        for (var attempt = 1; ; attempt++)
        {
            var comments = await Gate.RunAsync(() => Client.Issue.Comment.GetAllForIssue(owner, name, issueNumber, new ApiOptions { PageSize = 100 }), cancellationToken).ConfigureAwait(false);
            var earlier = comments.FirstOrDefault(c => c.Body is not null && c.Body.StartsWith(feedback.Marker, StringComparison.Ordinal));
            if (earlier is null)
            {
                try
                {
                    triedToCreate = true;
                    var created = await Gate.RunAsync(() => Client.Issue.Comment.Create(owner, name, issueNumber, body), cancellationToken, CallKind.Creating).ConfigureAwait(false);
                    return (created.Id, true);
                }
                catch (Exception failure) when (attempt < CreateAttempts && RateLimitGate.IsTransient(failure) && !cancellationToken.IsCancellationRequested)
                {
                    continue; // GitHub may have stored it: look again before posting.
                }
            }

            if (!string.Equals(earlier.Body, body, StringComparison.Ordinal))
            {
                await Gate.RunAsync(() => Client.Issue.Comment.Update(owner, name, earlier.Id, body), cancellationToken).ConfigureAwait(false);
            }

            return (earlier.Id, triedToCreate);
        }
    }

    /// <summary>Where feedback goes: the open feedback pull request when provisioning made one, else Grader's feedback issue (created once).</summary>
    public async Task<int> FindOrCreateFeedbackThreadAsync(string owner, string name, CancellationToken cancellationToken)
    {
        var pulls = await Gate.RunAsync(() => Client.PullRequest.GetAllForRepository(owner, name, new PullRequestRequest { State = ItemStateFilter.Open }, new ApiOptions { PageSize = 100 }), cancellationToken).ConfigureAwait(false);
        if (pulls.FirstOrDefault(p => p.Base?.Ref == Provisioner.FeedbackBranch) is { } pull)
        {
            return pull.Number;
        }

        for (var attempt = 1; ; attempt++)
        {
            var issues = await Gate.RunAsync(() => Client.Issue.GetAllForRepository(owner, name, new RepositoryIssueRequest { State = ItemStateFilter.All }, new ApiOptions { PageSize = 100 }), cancellationToken).ConfigureAwait(false);
            if (issues.FirstOrDefault(i => i.Title == FeedbackIssueTitle && i.PullRequest is null) is { } issue)
            {
                return issue.Number;
            }

            try
            {
                var createdIssue = await Gate.RunAsync(
                    () => Client.Issue.Create(owner, name, new NewIssue(FeedbackIssueTitle) { Body = "Grader posts your scores and the reasons for every lost point here." }),
                    cancellationToken,
                    CallKind.Creating).ConfigureAwait(false);
                return createdIssue.Number;
            }
            catch (Exception failure) when (attempt < CreateAttempts && RateLimitGate.IsTransient(failure) && !cancellationToken.IsCancellationRequested)
            {
                // GitHub may have opened it: look again before opening another.
            }
        }
    }

    /// <summary>
    /// Everything that goes back to GitHub for one graded commit: the status on the graded SHA, and the rubric comment
    /// in the feedback thread, edited in place when Grader posted one for this assignment before.
    /// </summary>
    public async Task<FeedbackPublication> PublishFeedbackAsync(string owner, string name, FeedbackContent feedback, Uri? detailsUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feedback);
        await SetStatusAsync(owner, name, feedback, detailsUrl, cancellationToken).ConfigureAwait(false);
        int thread = await FindOrCreateFeedbackThreadAsync(owner, name, cancellationToken).ConfigureAwait(false);
        var (commentId, created) = await UpsertFeedbackCommentAsync(owner, name, thread, feedback, cancellationToken).ConfigureAwait(false);
        return new FeedbackPublication(thread, commentId, created);
    }

    /// <summary>Gives <paramref name="login"/> the permission (<c>push</c>, <c>pull</c>…); GitHub changes it in place for an existing collaborator.</summary>
    public Task SetCollaboratorPermissionAsync(string owner, string name, string login, string permission, CancellationToken cancellationToken) =>
        Gate.RunAsync(() => Client.Repository.Collaborator.Add(owner, name, login, new CollaboratorRequest(permission)), cancellationToken);
}

using Grader.Core.Configuration;
using Octokit;

namespace Grader.GitHub;

/// <summary>One repository to provision: a student (one login) or a team (its members' logins).</summary>
public sealed record ProvisioningTarget(RepositoryOwner Owner, IReadOnlyList<string> MemberLogins)
{
    /// <summary>One repository per student, named after the student's GitHub username (none without one: reported).</summary>
    public static IReadOnlyList<ProvisioningTarget> ForStudents(IEnumerable<RosterStudent> students) =>
        students.Select(s => new ProvisioningTarget(new RepositoryOwner(s.Identifier, s.GitHubUsername, false), s.GitHubUsername.Length == 0 ? [] : [s.GitHubUsername])).ToList();

    /// <summary>One repository per team, named after the team's slug, with write access for every member that has a GitHub username.</summary>
    public static IReadOnlyList<ProvisioningTarget> ForTeams(IEnumerable<(string TeamId, string TeamName, IReadOnlyList<RosterStudent> Members)> teams) =>
        teams.Select(t => new ProvisioningTarget(new RepositoryOwner(t.TeamId, RepositoryNames.Slug(t.TeamName), true),
            t.Members.Select(m => m.GitHubUsername).Where(login => login.Length > 0).ToList())).ToList();
}

/// <param name="Organisation">Where the student repositories live.</param>
/// <param name="TemplateOwner">Owner of the assignment's template repository (usually the organisation).</param>
/// <param name="OpenFeedbackPullRequest">Classroom's feedback pull request: a <c>feedback</c> branch at the starting commit, and a pull request from the default branch into it.</param>
public sealed record ProvisioningPlan(string Organisation, string Prefix, string TemplateOwner, string TemplateRepository, bool OpenFeedbackPullRequest);

/// <param name="FeedbackPullRequest">The pull request's number; null when none was asked for or GitHub refused one yet (no commits to compare: it is opened on a later run).</param>
public sealed record ProvisioningResult(RepositoryOwner Owner, string Repository, bool Created, IReadOnlyList<string> WriteAccess, int? FeedbackPullRequest, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Does Classroom's job of handing out repositories: each owner gets a private <c>&lt;prefix&gt;-&lt;login&gt;</c>
/// generated from the template, and write access for its members. Every step looks before it acts, so running the same
/// plan again (after a failure, a rate limit or a roster change) only does what is missing; one owner's failure is
/// reported and the others carry on.
/// </summary>
public sealed class Provisioner(GitHubCourseClient github)
{
    public const string FeedbackBranch = "feedback";

    public async Task<IReadOnlyList<ProvisioningResult>> ProvisionAsync(ProvisioningPlan plan, IEnumerable<ProvisioningTarget> targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(targets);
        var results = new List<ProvisioningResult>();
        foreach (var target in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = RepositoryNames.For(plan.Prefix, target.Owner.Login);
            if (target.Owner.Login.Length == 0)
            {
                results.Add(new ProvisioningResult(target.Owner, "", false, [], null, $"{target.Owner.SubmitterId} has no GitHub username on the roster"));
                continue;
            }

            try
            {
                results.Add(await ProvisionOneAsync(plan, target, name, cancellationToken).ConfigureAwait(false));
            }
            catch (ApiException e)
            {
                results.Add(new ProvisioningResult(target.Owner, name, false, [], null, $"GitHub answered {(int)e.StatusCode}: {e.Message}"));
            }
            catch (Exception e) when (RateLimitGate.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                results.Add(new ProvisioningResult(target.Owner, name, false, [], null, $"the connection to GitHub failed ({e.Message}); run provisioning again to finish"));
            }
        }

        return results;
    }

    private async Task<ProvisioningResult> ProvisionOneAsync(ProvisioningPlan plan, ProvisioningTarget target, string name, CancellationToken cancellationToken)
    {
        var gate = github.Gate;
        var client = github.Client;
        bool created = false;
        Repository? repository = null;
        for (var attempt = 1; repository is null; attempt++)
        {
            repository = await github.FindRepositoryAsync(plan.Organisation, name, cancellationToken).ConfigureAwait(false);
            if (repository is not null)
            {
                break;
            }

            var request = new NewRepositoryFromTemplate(name) { Owner = plan.Organisation, Private = true, Description = $"{plan.Prefix} for {target.Owner.SubmitterId}" };
            try
            {
                created = true;
                repository = await gate.RunAsync(() => client.Repository.Generate(plan.TemplateOwner, plan.TemplateRepository, request), cancellationToken, CallKind.Creating).ConfigureAwait(false);
            }
            catch (Exception failure) when (attempt < GitHubCourseClient.CreateAttempts && RateLimitGate.IsTransient(failure) && !cancellationToken.IsCancellationRequested)
            {
                // The connection dropped: GitHub may have made it, so the loop looks for it before generating again.
            }
        }

        foreach (var login in target.MemberLogins)
        {
            await github.SetCollaboratorPermissionAsync(plan.Organisation, name, login, "push", cancellationToken).ConfigureAwait(false);
        }

        int? pullRequest = plan.OpenFeedbackPullRequest ? await EnsureFeedbackPullRequestAsync(plan.Organisation, name, repository.DefaultBranch ?? "main", cancellationToken).ConfigureAwait(false) : null;
        return new ProvisioningResult(target.Owner, name, created, target.MemberLogins, pullRequest, null);
    }

    private async Task<bool> BranchExistsAsync(string owner, string name, string branch, CancellationToken cancellationToken)
    {
        try
        {
            await github.Gate.RunAsync(() => github.Client.Git.Reference.Get(owner, name, $"heads/{branch}"), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private async Task<int?> EnsureFeedbackPullRequestAsync(string owner, string name, string defaultBranch, CancellationToken cancellationToken)
    {
        var gate = github.Gate;
        var client = github.Client;
        var open = await gate.RunAsync(() => client.PullRequest.GetAllForRepository(owner, name, new PullRequestRequest { State = ItemStateFilter.Open, Base = FeedbackBranch }), cancellationToken).ConfigureAwait(false);
        if (open.Count > 0)
        {
            return open[0].Number;
        }

        if (!await BranchExistsAsync(owner, name, FeedbackBranch, cancellationToken).ConfigureAwait(false))
        {
            string start = await github.GetBranchHeadAsync(owner, name, defaultBranch, cancellationToken).ConfigureAwait(false);
            try
            {
                // A branch is never made twice: a repeat after a dropped connection is refused with 422.
                await gate.RunAsync(() => client.Git.Reference.Create(owner, name, new NewReference($"refs/heads/{FeedbackBranch}", start)), cancellationToken).ConfigureAwait(false);
            }
            catch (ApiValidationException)
            {
                if (!await BranchExistsAsync(owner, name, FeedbackBranch, cancellationToken).ConfigureAwait(false))
                {
                    throw;
                }
            }
        }

        try
        {
            var pull = await gate.RunAsync(() => client.PullRequest.Create(owner, name, new NewPullRequest("Feedback", defaultBranch, FeedbackBranch)
            {
                Body = "Grader and your TAs comment here. Do not merge or close this pull request.",
            }), cancellationToken, CallKind.Creating).ConfigureAwait(false);
            return pull.Number;
        }
        catch (ApiValidationException)
        {
            // "No commits between feedback and main": GitHub opens it only once the student has pushed; a later run retries.
            return null;
        }
    }
}

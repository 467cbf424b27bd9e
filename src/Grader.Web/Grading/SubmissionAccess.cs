using Grader.Data.Grading;
using System.Security.Claims;
using Grader.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Grader.Web.Grading;

/// <summary>
/// Who may see which submission. Staff see all; a student sees only submissions made as themselves or as their team.
/// A submission someone may not see is answered as if it did not exist (404), so ids reveal nothing.
/// </summary>
public sealed class SubmissionAccess(GraderDbContext db, UserManager<AppUser> users)
{
    public static bool IsStaff(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return principal.IsInRole(Roles.Ta) || principal.IsInRole(Roles.Instructor);
    }

    /// <summary>The submitter ids a student acts as: their own identifier and their team's id. Empty for others.</summary>
    public async Task<IReadOnlyList<string>> SubmitterIdsOfAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var user = await users.GetUserAsync(principal).ConfigureAwait(false);
        if (user?.StudentIdentifier is not { } identifier || !principal.IsInRole(Roles.Student))
        {
            return [];
        }

        var teams = await db.TeamMembers.AsNoTracking().Where(m => m.StudentIdentifier == identifier).Select(m => m.TeamId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [identifier, .. teams];
    }

    public async Task<bool> CanSeeAsync(ClaimsPrincipal principal, long submissionId, CancellationToken cancellationToken)
    {
        var submitter = await db.Submissions.AsNoTracking().Where(s => s.Id == submissionId).Select(s => s.SubmitterId)
            .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        if (submitter is null)
        {
            return false;
        }

        return IsStaff(principal) || (await SubmitterIdsOfAsync(principal, cancellationToken).ConfigureAwait(false)).Contains(submitter);
    }
}

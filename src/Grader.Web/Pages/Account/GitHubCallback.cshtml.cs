using System.Security.Claims;
using Grader.Data;
using Grader.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Account;

/// <summary>
/// Where GitHub sign-in lands: the GitHub identity (held in Identity's external cookie) is matched to a course
/// account (<see cref="GitHubAccounts"/>) and signed in, or refused with the reason on this page.
/// </summary>
public sealed class GitHubCallbackModel(SignInManager<AppUser> signIn, GitHubAccounts accounts, GitHubSignInOptions gitHub) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    /// <summary>Why no account was signed in.</summary>
    public string Refusal { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!gitHub.IsConfigured)
        {
            return NotFound();
        }

        var info = await signIn.GetExternalLoginInfoAsync();
        // Whatever happens next, the GitHub identity is not kept beyond this request.
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        if (info is null || info.LoginProvider != GitHubSignInOptions.Scheme)
        {
            Refusal = "GitHub sign-in did not complete (the GitHub identity is missing or expired); try again from the sign-in page.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        string login = info.Principal.FindFirstValue(GitHubClaims.Login) ?? "";
        var match = await accounts.MatchAsync(info.ProviderKey, login, info.Principal.FindFirstValue(GitHubClaims.Name), cancellationToken);
        if (match.User is null)
        {
            Refusal = match.Refusal ?? "No account matches this GitHub identity.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }

        await signIn.SignInAsync(match.User, isPersistent: false, authenticationMethod: GitHubSignInOptions.Scheme);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }
}

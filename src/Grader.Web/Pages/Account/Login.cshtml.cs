using System.ComponentModel.DataAnnotations;
using Grader.Data.Course;
using Grader.Data;
using Grader.Web.SignIn;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Grader.Web.Pages.Account;

public sealed class LoginModel(SignInManager<AppUser> signIn, PasswordSignIn passwords, CourseOptions options, GitHubSignInOptions gitHub) : PageModel
{
    [BindProperty]
    [Required]
    public string UserName { get; set; } = "";

    [BindProperty]
    [Required]
    public string Password { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public bool ShowDemoAccounts => options.SeedDemo;

    /// <summary>"Sign in with GitHub" is offered only when an OAuth app is configured.</summary>
    public bool GitHubSignIn => gitHub.IsConfigured;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var result = await passwords.SignInAsync(UserName, Password, HttpContext.Connection.RemoteIpAddress);
        if (!result.Succeeded)
        {
            ModelState.AddModelError(string.Empty, result.Message ?? PasswordSignIn.WrongPassword);
            return Page();
        }

        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl! : "/");
    }

    /// <summary>Off to GitHub; it comes back to /signin-github, then <see cref="GitHubCallbackModel"/> picks the account.</summary>
    public IActionResult OnPostGitHub()
    {
        if (!gitHub.IsConfigured)
        {
            return NotFound();
        }

        string callback = Url.Page("/Account/GitHubCallback", new { returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null })!;
        var properties = signIn.ConfigureExternalAuthenticationProperties(GitHubSignInOptions.Scheme, callback);
        return Challenge(properties, GitHubSignInOptions.Scheme);
    }
}

using System.Net;
using System.Text.RegularExpressions;
using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Project;

/// <summary>
/// One demo app for the project tests, on the demo's default course clock (2023-02-20 12:00 New York): teams are still
/// open (they are final after 2023-03-08 23:59) and no project deadline has passed.
/// </summary>
[SetUpFixture]
public sealed class ProjectAppFixture : DemoAppFixture<ProjectAppFixture>;

/// <summary>Small helpers the project tests share.</summary>
internal static partial class Forms
{
    public static Dictionary<string, string> Of(params (string Name, string Value)[] fields) => fields.ToDictionary(f => f.Name, f => f.Value);

    /// <summary>The page's text with HTML entities decoded, for asserting on messages.</summary>
    public static async Task<string> TextAsync(HttpResponseMessage response) => WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());

    /// <summary>The validation summary's messages on a page answered with the form again.</summary>
    public static async Task<string> ErrorsAsync(HttpResponseMessage response)
    {
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), "a refused form is answered with the page and its errors");
        var summary = ValidationSummary().Match(await TextAsync(response));
        Assert.That(summary.Success, Is.True, "the page shows a validation summary with errors");
        return summary.Value;
    }

    public static void AssertRedirect(HttpResponseMessage response, string what) =>
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), what);

    [GeneratedRegex("validation-summary-errors.*?</ul>", RegexOptions.Singleline)]
    private static partial Regex ValidationSummary();
}

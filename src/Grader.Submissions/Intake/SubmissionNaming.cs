using System.Globalization;
using System.Text.RegularExpressions;

namespace Grader.Submissions.Intake;

/// <summary>
/// The syllabus asks for homework as a zipped folder named <c>netid_hwN</c>, i.e. <c>netid_hwN.zip</c> (a folder named
/// <c>netid_hwN</c> passes too). A different name is a warning for the report, never a refusal; the netid is parsed
/// whenever the name starts with one.
/// </summary>
/// <param name="Checked">False when the submission came from somewhere the rule does not apply (a GitHub repository).</param>
public sealed partial record SubmissionNaming(bool Checked, bool FollowsSyllabus, string? NetId, int? Homework, string? Warning)
{
    public static SubmissionNaming NotChecked { get; } = new(false, true, null, null, null);

    /// <param name="fileName">The original file name as uploaded (any folder part is ignored).</param>
    /// <param name="expectedHomework">The homework this upload is for, when known (1 for HW1).</param>
    public static SubmissionNaming Check(string fileName, int? expectedHomework)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var name = fileName.Replace('\\', '/').Split('/')[^1];
        var expected = expectedHomework is { } number
            ? string.Create(CultureInfo.InvariantCulture, $"*_hw{number}.zip")
            : "netid_hwN.zip";

        var strict = SyllabusName().Match(name);
        if (strict.Success)
        {
            var netId = strict.Groups["netid"].Value.ToLowerInvariant();
            var homework = int.Parse(strict.Groups["hw"].Value, CultureInfo.InvariantCulture);
            if (expectedHomework is { } wanted && homework != wanted)
            {
                return new SubmissionNaming(true, false, netId, homework,
                    $"the file is named '{name}' but this is homework {wanted}: expected {expected}");
            }
            return new SubmissionNaming(true, true, netId, homework, null);
        }

        var loose = LeadingNetId().Match(name);
        var parsedNetId = loose.Success ? loose.Groups["netid"].Value.ToLowerInvariant() : null;
        var parsedHomework = HomeworkNumber().Match(name) is { Success: true } hw
            ? int.Parse(hw.Groups["hw"].Value, CultureInfo.InvariantCulture)
            : (int?)null;
        return new SubmissionNaming(true, false, parsedNetId, parsedHomework,
            $"the syllabus asks for a zip named netid_hwN.zip (expected {expected}); got '{EntryName.Show(name)}'");
    }

    [GeneratedRegex(@"^(?<netid>[a-z][a-z0-9]{1,15})_hw(?<hw>[0-9]{1,2})(\.zip)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SyllabusName();

    // NYU-style netids are letters then digits (abc123); accept that shape at the start of a sloppier name.
    [GeneratedRegex(@"^(?!hw[0-9])(?<netid>[a-z]{2,8}[0-9]{1,6})(?=[_\-. ]|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingNetId();

    [GeneratedRegex(@"hw[ _-]?(?<hw>[0-9]{1,2})(?![0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HomeworkNumber();
}

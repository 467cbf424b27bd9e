using System.Text.RegularExpressions;
using Grader.Infra.Tests.Support;

namespace Grader.Infra.Tests;

/// <summary>The operations guide and the infra READMEs point at files: every relative link must lead somewhere.</summary>
public sealed partial class DocumentationLinkTests
{
    private static readonly string[] Documents = ["docs/operations.md", "infra/README.md", "infra/k8s/README.md"];

    [TestCaseSource(nameof(Documents))]
    public void EveryRelativeLinkNamesAFileOrFolderOfTheRepository(string document)
    {
        string folder = Path.GetDirectoryName(Repository.PathOf(document))!;
        var links = MarkdownLink().Matches(Repository.ReadText(document)).Select(match => match.Groups[1].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#') && !target.StartsWith("mailto:", StringComparison.Ordinal))
            .Select(target => target.Split('#')[0])
            .ToList();
        Assert.That(links, Is.Not.Empty, $"{document} links to nothing");
        foreach (var link in links)
        {
            Assert.That(Path.GetFullPath(Path.Combine(folder, link)), Does.Exist, $"{document}: broken link {link}");
        }
    }

    [Test]
    public void TheInfraReadmeLeadsToEveryDeploymentFile()
    {
        string readme = Repository.ReadText("infra/README.md");
        foreach (var file in new[] { "../docs/operations.md", "compose.yaml", "docker/", "k8s/", "systemd/grader-web.service", "systemd/grader-worker.service" })
        {
            Assert.That(readme.Contains($"]({file}", StringComparison.Ordinal), Is.True, $"infra/README.md does not link {file}");
        }
    }

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex MarkdownLink();
}

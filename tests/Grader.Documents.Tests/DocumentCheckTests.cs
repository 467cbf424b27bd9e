namespace Grader.Documents.Tests.Pdf;

public sealed class DocumentCheckTests
{
    private static readonly TeamMember[] Team = [new("Ada Lovelace", "al1234"), new("Charles Babbage", "cb5678")];

    private static DocumentCheckResult Check(byte[] pdf, DocumentRules rules, IReadOnlyList<TeamMember>? members = null)
    {
        using var stream = new MemoryStream(pdf);
        return DocumentCheck.Check(stream, rules, members ?? Team, "paper.pdf");
    }

    private static byte[] Paper(int bodyPages, string[] lastBodyPage, bool withReferences = true)
    {
        var pages = Enumerable.Range(1, bodyPages - 1).Select(n => (IReadOnlyList<string>)PdfFactory.BodyPage(n)).Append(lastBodyPage);
        return PdfFactory.Build([.. pages, .. withReferences ? new IReadOnlyList<string>[] { PdfFactory.ReferencesPage, ["J. Schmidhuber. Deep learning in neural networks. 2015."] } : []]);
    }

    private static readonly string[] BothContributions = PdfFactory.ContributionsPage(
        "Ada Lovelace implemented the LSTM baseline and tuned its learning rate.",
        "Charles Babbage built the convolutional network, and ran the ablations.");

    [Test]
    public void AOnePageProposalIsWithinTheLimit()
    {
        var result = Check(PdfFactory.Build(PdfFactory.BodyPage(1)), DocumentRules.Proposal);

        Assert.That(result.TotalPages, Is.EqualTo(1));
        Assert.That(result.OverPageLimit, Is.False);
        Assert.That(result.Findings.Single().Message, Is.EqualTo("The proposal has 1 page(s), within the limit of 1."));
        Assert.That(result.Members, Is.Empty, "proposals are not checked for contributions");
    }

    [Test]
    public void ATwoPageProposalIsOverTheLimit()
    {
        var result = Check(PdfFactory.Build(PdfFactory.BodyPage(1), PdfFactory.ReferencesPage), DocumentRules.Proposal);

        var finding = result.Findings.Single(f => f.Code == "page-count");
        Assert.That(finding.Severity, Is.EqualTo(FindingSeverity.Problem));
        Assert.That(finding.Message, Is.EqualTo("The proposal has 2 page(s); the limit is 1: cut 1."));
        Assert.That(finding.Page, Is.EqualTo(2));
    }

    [Test]
    public void AFivePlusTwoPagePaperWithContributionsPassesEverything()
    {
        var result = Check(Paper(5, BothContributions), DocumentRules.Paper);

        Assert.Multiple(() =>
        {
            Assert.That(result.TotalPages, Is.EqualTo(7));
            Assert.That(result.ReferencesPage, Is.EqualTo(6));
            Assert.That(result.CountedPages, Is.EqualTo(5));
            Assert.That(result.OverPageLimit, Is.False);
            Assert.That(result.ContributionsPage, Is.EqualTo(5));
            Assert.That(result.ContributionsComplete, Is.True);
            Assert.That(result.Members.Select(m => m.Model), Is.EqualTo(new[] { "implemented the LSTM baseline", "built the convolutional network" }));
            Assert.That(result.Members.Select(m => m.Page), Is.EqualTo(new int?[] { 5, 5 }));
            Assert.That(result.Findings.Select(f => f.Severity), Has.All.EqualTo(FindingSeverity.Ok));
            Assert.That(result.Findings.Select(f => f.Message), Does.Contain("The references begin on page 6; the 5 page(s) before them count toward the limit."));
        });
    }

    [Test]
    public void ReferencesStartingMidPageCountThatPage()
    {
        string[] lastPage = [.. BothContributions, .. PdfFactory.ReferencesPage];

        var result = Check(PdfFactory.Build([.. Enumerable.Range(1, 5).Select(n => (IReadOnlyList<string>)PdfFactory.BodyPage(n)), lastPage]), DocumentRules.Paper);

        Assert.That((result.ReferencesPage, result.CountedPages, result.OverPageLimit), Is.EqualTo(((int?)6, 6, false)));
        Assert.That(result.ContributionsComplete, Is.True);
    }

    [Test]
    public void AnEightPagePaperIsOverTheLimit()
    {
        var result = Check(Paper(8, BothContributions), DocumentRules.Paper);

        Assert.That(result.CountedPages, Is.EqualTo(8));
        Assert.That(result.OverPageLimit, Is.True);
        var finding = result.Findings.Single(f => f.Code == "page-count");
        Assert.That(finding.Severity, Is.EqualTo(FindingSeverity.Problem));
        Assert.That(finding.Message, Is.EqualTo("The paper has 8 page(s) before the references; the limit is 6: cut 2."));
        Assert.That(finding.Page, Is.EqualTo(7));
    }

    [Test]
    public void WithoutAReferencesHeadingEveryPageCountsAndTheFindingSaysSo()
    {
        var result = Check(Paper(5, BothContributions, withReferences: false), DocumentRules.Paper);

        Assert.That(result.ReferencesPage, Is.Null);
        Assert.That(result.CountedPages, Is.EqualTo(5));
        var finding = result.Findings.Single(f => f.Code == "references");
        Assert.That(finding.Severity, Is.EqualTo(FindingSeverity.Warning));
        Assert.That(finding.Message, Does.Contain("No \"References\" or \"Bibliography\" heading was found"));
    }

    [Test]
    public void NumberedBibliographyHeadingsCountButTheWordInASentenceDoesNot()
    {
        string[] body = ["Our references to prior work follow the JMLR style.", "References are listed at the end."];
        var result = Check(PdfFactory.Build(body, PdfFactory.BodyPage(2), ["7 Bibliography", "A. Author. A title. 2020."]), DocumentRules.Paper, []);

        Assert.That(result.ReferencesPage, Is.EqualTo(3));
        Assert.That(result.CountedPages, Is.EqualTo(2));
    }

    [Test]
    public void APaperWithoutContributionsIsFlagged()
    {
        var result = Check(Paper(5, PdfFactory.BodyPage(5)), DocumentRules.Paper);

        Assert.That(result.ContributionsComplete, Is.False);
        Assert.That(result.ContributionsPage, Is.Null);
        var finding = result.Findings.Single(f => f.Code == "contributions");
        Assert.That(finding.Severity, Is.EqualTo(FindingSeverity.Problem));
        Assert.That(finding.Message, Does.Contain("5%"));
        Assert.That(result.Findings.Where(f => f.Code == "member-contribution"), Is.Empty);
    }

    [Test]
    public void APaperNamingOneOfTwoMembersFlagsTheOther()
    {
        var result = Check(Paper(5, PdfFactory.ContributionsPage("Lovelace implemented the GRU model.")), DocumentRules.Paper);

        Assert.That(result.ContributionsComplete, Is.False);
        Assert.That(result.Members[0], Is.EqualTo(new MemberContribution(Team[0], true, "implemented the GRU model", 5, "Lovelace implemented the GRU model.")));
        Assert.That(result.Members[1].Named, Is.False);
        var missing = result.Findings.Single(f => f.Code == "member-contribution" && f.Severity == FindingSeverity.Problem);
        Assert.That(missing.Message, Is.EqualTo("Charles Babbage is not named in the contribution statement; state which model Charles Babbage implemented."));
        Assert.That(missing.Page, Is.EqualTo(5));
    }

    [Test]
    public void AMemberNamedWithoutAModelIsAWarning()
    {
        var result = Check(Paper(5, PdfFactory.ContributionsPage("Ada Lovelace implemented the LSTM model.", "cb5678 prepared the data and the figures.")), DocumentRules.Paper);

        Assert.That(result.Members[1], Is.EqualTo(new MemberContribution(Team[1], true, null, 5, "cb5678 prepared the data and the figures.")));
        Assert.That(result.Findings.Single(f => f.Code == "member-contribution" && f.Severity == FindingSeverity.Warning).Message, Does.StartWith("Charles Babbage is named, but no model"));
    }

    [Test]
    public void SentencesNamingEachMemberWithoutAHeadingAreAccepted()
    {
        string[] page =
        [
            "Ada Lovelace built the U-Net segmentation model, while Charles Babbage trained the ResNet-",
            "50 classifier. We compare both on the validation split.",
        ];

        var result = Check(Paper(5, page), DocumentRules.Paper);

        Assert.That(result.ContributionsComplete, Is.True);
        Assert.That(result.Members.Select(m => m.Model), Is.EqualTo(new[] { "built the U-Net segmentation model", "trained the ResNet-50 classifier" }));
        Assert.That(result.Findings.Single(f => f.Code == "contributions").Severity, Is.EqualTo(FindingSeverity.Warning));
    }

    [Test]
    public void AnInlineContributionsHeadingAndOneSentenceForBothMembers()
    {
        var result = Check(Paper(5, ["Author Contributions: Babbage implemented the GAN and Lovelace designed the VAE baseline."]), DocumentRules.Paper);

        Assert.That(result.ContributionsPage, Is.EqualTo(5));
        Assert.That(result.Members.Select(m => m.Model), Is.EqualTo(new[] { "designed the VAE baseline", "implemented the GAN" }));
    }

    [Test]
    public void AnImageOnlyPdfGivesAWarningNotACrash()
    {
        var result = Check(PdfFactory.Build([], []), DocumentRules.Paper);

        Assert.That(result.TotalPages, Is.EqualTo(2));
        Assert.That(result.Findings.Select(f => f.Code), Does.Contain("text"));
        Assert.That(result.Members, Is.Empty);
    }

    [Test]
    public void CorruptFilesGiveAClearError()
    {
        byte[] valid = Paper(5, BothContributions);

        Assert.Multiple(() =>
        {
            Assert.That(() => Check("not a pdf at all"u8.ToArray(), DocumentRules.Paper), Throws.InstanceOf<DocumentReadException>().With.Message.EqualTo("paper.pdf: not a PDF (no %PDF- header in its first bytes); export the document as PDF and upload it again"));
            Assert.That(() => Check([], DocumentRules.Paper), Throws.InstanceOf<DocumentReadException>().With.Message.EqualTo("paper.pdf: the file is empty"));
            Assert.That(() => Check(valid[..(valid.Length / 3)], DocumentRules.Paper), Throws.InstanceOf<DocumentReadException>().With.Message.StartsWith("paper.pdf: the PDF is damaged"));
            Assert.That(() => Check("%PDF-1.7\n1 0 obj << /Type /Catalog >>\n"u8.ToArray(), DocumentRules.Paper), Throws.InstanceOf<DocumentReadException>().With.Message.StartsWith("paper.pdf: the PDF is damaged"));
        });
    }

    [Test]
    public void AnEncryptedPdfSaysSo()
    {
        byte[] encrypted = PdfFactory.Encrypted(PdfFactory.Build(PdfFactory.BodyPage(1)));

        Assert.That(() => Check(encrypted, DocumentRules.Proposal), Throws.InstanceOf<DocumentReadException>().With.Message.Contains("encrypted"));
    }
}

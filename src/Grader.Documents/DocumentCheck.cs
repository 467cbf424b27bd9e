using System.Text;
using System.Text.RegularExpressions;

namespace Grader.Documents;

/// <summary>
/// The automatic checks of a project deliverable: page count (before the references for the paper), and for the paper
/// the contribution statement naming each member with the model they built. Results are hints for TAs and for
/// students before the deadline; the 5% deduction itself is the policy engine's, after a TA confirms.
/// </summary>
public static partial class DocumentCheck
{
    /// <summary>Checks the PDF in <paramref name="pdf"/> against <paramref name="rules"/>.</summary>
    /// <param name="pdf">The PDF's bytes (read to the end, not disposed).</param>
    /// <param name="rules">The deliverable's rules, e.g. <see cref="DocumentRules.Paper"/>.</param>
    /// <param name="members">The team; may be empty when the roster is not known (then members are not checked).</param>
    /// <param name="documentName">Names the document in error messages, e.g. the uploaded file name.</param>
    /// <exception cref="DocumentReadException">Not a PDF, damaged or encrypted.</exception>
    public static DocumentCheckResult Check(Stream pdf, DocumentRules rules, IReadOnlyList<TeamMember> members, string documentName = "document.pdf")
    {
        ArgumentNullException.ThrowIfNull(pdf);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(members);
        var (pages, lines) = PdfText.Read(pdf, documentName);
        return Check(pages, lines, rules, members);
    }

    internal static DocumentCheckResult Check(int totalPages, IReadOnlyList<TextLine> lines, DocumentRules rules, IReadOnlyList<TeamMember> members)
    {
        var findings = new List<DocumentFinding>();
        string what = rules.Kind == DocumentKind.Paper ? "paper" : "proposal";
        if (lines.Count == 0)
        {
            findings.Add(new DocumentFinding("text", FindingSeverity.Warning, $"No text could be read from the {what} (a scanned or image-only PDF?); a TA checks it by hand.", null));
        }

        int referencesIndex = lines.Select((line, index) => (line, index)).LastOrDefault(l => ReferencesHeading().IsMatch(l.line.Text), (null!, -1)).Item2;
        int? referencesPage = referencesIndex >= 0 ? lines[referencesIndex].Page : null;
        int countedPages = totalPages;
        if (rules.ExcludeReferences)
        {
            if (referencesPage is int page)
            {
                // A heading at the top of its page means the body ended on the page before.
                bool headingOpensPage = lines.Take(referencesIndex).Where(l => l.Page == page).All(l => PageNumberLine().IsMatch(l.Text));
                countedPages = headingOpensPage ? page - 1 : page;
                findings.Add(new DocumentFinding("references", FindingSeverity.Ok, $"The references begin on page {page}; the {countedPages} page(s) before them count toward the limit.", page));
            }
            else if (lines.Count > 0)
            {
                findings.Add(new DocumentFinding("references", FindingSeverity.Warning, $"No \"References\" or \"Bibliography\" heading was found, so all {totalPages} page(s) count toward the limit.", null));
            }
        }

        string counted = rules.ExcludeReferences ? "page(s) before the references" : "page(s)";
        findings.Add(countedPages > rules.MaxPages
            ? new DocumentFinding("page-count", FindingSeverity.Problem, $"The {what} has {countedPages} {counted}; the limit is {rules.MaxPages}: cut {countedPages - rules.MaxPages}.", rules.MaxPages + 1)
            : new DocumentFinding("page-count", FindingSeverity.Ok, $"The {what} has {countedPages} {counted}, within the limit of {rules.MaxPages}.", null));

        int? contributionsPage = null;
        var contributions = new List<MemberContribution>();
        if (rules.RequireContributions && lines.Count > 0)
        {
            contributionsPage = CheckContributions(lines, referencesIndex, members, contributions, findings);
        }

        return new DocumentCheckResult(totalPages, referencesPage, countedPages, rules.MaxPages, contributionsPage, contributions, findings);
    }

    private static int? CheckContributions(IReadOnlyList<TextLine> lines, int referencesIndex, IReadOnlyList<TeamMember> members, List<MemberContribution> contributions, List<DocumentFinding> findings)
    {
        int headingIndex = lines.Select((line, index) => (line, index)).FirstOrDefault(l => ContributionsHeading().IsMatch(l.line.Text), (null!, -1)).Item2;
        int? sectionPage = headingIndex >= 0 ? lines[headingIndex].Page : null;

        // The section runs to the references (or the end); without a heading, any sentence of the document may do.
        IEnumerable<TextLine> scope = lines;
        if (headingIndex >= 0)
        {
            int end = referencesIndex > headingIndex ? referencesIndex : lines.Count;
            string rest = ContributionsHeading().Match(lines[headingIndex].Text).Groups["rest"].Value;
            scope = lines.Skip(headingIndex + 1).Take(end - headingIndex - 1).Prepend(lines[headingIndex] with { Text = rest });
        }
        else if (referencesIndex >= 0)
        {
            scope = lines.Take(referencesIndex);
        }

        var sentences = Sentences(scope);
        foreach (var member in members)
        {
            contributions.Add(FindContribution(member, members, sentences));
        }

        bool anyNamed = contributions.Any(c => c.Named && c.Model is not null);
        if (sectionPage is null && !anyNamed)
        {
            findings.Add(new DocumentFinding("contributions", FindingSeverity.Problem, "No contribution statement was found (a \"Contributions\" section, or sentences naming each member and the model they built); the syllabus deducts 5% of the paper's marks once a TA confirms.", null));
        }
        else if (sectionPage is int page)
        {
            findings.Add(new DocumentFinding("contributions", FindingSeverity.Ok, $"A contribution statement begins on page {page}.", page));
        }
        else
        {
            findings.Add(new DocumentFinding("contributions", FindingSeverity.Warning, "No \"Contributions\" heading was found; the members' contributions were read from sentences in the text.", null));
        }

        if (sectionPage is null && !anyNamed)
        {
            return null;
        }

        foreach (var contribution in contributions)
        {
            string name = contribution.Member.Name;
            findings.Add(contribution switch
            {
                { Named: true, Model: not null } => new DocumentFinding("member-contribution", FindingSeverity.Ok, $"{name}: {contribution.Model}.", contribution.Page),
                { Named: true } => new DocumentFinding("member-contribution", FindingSeverity.Warning, $"{name} is named, but no model they built was found; state which model {name} implemented.", contribution.Page),
                _ => new DocumentFinding("member-contribution", FindingSeverity.Problem, $"{name} is not named in the contribution statement; state which model {name} implemented.", sectionPage),
            });
        }

        return sectionPage;
    }

    private static MemberContribution FindContribution(TeamMember member, IReadOnlyList<TeamMember> team, IReadOnlyList<(string Text, int Page)> sentences)
    {
        MemberContribution? namedOnly = null;
        foreach (var (text, page) in sentences)
        {
            int at = FindName(text, member);
            if (at < 0)
            {
                continue;
            }

            // From the name to the next teammate's name: "A built the CNN and B the LSTM" gives each their own clause.
            int end = team.Where(other => other != member).Select(other => FindName(text[(at + 1)..], other)).Where(i => i >= 0).Select(i => i + at + 1).DefaultIfEmpty(text.Length).Min();
            var built = BuildClause().Match(text[at..end]);
            if (built.Success && ModelWord().IsMatch(built.Groups["what"].Value))
            {
                return new MemberContribution(member, true, $"{built.Groups["verb"].Value.ToLowerInvariant()} {built.Groups["what"].Value.Trim()}", page, text);
            }

            namedOnly ??= new MemberContribution(member, true, null, page, text);
        }

        return namedOnly ?? new MemberContribution(member, false, null, null, null);
    }

    /// <summary>Where <paramref name="member"/> is named in <paramref name="text"/>: full name, family name or NetID, whole words.</summary>
    private static int FindName(string text, TeamMember member)
    {
        var parts = member.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IEnumerable<string> forms = [string.Join(' ', parts), .. parts.Length > 1 ? [parts[^1], parts[0]] : Array.Empty<string>(), .. member.NetId is null ? [] : new[] { member.NetId }];
        foreach (string form in forms.Where(f => f.Length > 1))
        {
            var match = Regex.Match(text, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(form)}(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            if (match.Success)
            {
                return match.Index;
            }
        }

        return -1;
    }

    /// <summary>The text of the lines as sentences with the page each starts on; words hyphenated across lines are rejoined.</summary>
    private static List<(string Text, int Page)> Sentences(IEnumerable<TextLine> lines)
    {
        var text = new StringBuilder();
        var pageAt = new List<(int Offset, int Page)>();
        foreach (var line in lines.Where(l => !string.IsNullOrWhiteSpace(l.Text)))
        {
            pageAt.Add((text.Length, line.Page));
            string next = line.Text.Trim();
            bool hyphenated = text.Length > 1 && text[^1] == '-' && char.IsLetter(text[^2]);
            if (hyphenated && char.IsLower(next[0]))
            {
                // "gener-" + "alises": a word broken by the typesetter.
                text.Length--;
            }
            else if (text.Length > 0 && !hyphenated)
            {
                // "ResNet-" + "50" keeps its hyphen and joins without a space.
                text.Append(' ');
            }

            text.Append(next);
        }

        string all = text.ToString();
        var sentences = new List<(string, int)>();
        int start = 0;
        foreach (Match boundary in SentenceEnd().Matches(all))
        {
            Add(start, boundary.Index);
            start = boundary.Index + boundary.Length;
        }

        Add(start, all.Length);
        return sentences;

        void Add(int from, int to)
        {
            if (to > from)
            {
                int page = pageAt.LastOrDefault(p => p.Offset <= from, pageAt.FirstOrDefault()).Page;
                sentences.Add((all[from..to].Trim(), page));
            }
        }
    }

    [GeneratedRegex(@"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)?\s*(?:References|Bibliography|Works\s+Cited|Literature\s+Cited)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ReferencesHeading();

    [GeneratedRegex(@"^\s*(?:\d+(?:\.\d+)*\.?|[IVX]+\.)?\s*(?:(?:Author|Authors'?|Individual|Team|Member)\s+)?(?:Contributions?(?:\s+Statements?)?|Statement\s+of\s+Contributions?)\s*(?:$|[:.]\s*(?<rest>.*)$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ContributionsHeading();

    [GeneratedRegex(@"^\s*(?:Page\s+)?\d+(?:\s*(?:/|of)\s*\d+)?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PageNumberLine();

    // A full stop ends a sentence unless it ends a common abbreviation ("et al.", "e.g.", "Fig.").
    [GeneratedRegex(@"(?<=[.!?])(?<!\b(?:al|e\.g|i\.e|Fig|Figs|Eq|Eqs|vs|cf|etc|Sec|No|Dr|Mr|Ms|Prof)\.)\s+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\b(?<verb>implemented|built|developed|designed|trained|created|coded|wrote|programmed|constructed|fine-tuned|was\s+responsible\s+for|worked\s+on|led)\b\s+(?<what>[^,;:.]+?)\s*(?=$|[,;:.]|\band\b|\bwhile\b|\bwhereas\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BuildClause();

    [GeneratedRegex(@"\b(?:model|models|network|networks|net|baseline|classifier|architecture|encoder|decoder|autoencoder|transformer|lstm|gru|rnn|cnn|mlp|gan|vae|u-?net|resnet|densenet|vgg|bert|vit|attention|regression|random\s+forest|svm|perceptron)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ModelWord();
}

using System.Text;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Grader.Documents.Tests.Pdf;

/// <summary>Builds the test PDFs with PdfPig's writer: each page is a list of lines, top to bottom.</summary>
internal static class PdfFactory
{
    public static byte[] Build(params IReadOnlyList<string>[] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(PageSize.A4);
            double y = 800;
            foreach (string line in lines)
            {
                page.AddText(line, 10, new PdfPoint(60, y), font);
                y -= 14;
            }
        }

        return builder.Build();
    }

    /// <summary>A page of body text: a few sentences that name nobody and no heading.</summary>
    public static string[] BodyPage(int number) =>
    [
        $"Section {number} discusses the experiments on the chest X-ray data set.",
        "We report accuracy and the area under the curve for every split of the data.",
        "The results are averaged over five seeds and shown with their standard errors.",
        $"{number}",
    ];

    public static string[] ReferencesPage =>
    [
        "References",
        "Y. LeCun, Y. Bengio and G. Hinton. Deep learning. Nature, 521:436-444, 2015.",
        "S. Hochreiter and J. Schmidhuber. Long short-term memory. Neural Computation, 1997.",
    ];

    public static string[] ContributionsPage(params string[] statements) =>
    [
        "We conclude that the recurrent model generalises best on held-out patients.",
        "Contributions",
        .. statements,
        "Both authors wrote the paper.",
    ];

    /// <summary>The same PDF with an encryption dictionary in its trailer, as a password-protected export has.</summary>
    public static byte[] Encrypted(byte[] pdf)
    {
        string text = Encoding.Latin1.GetString(pdf);
        int trailer = text.LastIndexOf("trailer", StringComparison.Ordinal);
        int open = text.IndexOf("<<", trailer, StringComparison.Ordinal);
        string owner = new('A', 64), user = new('B', 64);
        string encrypt = $"<< /Encrypt << /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <{owner}> /U <{user}> >> ";
        return Encoding.Latin1.GetBytes(text[..open] + encrypt + text[(open + 2)..]);
    }
}

using UglyToad.PdfPig;
using UglyToad.PdfPig.Exceptions;

namespace Grader.Documents;

/// <summary>One line of text on a page, rebuilt from PdfPig's words by their baseline.</summary>
internal sealed record TextLine(int Page, string Text);

/// <summary>Opens PDFs safely and reads their text as lines per page.</summary>
internal static class PdfText
{
    /// <summary>Documents larger than this are not homework deliverables (and would be slow to parse).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>The pages' text lines in reading order (top to bottom, left to right) and the page count.</summary>
    /// <exception cref="DocumentReadException">Not a PDF, damaged, encrypted or too large; the message names <paramref name="name"/>.</exception>
    public static (int Pages, IReadOnlyList<TextLine> Lines) Read(Stream pdf, string name)
    {
        byte[] bytes = ReadAll(pdf, name);
        int headerAt = bytes.AsSpan(0, Math.Min(bytes.Length, 1024)).IndexOf("%PDF-"u8);
        if (headerAt < 0)
        {
            throw new DocumentReadException($"{name}: not a PDF (no %PDF- header in its first bytes); export the document as PDF and upload it again");
        }

        try
        {
            using var document = PdfDocument.Open(bytes);
            var lines = new List<TextLine>();
            for (int page = 1; page <= document.NumberOfPages; page++)
            {
                lines.AddRange(PageLines(document, page));
            }

            return (document.NumberOfPages, lines);
        }
        catch (PdfDocumentEncryptedException error)
        {
            throw new DocumentReadException($"{name}: the PDF is encrypted (password-protected); export it again without a password", error);
        }
#pragma warning disable CA1031 // PdfPig throws many types on damaged files; every one becomes the same clear message.
        catch (Exception error) when (error is not DocumentReadException and not OutOfMemoryException)
#pragma warning restore CA1031
        {
            throw new DocumentReadException($"{name}: the PDF is damaged and cannot be read ({error.Message}); export it again", error);
        }
    }

    private static byte[] ReadAll(Stream pdf, string name)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = pdf.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new DocumentReadException($"{name}: larger than {MaxBytes / (1024 * 1024)} MiB; compress the figures and upload it again");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            throw new DocumentReadException($"{name}: the file is empty");
        }

        return buffer.ToArray();
    }

    /// <summary>Groups a page's words into lines: words whose baselines differ by less than half their height share a line.</summary>
    private static IEnumerable<TextLine> PageLines(PdfDocument document, int pageNumber)
    {
        var page = document.GetPage(pageNumber);
        var words = page.GetWords().Where(w => !string.IsNullOrWhiteSpace(w.Text)).OrderByDescending(w => w.BoundingBox.Bottom).ThenBy(w => w.BoundingBox.Left).ToList();
        var current = new List<UglyToad.PdfPig.Content.Word>();
        double baseline = double.NaN;
        foreach (var word in words)
        {
            double tolerance = Math.Max(1.0, word.BoundingBox.Height / 2);
            if (current.Count > 0 && Math.Abs(word.BoundingBox.Bottom - baseline) > tolerance)
            {
                yield return Line(pageNumber, current);
                current.Clear();
            }

            if (current.Count == 0)
            {
                baseline = word.BoundingBox.Bottom;
            }

            current.Add(word);
        }

        if (current.Count > 0)
        {
            yield return Line(pageNumber, current);
        }
    }

    private static TextLine Line(int page, List<UglyToad.PdfPig.Content.Word> words)
        => new(page, string.Join(' ', words.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)));
}

using System.Globalization;
using System.Net;
using System.Text;
using Grader.Data.Grading;
using Grader.Web.Grading;

namespace Grader.Web.Pages;

/// <summary>A histogram as inline SVG, drawn on the server (no script); its title states every count for screen readers.</summary>
public static class HistogramSvg
{
    private const int Width = 320;
    private const int Height = 140;
    private const int AxisHeight = 18;
    private const int TopMargin = 14;

    /// <param name="unit">What is counted, plural: "submissions".</param>
    public static string Render(Histogram histogram, string id, string unit)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        string description = histogram.Describe(unit);
        int tallest = Math.Max(1, histogram.Bins.Max(b => b.Count));
        double barWidth = (double)Width / histogram.Bins.Count;
        double plotHeight = Height - AxisHeight - TopMargin;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{Encode(id)}\" class=\"histogram\" role=\"img\" aria-labelledby=\"{Encode(id)}-title\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" data-counts=\"{string.Join(',', histogram.Bins.Select(b => b.Count))}\" data-pending=\"{histogram.Pending}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"{Encode(id)}-title\">{Encode(description)}</title>");
        for (int i = 0; i < histogram.Bins.Count; i++)
        {
            var bin = histogram.Bins[i];
            double barHeight = plotHeight * bin.Count / tallest;
            double x = i * barWidth;
            double y = TopMargin + plotHeight - barHeight;
            svg.Append(CultureInfo.InvariantCulture, $"<g><title>{Encode($"{bin.Label} points: {bin.Count} {unit}")}</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x + 1:0.#}\" y=\"{y:0.#}\" width=\"{barWidth - 2:0.#}\" height=\"{barHeight:0.#}\" fill=\"#4a6fa5\"/>");
            if (bin.Count > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (barWidth / 2):0.#}\" y=\"{y - 2:0.#}\" font-size=\"10\" text-anchor=\"middle\">{bin.Count}</text>");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + (barWidth / 2):0.#}\" y=\"{Height - 5}\" font-size=\"8\" text-anchor=\"middle\">{Encode(bin.Label)}</text></g>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{Height - AxisHeight}\" x2=\"{Width}\" y2=\"{Height - AxisHeight}\" stroke=\"#333\"/></svg>");
        return svg.ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

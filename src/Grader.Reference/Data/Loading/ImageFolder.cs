using System.Globalization;
using static TorchSharp.torch;

namespace Grader.Reference.Data.Loading;

/// <summary>
/// An instructor's own image data: a folder of PNGs and a CSV that labels them (header <c>file,label</c>; the file
/// name is relative to the folder; labels are class indices 0, 1, ...).
/// </summary>
public static class ImageFolder
{
    /// <summary>
    /// Images float32 [count, channels, height, width] scaled to [0, 1], labels int64 [count], in CSV order.
    /// Every image must have the size and channel count of the first.
    /// </summary>
    /// <exception cref="DataFormatException">a bad row, a missing or unreadable image, or mismatched sizes; the message names the file, line and field.</exception>
    public static LabelledSet Load(string folder, string labelsFileName = "labels.csv")
    {
        var csvPath = Path.Combine(folder, labelsFileName);
        if (!File.Exists(csvPath))
        {
            throw new DataFormatException($"{csvPath}: labels file not found");
        }

        var lines = File.ReadAllLines(csvPath);
        var header = lines.Length > 0 ? lines[0].Split(',').Select(field => field.Trim().ToLowerInvariant()).ToArray() : [];
        var (fileColumn, labelColumn) = (Array.IndexOf(header, "file"), Array.IndexOf(header, "label"));
        if (fileColumn < 0 || labelColumn < 0)
        {
            throw new DataFormatException($"{csvPath} line 1: the header must name the columns 'file' and 'label'");
        }

        var images = new List<PngImage>();
        var labels = new List<long>();
        for (var index = 1; index < lines.Length; index++)
        {
            if (string.IsNullOrWhiteSpace(lines[index]))
            {
                continue;
            }

            var lineNumber = index + 1;
            var fields = lines[index].Split(',');
            if (fields.Length != header.Length)
            {
                throw new DataFormatException($"{csvPath} line {lineNumber}: {fields.Length} fields, the header has {header.Length}");
            }

            var labelText = fields[labelColumn].Trim();
            if (!long.TryParse(labelText, NumberStyles.None, CultureInfo.InvariantCulture, out var label))
            {
                throw new DataFormatException($"{csvPath} line {lineNumber}, field 'label': '{labelText}' is not a class index (0, 1, ...)");
            }

            var fileName = fields[fileColumn].Trim();
            var imagePath = Path.GetFullPath(Path.Combine(folder, fileName));
            if (!imagePath.StartsWith(Path.GetFullPath(folder) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new DataFormatException($"{csvPath} line {lineNumber}, field 'file': '{fileName}' points outside the data folder");
            }

            if (!File.Exists(imagePath))
            {
                throw new DataFormatException($"{csvPath} line {lineNumber}, field 'file': '{fileName}' does not exist");
            }

            var image = PngReader.Read(imagePath);
            if (images.Count > 0 && (image.Width, image.Height, image.Channels) != (images[0].Width, images[0].Height, images[0].Channels))
            {
                throw new DataFormatException($"{csvPath} line {lineNumber}, field 'file': '{fileName}' is {Describe(image)}, the first image is {Describe(images[0])}");
            }

            images.Add(image);
            labels.Add(label);
        }

        if (images.Count == 0)
        {
            throw new DataFormatException($"{csvPath}: no rows after the header");
        }

        var first = images[0];
        var pixels = images.SelectMany(image => image.Pixels).ToArray();
        var inputs = tensor(pixels, [images.Count, first.Height, first.Width, first.Channels]).permute(0, 3, 1, 2).to(ScalarType.Float32) / 255;
        return new LabelledSet(inputs.contiguous(), tensor(labels.ToArray()), (int)labels.Max() + 1);
    }

    private static string Describe(PngImage image) => $"{image.Width}×{image.Height} with {image.Channels} channel(s)";
}

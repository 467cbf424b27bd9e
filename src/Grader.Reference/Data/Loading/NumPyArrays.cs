using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Grader.Reference.Data.Loading;

/// <summary>
/// Reads NumPy <c>.npy</c> arrays and <c>.npz</c> archives (a zip of .npy files, stored or deflated), the form
/// MedMNIST distributes: little-endian bool, uint8, int8, int16, int32, int64, float32 and float64, C or Fortran order.
/// </summary>
public static partial class NumPyArrays
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The array in the .npy file at <paramref name="path"/>, as a CPU tensor of the matching dtype.</summary>
    public static Tensor ReadNpy(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadNpy(stream, path);
    }

    /// <summary>An array from a .npy stream; <paramref name="source"/> names it in errors.</summary>
    public static Tensor ReadNpy(Stream stream, string source)
    {
        using var reader = new BinaryReader(stream, Encoding.Latin1, leaveOpen: true);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            throw new DataFormatException($"{source}: not a .npy file (magic string missing)");
        }

        var major = reader.ReadByte();
        _ = reader.ReadByte();
        var headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.Latin1.GetString(reader.ReadBytes(headerLength));
        var descr = Field(DescrPattern(), header, "descr", source);
        var fortranOrder = Field(FortranPattern(), header, "fortran_order", source) == "True";
        var shapeText = Field(ShapePattern(), header, "shape", source);
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(dimension => long.Parse(dimension, CultureInfo.InvariantCulture)).ToArray();
        var count = shape.Aggregate(1L, (product, dimension) => product * dimension);

        if (descr.StartsWith('>') && descr[1..] is not "u1" and not "i1" and not "b1")
        {
            throw new DataFormatException($"{source}: big-endian dtype '{descr}' is not supported; save with a little-endian dtype");
        }

        var (elementSize, create) = descr[1..] switch
        {
            "b1" => (1, (Func<byte[], Tensor>)(bytes => tensor(bytes).to(ScalarType.Bool))),
            "u1" => (1, bytes => tensor(bytes)),
            "i1" => (1, bytes => tensor(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray())),
            "i2" => (2, bytes => tensor(MemoryMarshal.Cast<byte, short>(bytes).ToArray())),
            "i4" => (4, bytes => tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray())),
            "i8" => (8, bytes => tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray())),
            "f4" => (4, bytes => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray())),
            "f8" => (8, bytes => tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray())),
            _ => throw new DataFormatException($"{source}: dtype '{descr}' is not supported (bool, uint8, int8-64, float32/64 are)"),
        };

        var data = reader.ReadBytes(checked((int)(count * elementSize)));
        if (data.Length < count * elementSize)
        {
            throw new DataFormatException($"{source}: holds {data.Length} bytes of data, shape ({shapeText}) needs {count * elementSize}");
        }

        var flat = create(data);
        // Fortran order stores the transpose contiguously: read it with the shape reversed, then reverse the axes.
        return fortranOrder && shape.Length > 1
            ? flat.reshape([.. shape.Reverse()]).permute([.. Enumerable.Range(0, shape.Length).Reverse().Select(axis => (long)axis)]).contiguous()
            : flat.reshape(shape);
    }

    /// <summary>Every array in the .npz archive at <paramref name="path"/>, by name without the .npy extension.</summary>
    public static IReadOnlyDictionary<string, Tensor> ReadNpz(string path)
    {
        using var archive = ZipFile.OpenRead(path);
        var arrays = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries.Where(entry => entry.FullName.EndsWith(".npy", StringComparison.Ordinal)))
        {
            using var entryStream = entry.Open();
            using var buffered = new MemoryStream();
            entryStream.CopyTo(buffered);
            buffered.Position = 0;
            arrays[entry.FullName[..^4]] = ReadNpy(buffered, $"{path}:{entry.FullName}");
        }

        return arrays;
    }

    /// <summary>
    /// One split of a MedMNIST-style archive: <c>{split}_images</c> uint8 [N, H, W] or [N, H, W, C] and
    /// <c>{split}_labels</c> [N] or [N, 1]. Images become float32 [N, C, H, W] in [0, 1], labels int64 [N].
    /// </summary>
    public static LabelledSet ReadMedMnistSplit(string npzPath, string split)
    {
        var arrays = ReadNpz(npzPath);
        var (imagesKey, labelsKey) = ($"{split}_images", $"{split}_labels");
        if (!arrays.TryGetValue(imagesKey, out var images) || !arrays.TryGetValue(labelsKey, out var labels))
        {
            throw new DataFormatException($"{npzPath}: needs arrays '{imagesKey}' and '{labelsKey}'; it has {string.Join(", ", arrays.Keys.Order(StringComparer.Ordinal))}");
        }

        if (images.dim() is not (3 or 4) || labels.shape[0] != images.shape[0] || labels.numel() != labels.shape[0])
        {
            throw new DataFormatException($"{npzPath}: '{imagesKey}' is [{string.Join(", ", images.shape)}] and '{labelsKey}' is [{string.Join(", ", labels.shape)}]; expected [N, H, W(, C)] and [N] or [N, 1]");
        }

        var channelsFirst = images.dim() == 3 ? images.unsqueeze(1) : images.permute(0, 3, 1, 2);
        var scaled = channelsFirst.to(ScalarType.Float32) / (images.dtype == ScalarType.Byte ? 255f : 1f);
        var flatLabels = labels.reshape(-1).to(ScalarType.Int64);
        return new LabelledSet(scaled.contiguous(), flatLabels, (int)flatLabels.max().item<long>() + 1);
    }

    private static string Field(Regex pattern, string header, string name, string source)
    {
        var match = pattern.Match(header);
        return match.Success ? match.Groups[1].Value : throw new DataFormatException($"{source}: header has no readable '{name}' ({header.Trim()})");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([<>|=][a-z]\d+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}

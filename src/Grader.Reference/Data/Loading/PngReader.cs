using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Grader.Reference.Data.Loading;

/// <summary>A decoded image: <see cref="Pixels"/> holds Height·Width·Channels bytes, row by row, channels interleaved.</summary>
public sealed record PngImage(int Width, int Height, int Channels, byte[] Pixels);

/// <summary>
/// Reads the PNG images medical data sets usually come as: 8-bit grey, grey+alpha, RGB or RGBA, non-interlaced, all
/// five row filters. Anything else (palettes, 16-bit, interlacing) is refused with a message that says so.
/// </summary>
public static class PngReader
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes the PNG file at <paramref name="path"/>.</summary>
    public static PngImage Read(string path)
    {
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Decodes a PNG from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static PngImage Read(Stream stream, string source)
    {
        using var reader = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        if (!reader.ReadBytes(Signature.Length).AsSpan().SequenceEqual(Signature))
        {
            throw new DataFormatException($"{source}: not a PNG file (signature missing)");
        }

        int width = 0, height = 0, channels = 0;
        using var compressed = new MemoryStream();
        while (true)
        {
            var header = reader.ReadBytes(8);
            if (header.Length < 8)
            {
                throw new DataFormatException($"{source}: truncated before the IEND chunk");
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var type = Encoding.ASCII.GetString(header, 4, 4);
            var data = reader.ReadBytes(length);
            var storedCrc = reader.ReadBytes(4);
            if (data.Length < length || storedCrc.Length < 4)
            {
                throw new DataFormatException($"{source}: chunk {type} is truncated");
            }

            if (Crc32(header.AsSpan(4, 4), data) != BinaryPrimitives.ReadUInt32BigEndian(storedCrc))
            {
                throw new DataFormatException($"{source}: chunk {type} fails its CRC check (corrupted file)");
            }

            switch (type)
            {
                case "IHDR":
                    (width, height, channels) = ParseHeader(data, source);
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                case "IEND":
                    if (channels == 0)
                    {
                        throw new DataFormatException($"{source}: no IHDR chunk");
                    }

                    return new PngImage(width, height, channels, Unfilter(compressed.ToArray(), width, height, channels, source));
                default:
                    break; // Ancillary chunks (text, gamma, ...) do not change the pixels we read.
            }
        }
    }

    private static (int Width, int Height, int Channels) ParseHeader(byte[] data, string source)
    {
        var width = BinaryPrimitives.ReadInt32BigEndian(data);
        var height = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        var (bitDepth, colourType, interlace) = (data[8], data[9], data[12]);
        if (bitDepth != 8)
        {
            throw new DataFormatException($"{source}: bit depth {bitDepth} is not supported; save 8-bit images");
        }

        if (interlace != 0)
        {
            throw new DataFormatException($"{source}: interlaced PNGs are not supported; save non-interlaced images");
        }

        var channels = colourType switch
        {
            0 => 1,
            4 => 2,
            2 => 3,
            6 => 4,
            _ => throw new DataFormatException($"{source}: colour type {colourType} (palette) is not supported; save grey or RGB images"),
        };
        return (width, height, channels);
    }

    private static byte[] Unfilter(byte[] compressed, int width, int height, int channels, string source)
    {
        var stride = width * channels;
        var raw = new byte[(stride + 1) * height];
        using (var inflater = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress))
        {
            var read = 0;
            int count;
            while (read < raw.Length && (count = inflater.Read(raw, read, raw.Length - read)) > 0)
            {
                read += count;
            }

            if (read < raw.Length)
            {
                throw new DataFormatException($"{source}: image data ends after {read} of {raw.Length} bytes");
            }
        }

        var pixels = new byte[stride * height];
        for (var row = 0; row < height; row++)
        {
            var filter = raw[row * (stride + 1)];
            var line = raw.AsSpan((row * (stride + 1)) + 1, stride);
            var output = pixels.AsSpan(row * stride, stride);
            var previous = row > 0 ? pixels.AsSpan((row - 1) * stride, stride) : new byte[stride];
            for (var x = 0; x < stride; x++)
            {
                var left = x >= channels ? output[x - channels] : 0;
                var up = previous[x];
                var upLeft = x >= channels ? previous[x - channels] : 0;
                var predictor = filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new DataFormatException($"{source}: row {row} has unknown filter type {filter}"),
                };
                output[x] = (byte)(line[x] + predictor);
            }
        }

        return pixels;
    }

    private static int Paeth(int left, int up, int upLeft)
    {
        var estimate = left + up - upLeft;
        var (toLeft, toUp, toUpLeft) = (Math.Abs(estimate - left), Math.Abs(estimate - up), Math.Abs(estimate - upLeft));
        return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
    }

    private static uint Crc32(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var part in new[] { type.ToArray(), data.ToArray() })
        {
            foreach (var value in part)
            {
                crc ^= value;
                for (var bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
                }
            }
        }

        return ~crc;
    }
}

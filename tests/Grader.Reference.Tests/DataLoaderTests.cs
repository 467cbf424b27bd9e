using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Grader.Reference.Data.Loading;
using static TorchSharp.torch;

namespace Grader.Reference.Tests;

/// <summary>Loading instructors' own data: PNG folders with a CSV of labels, NumPy .npy and .npz (MedMNIST layout), on files the tests write.</summary>
public class DataLoaderTests
{
    private string folder = "";

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("grader-data-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4)]
    public void PngReaderUndoesEveryRowFilter(int channels)
    {
        // 5 rows, so each of the five filter types is used once; values chosen to wrap around 255.
        var (width, height) = (7, 5);
        var pixels = Enumerable.Range(0, width * height * channels).Select(index => (byte)((index * 37) + (index / 3 * 101))).ToArray();
        var path = Path.Combine(folder, "image.png");
        File.WriteAllBytes(path, TestPng.Encode(width, height, channels, pixels));

        var image = PngReader.Read(path);

        Assert.That((image.Width, image.Height, image.Channels), Is.EqualTo((width, height, channels)));
        Assert.That(image.Pixels, Is.EqualTo(pixels));
    }

    [Test]
    public void PngReaderRefusesCorruptedAndUnsupportedFiles()
    {
        var path = Path.Combine(folder, "bad.png");
        var bytes = TestPng.Encode(2, 2, 1, [1, 2, 3, 4]);
        bytes[^20] ^= 0xFF; // inside the IDAT chunk
        File.WriteAllBytes(path, bytes);
        Assert.That(() => PngReader.Read(path), Throws.TypeOf<DataFormatException>().With.Message.Contains("bad.png").And.Message.Contains("CRC"));

        File.WriteAllText(path, "GIF89a");
        Assert.That(() => PngReader.Read(path), Throws.TypeOf<DataFormatException>().With.Message.Contains("not a PNG"));
    }

    [Test]
    public void ImageFolderLoadsImagesInCsvOrderScaledToUnitRange()
    {
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestPng.Encode(3, 2, 1, [0, 51, 102, 153, 204, 255]));
        File.WriteAllBytes(Path.Combine(folder, "b.png"), TestPng.Encode(3, 2, 1, [255, 255, 255, 0, 0, 0]));
        File.WriteAllText(Path.Combine(folder, "labels.csv"), "file,label\nb.png,1\na.png,0\n");
        using var scope = NewDisposeScope();

        var set = Data.Loading.ImageFolder.Load(folder);

        Assert.That(set.Inputs.shape, Is.EqualTo(new long[] { 2, 1, 2, 3 }));
        Assert.That(set.Labels.data<long>().ToArray(), Is.EqualTo(new long[] { 1, 0 }));
        Assert.That(set.Inputs[1].flatten().data<float>().ToArray(), Is.EqualTo(new[] { 0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f }).Within(1e-6f));
        Assert.That(set.ClassCount, Is.EqualTo(2));
    }

    [TestCase("file,label\na.png,x\n", "labels.csv line 2, field 'label': 'x' is not a class index")]
    [TestCase("file,label\na.png,0\nmissing.png,1\n", "labels.csv line 3, field 'file': 'missing.png' does not exist")]
    [TestCase("file,label\na.png,0\nwide.png,1\n", "labels.csv line 3, field 'file': 'wide.png' is 4×2")]
    [TestCase("file,label\n../a.png,0\n", "points outside the data folder")]
    [TestCase("name,class\na.png,0\n", "labels.csv line 1: the header must name")]
    public void ImageFolderNamesTheLineAndFieldOfABadRow(string csv, string expected)
    {
        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestPng.Encode(3, 2, 1, new byte[6]));
        File.WriteAllBytes(Path.Combine(folder, "wide.png"), TestPng.Encode(4, 2, 1, new byte[8]));
        File.WriteAllText(Path.Combine(folder, "labels.csv"), csv);

        Assert.That(() => Data.Loading.ImageFolder.Load(folder), Throws.TypeOf<DataFormatException>().With.Message.Contains(expected));
    }

    [Test]
    public void NpyReaderReadsFloatIntegerAndFortranOrderArrays()
    {
        using var scope = NewDisposeScope();
        var floats = Path.Combine(folder, "floats.npy");
        File.WriteAllBytes(floats, TestNpy.Encode("<f4", false, [2, 3], MemoryBytes(new[] { 1f, 2f, 3f, 4f, 5f, 6.5f })));
        var longs = Path.Combine(folder, "longs.npy");
        File.WriteAllBytes(longs, TestNpy.Encode("<i8", false, [3], MemoryBytes(new[] { -1L, 0L, long.MaxValue })));
        var fortran = Path.Combine(folder, "fortran.npy");
        // [[1, 2, 3], [4, 5, 6]] stored column by column.
        File.WriteAllBytes(fortran, TestNpy.Encode("|u1", true, [2, 3], [1, 4, 2, 5, 3, 6]));

        var floatArray = NumPyArrays.ReadNpy(floats);
        Assert.That((floatArray.dtype, floatArray.shape), Is.EqualTo((ScalarType.Float32, new long[] { 2, 3 })));
        Assert.That(floatArray[1, 2].item<float>(), Is.EqualTo(6.5f));
        Assert.That(NumPyArrays.ReadNpy(longs).data<long>().ToArray(), Is.EqualTo(new[] { -1L, 0L, long.MaxValue }));
        Assert.That(NumPyArrays.ReadNpy(fortran).flatten().data<byte>().ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6 }));
    }

    [Test]
    public void NpyReaderRefusesUnsupportedDtypesAndShortFiles()
    {
        var path = Path.Combine(folder, "strings.npy");
        File.WriteAllBytes(path, TestNpy.Encode("<U3", false, [1], new byte[12]));
        Assert.That(() => NumPyArrays.ReadNpy(path), Throws.TypeOf<DataFormatException>().With.Message.Contains("strings.npy").And.Message.Contains("descr"));

        File.WriteAllBytes(path, TestNpy.Encode("<f8", false, [4], new byte[8]));
        Assert.That(() => NumPyArrays.ReadNpy(path), Throws.TypeOf<DataFormatException>().With.Message.Contains("needs 32"));
    }

    [Test]
    public void MedMnistArchiveSplitBecomesChannelsFirstImagesAndFlatLabels()
    {
        var path = Path.Combine(folder, "pathmnist.npz");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            Add(archive, "train_images.npy", TestNpy.Encode("|u1", false, [2, 2, 2, 3], [.. Enumerable.Range(0, 24).Select(value => (byte)(value * 10))]));
            Add(archive, "train_labels.npy", TestNpy.Encode("|u1", false, [2, 1], [4, 1]));
            Add(archive, "test_images.npy", TestNpy.Encode("|u1", false, [1, 2, 2, 3], new byte[12]));
        }

        using var scope = NewDisposeScope();
        var train = NumPyArrays.ReadMedMnistSplit(path, "train");

        Assert.That(train.Inputs.shape, Is.EqualTo(new long[] { 2, 3, 2, 2 }));
        Assert.That(train.Inputs[0, 1, 0, 1].item<float>(), Is.EqualTo(40f / 255).Within(1e-6f), "pixel (0, 1), channel 1 of image 0 is element 4");
        Assert.That(train.Labels.data<long>().ToArray(), Is.EqualTo(new long[] { 4, 1 }));
        Assert.That(() => NumPyArrays.ReadMedMnistSplit(path, "test"), Throws.TypeOf<DataFormatException>().With.Message.Contains("'test_labels'"));
    }

    private static void Add(ZipArchive archive, string name, byte[] content)
    {
        using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
        stream.Write(content);
    }

    private static byte[] MemoryBytes<T>(T[] values) where T : struct => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>A minimal PNG writer, independent of the reader: row r uses filter r mod 5.</summary>
    private static class TestPng
    {
        public static byte[] Encode(int width, int height, int channels, byte[] pixels)
        {
            var stride = width * channels;
            var filtered = new List<byte>();
            for (var row = 0; row < height; row++)
            {
                var filter = row % 5;
                filtered.Add((byte)filter);
                for (var x = 0; x < stride; x++)
                {
                    int At(int r, int c) => r < 0 || c < 0 ? 0 : pixels[(r * stride) + c];
                    var (left, up, upLeft) = (At(row, x - channels), At(row - 1, x), At(row - 1, x - channels));
                    var p = left + up - upLeft;
                    var paeth = Math.Abs(p - left) <= Math.Abs(p - up) && Math.Abs(p - left) <= Math.Abs(p - upLeft) ? left : Math.Abs(p - up) <= Math.Abs(p - upLeft) ? up : upLeft;
                    var predictor = filter switch { 0 => 0, 1 => left, 2 => up, 3 => (left + up) / 2, _ => paeth };
                    filtered.Add((byte)(pixels[(row * stride) + x] - predictor));
                }
            }

            using var compressed = new MemoryStream();
            using (var deflater = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflater.Write(filtered.ToArray());
            }

            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
            header[8] = 8;
            header[9] = channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
            using var png = new MemoryStream();
            png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
            Chunk(png, "IHDR", header);
            Chunk(png, "tEXt", Encoding.ASCII.GetBytes("Comment\0test image"));
            Chunk(png, "IDAT", compressed.ToArray());
            Chunk(png, "IEND", []);
            return png.ToArray();
        }

        private static void Chunk(Stream png, string type, byte[] data)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            png.Write(length);
            var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
            png.Write(typed);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Crc(typed));
            png.Write(crc);
        }

        private static uint Crc(byte[] bytes)
        {
            var crc = uint.MaxValue;
            foreach (var value in bytes)
            {
                crc ^= value;
                for (var bit = 0; bit < 8; bit++)
                {
                    crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
                }
            }

            return ~crc;
        }
    }

    /// <summary>A minimal .npy (version 1.0) writer.</summary>
    private static class TestNpy
    {
        public static byte[] Encode(string descr, bool fortranOrder, long[] shape, byte[] data)
        {
            var shapeText = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
            var header = $"{{'descr': '{descr}', 'fortran_order': {(fortranOrder ? "True" : "False")}, 'shape': ({shapeText}), }}";
            header = header.PadRight(((header.Length + 10 + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
            using var npy = new MemoryStream();
            npy.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            npy.Write(length);
            npy.Write(Encoding.Latin1.GetBytes(header));
            npy.Write(data);
            return npy.ToArray();
        }
    }
}

namespace Grader.Web.Tests.Similarity;

/// <summary>
/// C# handed in for HW2 by the test's students: one student's own work, a classmate's renamed and reordered copy of
/// it, two solutions written independently, and two hand-ins that are the starter with a few lines of their own.
/// </summary>
internal static class Hw2Sources
{
    public const string Original = """
        using System;

        public static class ConvolutionByHand
        {
            public static double[,] Convolve(double[,] image, double[,] kernel, int stride, int padding)
            {
                int height = image.GetLength(0);
                int width = image.GetLength(1);
                int kernelHeight = kernel.GetLength(0);
                int kernelWidth = kernel.GetLength(1);
                int outHeight = (height + 2 * padding - kernelHeight) / stride + 1;
                int outWidth = (width + 2 * padding - kernelWidth) / stride + 1;
                var output = new double[outHeight, outWidth];
                for (int row = 0; row < outHeight; row++)
                {
                    for (int column = 0; column < outWidth; column++)
                    {
                        double sum = 0;
                        for (int dy = 0; dy < kernelHeight; dy++)
                        {
                            for (int dx = 0; dx < kernelWidth; dx++)
                            {
                                int y = row * stride + dy - padding;
                                int x = column * stride + dx - padding;
                                if (y >= 0 && y < height && x >= 0 && x < width)
                                {
                                    sum += image[y, x] * kernel[dy, dx];
                                }
                            }
                        }

                        output[row, column] = sum;
                    }
                }

                return output;
            }

            public static double[,] MaxPool(double[,] input, int size)
            {
                int outHeight = input.GetLength(0) / size;
                int outWidth = input.GetLength(1) / size;
                var output = new double[outHeight, outWidth];
                for (int row = 0; row < outHeight; row++)
                {
                    for (int column = 0; column < outWidth; column++)
                    {
                        double best = double.NegativeInfinity;
                        for (int dy = 0; dy < size; dy++)
                        {
                            for (int dx = 0; dx < size; dx++)
                            {
                                best = Math.Max(best, input[row * size + dy, column * size + dx]);
                            }
                        }

                        output[row, column] = best;
                    }
                }

                return output;
            }

            public static double[,] Relu(double[,] input)
            {
                var output = (double[,])input.Clone();
                for (int row = 0; row < output.GetLength(0); row++)
                {
                    for (int column = 0; column < output.GetLength(1); column++)
                    {
                        output[row, column] = Math.Max(0, output[row, column]);
                    }
                }

                return output;
            }
        }
        """;

    /// <summary><see cref="Original"/> with every name changed, other literals, comments added and the methods in another order.</summary>
    public const string RenamedAndReordered = """
        using System;

        // HW2 part 1 -- written by me
        public static class MyLayers
        {
            // rectifier
            public static double[,] Rectify(double[,] m)
            {
                var res = (double[,])m.Clone();
                for (int i = 0; i < res.GetLength(0); i++)
                {
                    for (int j = 0; j < res.GetLength(0); j++)
                    {
                        res[i, j] = Math.Max(0.0, res[i, j]);
                    }
                }

                return res;
            }

            // sliding window of the kernel over the picture
            public static double[,] Conv(double[,] pic, double[,] w, int s, int pad)
            {
                int h = pic.GetLength(0);
                int wd = pic.GetLength(1);
                int kh = w.GetLength(0);
                int kw = w.GetLength(1);
                int oh = (h + 2 * pad - kh) / s + 1;
                int ow = (wd + 2 * pad - kw) / s + 1;
                var res = new double[oh, ow];
                for (int i = 0; i < oh; i++)
                {
                    for (int j = 0; j < ow; j++)
                    {
                        double acc = 0.0;
                        for (int a = 0; a < kh; a++)
                        {
                            for (int b = 0; b < kw; b++)
                            {
                                int r = i * s + a - pad;
                                int c = j * s + b - pad;
                                if (r >= 0 && r < h && c >= 0 && c < wd)
                                {
                                    acc += pic[r, c] * w[a, b];
                                }
                            }
                        }

                        res[i, j] = acc;
                    }
                }

                return res;
            }

            // 2x2 pooling, biggest value wins
            public static double[,] Pool(double[,] m, int k)
            {
                int oh = m.GetLength(0) / k;
                int ow = m.GetLength(1) / k;
                var res = new double[oh, ow];
                for (int i = 0; i < oh; i++)
                {
                    for (int j = 0; j < ow; j++)
                    {
                        double top = double.MinValue;
                        for (int a = 0; a < k; a++)
                        {
                            for (int b = 0; b < k; b++)
                            {
                                top = Math.Max(top, m[i * k + a, j * k + b]);
                            }
                        }

                        res[i, j] = top;
                    }
                }

                return res;
            }
        }
        """;

    /// <summary>The same task solved independently: jagged arrays, LINQ, an explicit padding step.</summary>
    public const string IndependentFunctional = """
        using System;
        using System.Collections.Generic;
        using System.Linq;

        public sealed class FeatureMaps
        {
            private readonly double[][] kernel;

            public FeatureMaps(double[][] kernel) => this.kernel = kernel;

            public double[][] Apply(double[][] image, int stride)
            {
                int size = kernel.Length;
                double[][] padded = Pad(image, size / 2);
                int rows = (padded.Length - size) / stride + 1;
                int columns = (padded[0].Length - size) / stride + 1;
                return Enumerable.Range(0, rows)
                    .Select(r => Enumerable.Range(0, columns)
                        .Select(c => Window(padded, r * stride, c * stride, size).Zip(kernel.SelectMany(line => line), (a, b) => a * b).Sum())
                        .ToArray())
                    .ToArray();
            }

            public static double[][] Pool(double[][] map, int size) =>
                Enumerable.Range(0, map.Length / size)
                    .Select(r => Enumerable.Range(0, map[0].Length / size).Select(c => Window(map, r * size, c * size, size).Max()).ToArray())
                    .ToArray();

            public static double[][] Activate(double[][] map) => map.Select(line => line.Select(v => v > 0 ? v : 0).ToArray()).ToArray();

            private static IEnumerable<double> Window(double[][] image, int top, int left, int size) =>
                image.Skip(top).Take(size).SelectMany(line => line.Skip(left).Take(size));

            private static double[][] Pad(double[][] image, int border)
            {
                int width = image[0].Length + 2 * border;
                var blank = new double[width];
                var middle = image.Select(line => new double[border].Concat(line).Concat(new double[border]).ToArray());
                return Enumerable.Repeat(blank, border).Concat(middle).Concat(Enumerable.Repeat(blank, border)).ToArray();
            }
        }
        """;

    /// <summary>The same task solved independently again: a flat buffer with its own indexing, while loops, a struct.</summary>
    public const string IndependentFlat = """
        using System;

        public struct Plane
        {
            public int Rows;
            public int Cols;
            public float[] Cells;

            public Plane(int rows, int cols)
            {
                Rows = rows;
                Cols = cols;
                Cells = new float[rows * cols];
            }

            public float this[int r, int c]
            {
                get => r < 0 || c < 0 || r >= Rows || c >= Cols ? 0f : Cells[r * Cols + c];
                set => Cells[r * Cols + c] = value;
            }
        }

        public static class Cnn
        {
            public static Plane Correlate(Plane source, Plane filter, int step, int margin)
            {
                var result = new Plane((source.Rows + 2 * margin - filter.Rows) / step + 1, (source.Cols + 2 * margin - filter.Cols) / step + 1);
                int index = 0;
                while (index < result.Cells.Length)
                {
                    int r = index / result.Cols, c = index % result.Cols;
                    float total = 0f;
                    int tap = 0;
                    while (tap < filter.Cells.Length)
                    {
                        total += filter.Cells[tap] * source[r * step - margin + tap / filter.Cols, c * step - margin + tap % filter.Cols];
                        tap++;
                    }

                    result.Cells[index++] = total;
                }

                return result;
            }

            public static Plane Downsample(Plane source, int factor)
            {
                var result = new Plane(source.Rows / factor, source.Cols / factor);
                Array.Fill(result.Cells, float.MinValue);
                int index = 0;
                while (index < source.Rows * source.Cols)
                {
                    int r = index / source.Cols / factor, c = index % source.Cols / factor;
                    if (r < result.Rows && c < result.Cols && source.Cells[index] > result[r, c])
                    {
                        result[r, c] = source.Cells[index];
                    }

                    index++;
                }

                return result;
            }
        }
        """;

    /// <summary>A few lines of a student's own beside the starter.</summary>
    public const string StarterNoteA = """
        public static class Settings
        {
            public const int Epochs = 5;
        }
        """;

    public const string StarterNoteB = """
        public static class Hyper
        {
            public static double Rate() => 0.01;
        }
        """;
}

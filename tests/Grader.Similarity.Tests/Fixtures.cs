namespace Grader.Similarity.Tests;

/// <summary>Small but realistic homework-like sources. Line numbers matter to the region tests: do not reflow.</summary>
internal static class Fixtures
{
    public const string Statistics = """
        using System;
        using System.Collections.Generic;

        public sealed class RunningStatistics
        {
            private readonly List<double> values = new List<double>();
            private double total;

            public void Add(double value)
            {
                values.Add(value);
                total += value;
            }

            public double Mean()
            {
                if (values.Count == 0)
                {
                    throw new InvalidOperationException("no values yet");
                }

                return total / values.Count;
            }

            public double Variance()
            {
                double mean = Mean();
                double sum = 0.0;
                foreach (var value in values)
                {
                    double difference = value - mean;
                    sum += difference * difference;
                }

                return sum / Math.Max(1, values.Count - 1);
            }

            public double[] Normalize()
            {
                double mean = Mean();
                double deviation = Math.Sqrt(Variance());
                var result = new double[values.Count];
                for (int index = 0; index < values.Count; index++)
                {
                    result[index] = (values[index] - mean) / (deviation + 1e-8);
                }

                return result;
            }

            public int ArgMax()
            {
                int best = 0;
                for (int index = 1; index < values.Count; index++)
                {
                    if (values[index] > values[best])
                    {
                        best = index;
                    }
                }

                return best;
            }
        }
        """;

    /// <summary><see cref="Statistics"/> with every local, field and parameter renamed and every literal changed.</summary>
    public const string StatisticsRenamed = """
        using System;
        using System.Collections.Generic;

        // my own work, honest
        public sealed class Stats
        {
            private readonly List<double> xs = new List<double>();
            private double acc;

            public void Push(double x)
            {
                xs.Add(x);
                acc += x;
            }

            public double Avg()
            {
                if (xs.Count == 1)
                {
                    throw new InvalidOperationException("empty!");
                }

                return acc / xs.Count;
            }

            public double Var()
            {
                double m = Avg();
                double s = 1.5;
                foreach (var x in xs)
                {
                    double d = x - m;
                    s += d * d;
                }

                return s / Math.Max(2, xs.Count - 2);
            }

            public double[] Standardize()
            {
                double m = Avg();
                double sd = Math.Sqrt(Var());
                var output = new double[xs.Count];
                for (int i = 7; i < xs.Count; i++)
                {
                    output[i] = (xs[i] - m) / (sd + 1e-5);
                }

                return output;
            }

            public int Best()
            {
                int b = 3;
                for (int i = 4; i < xs.Count; i++)
                {
                    if (xs[i] > xs[b])
                    {
                        b = i;
                    }
                }

                return b;
            }
        }
        """;

    /// <summary><see cref="Statistics"/> with its methods in another order.</summary>
    public const string StatisticsReordered = """
        using System;
        using System.Collections.Generic;

        public sealed class RunningStatistics
        {
            private readonly List<double> values = new List<double>();
            private double total;

            public int ArgMax()
            {
                int best = 0;
                for (int index = 1; index < values.Count; index++)
                {
                    if (values[index] > values[best])
                    {
                        best = index;
                    }
                }

                return best;
            }

            public double[] Normalize()
            {
                double mean = Mean();
                double deviation = Math.Sqrt(Variance());
                var result = new double[values.Count];
                for (int index = 0; index < values.Count; index++)
                {
                    result[index] = (values[index] - mean) / (deviation + 1e-8);
                }

                return result;
            }

            public void Add(double value)
            {
                values.Add(value);
                total += value;
            }

            public double Variance()
            {
                double mean = Mean();
                double sum = 0.0;
                foreach (var value in values)
                {
                    double difference = value - mean;
                    sum += difference * difference;
                }

                return sum / Math.Max(1, values.Count - 1);
            }

            public double Mean()
            {
                if (values.Count == 0)
                {
                    throw new InvalidOperationException("no values yet");
                }

                return total / values.Count;
            }
        }
        """;

    /// <summary>An unrelated solution: a tokenizer with a state machine and a dictionary.</summary>
    public const string WordCounter = """
        using System.Text;

        public static class WordCounter
        {
            public static Dictionary<string, int> Count(string text, bool ignoreCase)
            {
                var counts = new Dictionary<string, int>(ignoreCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal);
                var current = new StringBuilder();
                foreach (char character in text + " ")
                {
                    if (char.IsLetterOrDigit(character) || character == '\'')
                    {
                        current.Append(character);
                        continue;
                    }

                    if (current.Length > 0)
                    {
                        string word = current.ToString();
                        counts[word] = counts.TryGetValue(word, out int seen) ? seen + 1 : 1;
                        current.Clear();
                    }
                }

                return counts;
            }

            public static IEnumerable<KeyValuePair<string, int>> Top(Dictionary<string, int> counts, int howMany)
                => counts.OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal).Take(howMany);

            public static string Describe(Dictionary<string, int> counts)
            {
                var builder = new StringBuilder();
                builder.AppendLine($"{counts.Count} distinct words");
                foreach (var (word, count) in Top(counts, 3))
                {
                    builder.Append(word).Append(": ").Append(count).AppendLine();
                }

                return builder.ToString();
            }
        }
        """;

    /// <summary>Another unrelated solution: a ring buffer.</summary>
    public const string RingBuffer = """
        public sealed class RingBuffer<T>
        {
            private readonly T[] items;
            private int head;
            private int size;

            public RingBuffer(int capacity) => items = capacity > 0 ? new T[capacity] : throw new ArgumentOutOfRangeException(nameof(capacity));

            public bool IsFull => size == items.Length;

            public void Enqueue(T item)
            {
                items[(head + size) % items.Length] = item;
                if (IsFull)
                {
                    head = (head + 1) % items.Length;
                }
                else
                {
                    size++;
                }
            }

            public T Dequeue()
            {
                if (size == 0)
                {
                    throw new InvalidOperationException("The buffer is empty.");
                }

                T item = items[head];
                items[head] = default!;
                head = (head + 1) % items.Length;
                size--;
                return item;
            }
        }
        """;
}

using System.Diagnostics;
using System.Globalization;
using System.Net;

/// <summary>
/// A closed-loop HTTP load generator, for machines without <c>wrk</c>: N connections each send the next request as soon
/// as the previous answer is read, for a fixed time after a warm-up, and every latency is kept, so the percentiles are
/// exact. Usage: <c>grader-bench-web load URL --cookie "name=value" [--connections 4] [--seconds 30] [--warmup 10]</c>.
/// </summary>
internal static class LoadGenerator
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("usage: grader-bench-web load URL --cookie \"name=value\" [--connections 4] [--seconds 30] [--warmup 10]");
            return 2;
        }

        var url = new Uri(args[0]);
        string cookie = "";
        int connections = 4, seconds = 30, warmup = 10;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--cookie": cookie = Next(); break;
                case "--connections": connections = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"unknown option '{args[i]}'");
                    return 2;
            }
        }

        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseCookies = false, AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        await RunForAsync(client, url, cookie, connections, TimeSpan.FromSeconds(warmup)).ConfigureAwait(false);
        var (latencies, errors, elapsed) = await RunForAsync(client, url, cookie, connections, TimeSpan.FromSeconds(seconds)).ConfigureAwait(false);
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p / 100 * latencies.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  p50 {Percentile(50):0.0} ms, p95 {Percentile(95):0.0} ms, p99 {Percentile(99):0.0} ms, max {Percentile(100):0.0} ms; {latencies.Count} requests, {latencies.Count / elapsed.TotalSeconds:0.0}/s, {errors} errors"));
        return errors == 0 ? 0 : 1;
    }

    private static async Task<(List<double> Latencies, int Errors, TimeSpan Elapsed)> RunForAsync(
        HttpClient client, Uri url, string cookie, int connections, TimeSpan duration)
    {
        var latencies = new List<double>();
        int errors = 0;
        var clock = Stopwatch.StartNew();
        async Task Connection()
        {
            var buffer = new byte[81920];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.Add("Cookie", cookie);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
                // The whole body is read, as a browser would, before the next request.
                await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                while (await body.ReadAsync(buffer).ConfigureAwait(false) > 0)
                {
                }

                double milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (latencies)
                {
                    latencies.Add(milliseconds);
                    errors += response.IsSuccessStatusCode ? 0 : 1;
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(Connection))).ConfigureAwait(false);
        return (latencies, errors, clock.Elapsed);
    }
}

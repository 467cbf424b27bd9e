using System.Globalization;
using System.Net;
using Octokit;

namespace Grader.GitHub;

/// <summary>Whether a call may simply be sent again after the network failed in the middle of it.</summary>
public enum CallKind
{
    /// <summary>Reads, and writes that set a state (a status, a permission): sending them twice does no harm.</summary>
    Repeatable,

    /// <summary>
    /// Creates something (a comment, an issue, a repository): after a dropped connection GitHub may have done it, so the
    /// gate does not send it again; the caller looks for what it meant to create before trying once more. Refusals
    /// (rate limits) are still retried: GitHub did nothing then.
    /// </summary>
    Creating,
}

/// <summary>
/// Runs each API call so that GitHub's limits and a flaky network slow Grader down instead of failing a batch. Before a
/// call, when the last response said no requests are left, it waits for <c>X-RateLimit-Reset</c>. After a refusal it
/// waits and retries: a primary limit (403, <see cref="RateLimitExceededException"/>) until its reset; a secondary limit
/// (403, <see cref="SecondaryRateLimitExceededException"/>), a 429 (Octokit's plain <see cref="ApiException"/>) or any
/// refusal with <c>Retry-After</c> for that long (a minute when it is missing). A dropped connection, a timeout or a
/// 502/503/504 is retried with exponential backoff, for <see cref="CallKind.Repeatable"/> calls only. The waiting is
/// injectable so tests do not sleep.
/// </summary>
public sealed class RateLimitGate(IApiInfoProvider apiInfo, TimeProvider time, Func<TimeSpan, CancellationToken, Task>? delay = null, int maxAttempts = 4)
{
    private static readonly TimeSpan SecondaryDefaultWait = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(65);
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromSeconds(30);
    private readonly Func<TimeSpan, CancellationToken, Task> delay = delay ?? ((span, ct) => Task.Delay(span, time, ct));
    private readonly List<TimeSpan> waits = [];
    private readonly List<string> retriedFailures = [];

    /// <summary>Every wait so far, in order, for logs and tests.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (waits)
            {
                return [.. waits];
            }
        }
    }

    /// <summary>What each retry was for (the refusal or the failure), in order, for logs and tests.</summary>
    public IReadOnlyList<string> RetriedFailures
    {
        get
        {
            lock (waits)
            {
                return [.. retriedFailures];
            }
        }
    }

    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken, CallKind kind = CallKind.Repeatable)
    {
        ArgumentNullException.ThrowIfNull(call);
        // After waiting out a refusal, the last response still says "0 left"; it describes the past, not now.
        var waited = false;
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!waited && apiInfo.GetLastApiInfo()?.RateLimit is { Remaining: <= 0 } limit)
            {
                await WaitAsync(limit.Reset - time.GetUtcNow(), "no requests left before the reset", cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception failure) when (attempt < maxAttempts && !cancellationToken.IsCancellationRequested && WaitBeforeRetry(failure, attempt, kind) is { } wait)
            {
                await WaitAsync(wait, Describe(failure), cancellationToken).ConfigureAwait(false);
            }

            waited = true;
        }
    }

    public Task RunAsync(Func<Task> call, CancellationToken cancellationToken, CallKind kind = CallKind.Repeatable) =>
        RunAsync(async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, cancellationToken, kind);

    /// <summary>
    /// A failure of the network or of GitHub's servers rather than an answer: the connection dropped or was refused, the
    /// request timed out (Octokit's calls take no token, so a cancellation the caller did not ask for is a timeout), or
    /// a 502/503/504.
    /// </summary>
    public static bool IsTransient(Exception failure) => failure switch
    {
        HttpRequestException or IOException => true,
        OperationCanceledException => true,
        ApiException { StatusCode: HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout } => true,
        _ => false,
    };

    /// <summary>How long to wait before trying <paramref name="failure"/>'s call again; null: do not retry.</summary>
    private TimeSpan? WaitBeforeRetry(Exception failure, int attempt, CallKind kind) => failure switch
    {
        RateLimitExceededException primary => primary.Reset - time.GetUtcNow(),
        SecondaryRateLimitExceededException secondary => RetryAfter(secondary.HttpResponse) ?? SecondaryDefaultWait,
        ApiException { StatusCode: HttpStatusCode.TooManyRequests } tooMany => RetryAfter(tooMany.HttpResponse) ?? ResetOf(tooMany.HttpResponse) ?? SecondaryDefaultWait,
        ApiException { StatusCode: HttpStatusCode.Forbidden } refused when RetryAfter(refused.HttpResponse) is { } retryAfter => retryAfter,
        _ when kind == CallKind.Repeatable && IsTransient(failure) => Backoff(attempt),
        _ => null,
    };

    /// <summary>1, 2, 4, 8… seconds, at most <see cref="LongestBackoff"/>.</summary>
    private static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(LongestBackoff.TotalSeconds, Math.Pow(2, attempt - 1)));

    private async Task WaitAsync(TimeSpan span, string reason, CancellationToken cancellationToken)
    {
        // A reset in the past still gets a second: the server's clock and ours differ.
        var wait = span < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : span > LongestWait ? LongestWait : span;
        lock (waits)
        {
            waits.Add(wait);
            retriedFailures.Add(reason);
        }

        await delay(wait, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(Exception failure) => failure switch
    {
        ApiException api => $"{(int)api.StatusCode} {failure.GetType().Name}",
        _ => failure.GetType().Name,
    };

    private static TimeSpan? RetryAfter(IResponse? response) =>
        Header(response, "Retry-After") is { } value && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private TimeSpan? ResetOf(IResponse? response) =>
        Header(response, "X-RateLimit-Remaining") == "0" && Header(response, "X-RateLimit-Reset") is { } reset && long.TryParse(reset, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds) - time.GetUtcNow()
            : null;

    private static string? Header(IResponse? response, string name) =>
        response?.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

using System.Globalization;
using Octokit;

namespace Grader.GitHub;

/// <summary>
/// Runs each API call so that a rate limit slows Grader down instead of failing a batch: it waits for the reset when
/// the last response said no requests are left, and retries after a primary (<c>X-RateLimit-Reset</c>) or secondary
/// (<c>Retry-After</c>, else a minute) limit. The waiting is injectable so tests do not sleep.
/// </summary>
public sealed class RateLimitGate(IApiInfoProvider apiInfo, TimeProvider time, Func<TimeSpan, CancellationToken, Task>? delay = null, int maxAttempts = 4)
{
    private static readonly TimeSpan SecondaryDefaultWait = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LongestWait = TimeSpan.FromMinutes(65);
    private readonly Func<TimeSpan, CancellationToken, Task> delay = delay ?? ((span, ct) => Task.Delay(span, time, ct));

    /// <summary>Every wait, for logs and tests.</summary>
    public List<TimeSpan> Waits { get; } = [];

    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        // After waiting out a refusal, the last response still says "0 left"; it describes the past, not now.
        var waited = false;
        for (var attempt = 1; ; attempt++)
        {
            if (!waited && apiInfo.GetLastApiInfo()?.RateLimit is { Remaining: <= 0 } limit)
            {
                await WaitAsync(limit.Reset - time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            }

            waited = false;
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (RateLimitExceededException e) when (attempt < maxAttempts)
            {
                await WaitAsync(e.Reset - time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                waited = true;
            }
            catch (SecondaryRateLimitExceededException e) when (attempt < maxAttempts)
            {
                await WaitAsync(RetryAfter(e.HttpResponse) ?? SecondaryDefaultWait, cancellationToken).ConfigureAwait(false);
                waited = true;
            }
        }
    }

    public Task RunAsync(Func<Task> call, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            await call().ConfigureAwait(false);
            return true;
        }, cancellationToken);

    private async Task WaitAsync(TimeSpan span, CancellationToken cancellationToken)
    {
        // A reset in the past still gets a second: the server's clock and ours differ.
        var wait = span < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : span > LongestWait ? LongestWait : span;
        Waits.Add(wait);
        await delay(wait, cancellationToken).ConfigureAwait(false);
    }

    private static TimeSpan? RetryAfter(IResponse? response) =>
        response?.Headers is { } headers && headers.TryGetValue("Retry-After", out var value) && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;
}

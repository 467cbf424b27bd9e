using System.Globalization;
using System.Net;
using Grader.Data;
using Grader.Web.Operations;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;

namespace Grader.Web.SignIn;

/// <summary>What a password sign-in came to, with the sentence the form shows.</summary>
public sealed record PasswordSignInResult(bool Succeeded, string? Message);

/// <summary>
/// Sign-in with a user name and password, hardened against the two abuses a public sign-in form invites:
/// <list type="bullet">
/// <item>Locking a user out: failures are counted per (account, client address), and after
/// <see cref="FreeFailures"/> of them that pair waits twice as long after each new failure (at most
/// <see cref="MaxDelay"/>). Nobody else is slowed: the real user signing in from elsewhere never notices an attacker.
/// The account itself is never locked.</item>
/// <item>Enumerating accounts: an unknown user name, or an account without a password (GitHub sign-in only), costs the
/// same password hash as a real one, so the answer takes as long and reads the same.</item>
/// </list>
/// </summary>
public sealed class PasswordSignIn(
    SignInManager<AppUser> signIn, UserManager<AppUser> users, IPasswordHasher<AppUser> hasher, SignInThrottle throttle)
{
    public const int FreeFailures = 3;

    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    public const string WrongPassword = "Wrong user name or password.";

    /// <summary>A hash of a random password, made once with the app's own hasher: what an unknown name is checked against.</summary>
    private static string? dummyHash;

    public async Task<PasswordSignInResult> SignInAsync(string userName, string password, IPAddress? source)
    {
        string name = userName.Trim();
        var key = new SignInThrottle.Key(users.NormalizeName(name) ?? name, source?.ToString() ?? "unknown");
        if (throttle.RetryAfter(key) is { } wait)
        {
            return new PasswordSignInResult(false,
                string.Create(CultureInfo.InvariantCulture, $"Too many failed sign-ins for this account from your address: try again in {Math.Ceiling(wait.TotalSeconds)} s."));
        }

        var user = await users.FindByNameAsync(name).ConfigureAwait(false);
        if (user?.PasswordHash is null)
        {
            // The same work as a real check, and the same answer.
            hasher.VerifyHashedPassword(user ?? new AppUser(), DummyHash(), password);
            throttle.Failed(key);
            return new PasswordSignInResult(false, WrongPassword);
        }

        var result = await signIn.PasswordSignInAsync(user, password, isPersistent: false, lockoutOnFailure: false).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throttle.Failed(key);
            return new PasswordSignInResult(false, WrongPassword);
        }

        throttle.Succeeded(key);
        return new PasswordSignInResult(true, null);
    }

    private string DummyHash() => dummyHash ??= hasher.HashPassword(new AppUser(), Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
}

/// <summary>
/// Failed sign-ins per (normalized user name, client address), in memory: a bounded cache (at most
/// <see cref="MaxEntries"/> pairs, each forgotten an hour after its last failure), so a flood of made-up names cannot
/// grow it without end. A restart forgets it, which only gives an attacker back their first free attempts.
/// </summary>
public sealed class SignInThrottle(TimeProvider time) : IDisposable
{
    public const int MaxEntries = 100_000;

    private readonly MemoryCache failures = new(new MemoryCacheOptions { SizeLimit = MaxEntries });

    public sealed record Key(string NormalizedUserName, string Source);

    private sealed record Failures(int Count, DateTimeOffset LastAt);

    /// <summary>How long this pair still has to wait, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(Key key)
    {
        if (!failures.TryGetValue(key, out Failures? seen) || seen is null || seen.Count < PasswordSignIn.FreeFailures)
        {
            return null;
        }

        var wait = seen.LastAt + DelayAfter(seen.Count) - time.GetUtcNow();
        return wait > TimeSpan.Zero ? wait : null;
    }

    public void Failed(Key key)
    {
        lock (failures)
        {
            int count = failures.TryGetValue(key, out Failures? seen) && seen is not null ? seen.Count + 1 : 1;
            failures.Set(key, new Failures(count, time.GetUtcNow()), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });
        }
    }

    public void Succeeded(Key key) => failures.Remove(key);

    /// <summary>1 s after the first failure past the free ones, then doubling: 2, 4, 8 … up to <see cref="PasswordSignIn.MaxDelay"/>.</summary>
    public static TimeSpan DelayAfter(int failureCount)
    {
        int doublings = Math.Min(failureCount - PasswordSignIn.FreeFailures, 20);
        var delay = TimeSpan.FromSeconds(Math.Pow(2, Math.Max(doublings, 0)));
        return delay < PasswordSignIn.MaxDelay ? delay : PasswordSignIn.MaxDelay;
    }

    public void Dispose() => failures.Dispose();
}

/// <summary>
/// The app's password hasher, counting each verification (<c>grader_signin_password_verifications_total</c>): the
/// operator sees sign-in pressure, and the tests see that an unknown name costs a hash like a known one.
/// </summary>
public sealed class CountingPasswordHasher(GraderMetrics metrics) : IPasswordHasher<AppUser>
{
    private readonly PasswordHasher<AppUser> inner = new();

    public string HashPassword(AppUser user, string password) => inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
    {
        metrics.PasswordVerifications.Add(1);
        return inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}

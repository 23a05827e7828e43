using System.Net;
using System.Threading.RateLimiting;

namespace Splynx.Orleans.WebHost.Auth;

/// <summary>Limits on failed logins (<c>Auth:LoginThrottle</c>).</summary>
public sealed class LoginThrottleOptions
{
    public const string SectionName = "Auth:LoginThrottle";

    /// <summary>Failures for one login from one address before that pair is refused.</summary>
    public int FailuresPerLogin { get; set; } = 5;

    /// <summary>Failures from one address across all logins before the address is refused (password spraying).</summary>
    public int FailuresPerAddress { get; set; } = 50;

    /// <summary>How long failures count, and so about how long a refusal lasts.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Counts failed logins in sliding windows, per (login, address) and per address. Only failures take
/// permits, so people who type their password right are never slowed down; a refused attempt is not
/// checked at all, so it cannot confirm a guessed password either.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<(string Login, string Address)> _failures;
    private readonly TimeSpan _window;

    public LoginThrottle(Microsoft.Extensions.Options.IOptions<LoginThrottleOptions> options)
    {
        var settings = options.Value;
        _window = settings.Window;
        // The address alone has the empty login as its partition key; logins are prefixed so none is empty.
        _failures = PartitionedRateLimiter.Create<(string Login, string Address), (string, string)>(key =>
            RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = key.Login.Length == 0 ? settings.FailuresPerAddress : settings.FailuresPerLogin,
                Window = settings.Window,
                SegmentsPerWindow = 10,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when the attempt may go ahead, else how long the client should wait.</summary>
    public TimeSpan? RetryAfter(string login, IPAddress? address)
    {
        foreach (var key in Keys(login, address))
        {
            if (_failures.GetStatistics(key) is { CurrentAvailablePermits: <= 0 })
            {
                // A refused acquire takes nothing and says when permits come back.
                using var lease = _failures.AttemptAcquire(key);
                return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero ? retryAfter : _window;
            }
        }
        return null;
    }

    public void RecordFailure(string login, IPAddress? address)
    {
        foreach (var key in Keys(login, address))
        {
            using var lease = _failures.AttemptAcquire(key);
        }
    }

    public void Dispose() => _failures.Dispose();

    private static (string Login, string Address)[] Keys(string login, IPAddress? address)
    {
        var client = address?.IsIPv4MappedToIPv6 == true ? address.MapToIPv4().ToString() : address?.ToString() ?? "unknown";
        return [("login:" + login.Trim().ToUpperInvariant(), client), ("", client)];
    }
}

using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Splynx.Orleans.Mailbox;

/// <summary>Spaces out the IMAP connects of every mailbox on this silo (<see cref="MailSyncOptions.ConnectsPerSecond"/>).</summary>
public sealed class ImapConnectThrottle : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

    public ImapConnectThrottle(IOptions<MailSyncOptions> options)
    {
        var perSecond = Math.Max(1, options.Value.ConnectsPerSecond);
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
    }

    public void Dispose() => _limiter.Dispose();
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// Spaces out new IMAP connections to one mail server across the whole cluster: every silo asks the same gate
/// grain (one per server host) for a slot, so ten silos restarting together open no more connections per second
/// to an ISP's server than one would (<see cref="MailSyncOptions.ConnectsPerSecond"/>, per host in
/// <see cref="MailSyncOptions.ConnectsPerSecondByHost"/>).
/// </summary>
public sealed partial class ImapConnectThrottle(IGrainFactory grains, TimeProvider time, ILogger<ImapConnectThrottle> logger)
{
    // The gate answers at once when it is reachable; one on a silo that just died or is stopping would otherwise
    // hold every connect for Orleans' response timeout.
    private static readonly TimeSpan GateTimeout = TimeSpan.FromSeconds(2);

    public async Task WaitAsync(string server, CancellationToken cancellationToken)
    {
        TimeSpan wait;
        try
        {
            wait = await grains.GetGrain<IImapConnectGate>(server.Trim().ToLowerInvariant()).ReserveAsync().WaitAsync(GateTimeout, time, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The gate is unreachable for a moment (its silo just died): a mailbox must not stop for that. A
            // second's pause keeps a crowd of such mailboxes from rushing the server meanwhile.
            LogGateUnreachable(logger, exception, server);
            wait = TimeSpan.FromSeconds(1);
        }
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The connect gate of {Server} did not answer; connecting after a pause")]
    private static partial void LogGateUnreachable(ILogger logger, Exception exception, string server);
}

/// <summary>The cluster-wide connect limit of one IMAP server host (the grain's key).</summary>
internal interface IImapConnectGate : IGrainWithStringKey
{
    /// <summary>Reserves the next connect slot and says how long the caller waits for it.</summary>
    Task<TimeSpan> ReserveAsync();
}

/// <summary>
/// A generic cell rate limiter: slots every 1/rate seconds, with a burst of one second's worth after a quiet
/// spell. Its state is only the next free slot, so losing it with a silo costs nothing but one more burst.
/// </summary>
internal sealed class ImapConnectGate(IOptions<MailSyncOptions> options, TimeProvider time) : Grain, IImapConnectGate
{
    private DateTimeOffset _nextSlot = DateTimeOffset.MinValue;

    public Task<TimeSpan> ReserveAsync()
    {
        var rate = Math.Max(1, options.Value.ConnectsPerSecondFor(this.GetPrimaryKeyString()));
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var burst = interval * (rate - 1);
        var now = time.GetUtcNow();
        var slot = _nextSlot > now ? _nextSlot : now;
        _nextSlot = slot + interval;
        var wait = slot - burst - now;
        return Task.FromResult(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
    }
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// Resumes the mailboxes of a silo that died as soon as membership says so, instead of at their keep-alive
/// reminder's next tick: every live silo wakes its share of the enabled mailboxes that no live silo holds, and
/// placement spreads them over the survivors. The reminders stay as the backstop.
/// </summary>
public sealed partial class MailboxFailover(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    MailboxPresenceStore store,
    IGrainFactory grains,
    IOptions<MailClusterOptions> options,
    ILogger<MailboxFailover> logger) : ClusterWatcher(membership, local, logger)
{
    // A wake-up is an activation, not a login (the login waits for the connect limit after it): it takes milliseconds
    // unless the call was addressed to the dead silo's activation, which fails at once. So retry soon and often,
    // and give up on a stuck call long before Orleans' 30 s response timeout; the sweep and the reminder remain.
    private static readonly TimeSpan ResumeTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ResumeRetryDelay = TimeSpan.FromMilliseconds(200);
    private const int ResumeAttempts = 5;

    protected override TimeSpan Interval => options.Value.OrphanSweepInterval;

    protected override async Task ActAsync(IReadOnlyList<string> live, string self, CancellationToken cancellationToken)
    {
        var mine = (await store.OrphansAsync(live, cancellationToken)).Where(id => ClusterShare.IsMine(id, live, self)).ToList();
        if (mine.Count == 0)
        {
            return;
        }
        LogResuming(logger, mine.Count);
        await Parallel.ForEachAsync(mine,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Value.ResumesInFlight), CancellationToken = cancellationToken },
            async (mailboxId, token) => await ResumeAsync(mailboxId, token));
    }

    /// <summary>Right after a death, a call can still be addressed to the dead silo's activation: try again shortly.</summary>
    private async Task ResumeAsync(string mailboxId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grains.GetGrain<IMailboxPlacement>(mailboxId).ResumeAsync().WaitAsync(ResumeTimeout, cancellationToken);
                return;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt == ResumeAttempts)
                {
                    LogResumeFailed(logger, exception, mailboxId);
                    return;
                }
                await Task.Delay(ResumeRetryDelay, cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resuming {Count} mailboxes that no live silo holds")]
    private static partial void LogResuming(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming mailbox {MailboxId} failed; the next sweep or its reminder tries again")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception, string mailboxId);
}

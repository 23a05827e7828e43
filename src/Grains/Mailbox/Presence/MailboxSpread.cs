using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// Evens out the mailboxes over the silos when one joins (or the spread drifted): a silo that holds more than
/// its share moves the surplus to the emptiest silos at a bounded rate. A move stops the loop here and starts it
/// there from the saved cursors, so mail that arrives meanwhile is fetched, not missed.
/// </summary>
/// <remarks>
/// Orleans' own activation repartitioner moves grains by how they call each other and its rebalancer by memory
/// and CPU; an idle mailbox costs little of either, and what must be even is the number of IMAP connections.
/// </remarks>
public sealed partial class MailboxSpread(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    MailboxPresenceStore store,
    IGrainFactory grains,
    IOptions<MailClusterOptions> options,
    ILogger<MailboxSpread> logger) : ClusterWatcher(membership, local, logger)
{
    protected override TimeSpan Interval => options.Value.SpreadCheckInterval;

    protected override async Task ActAsync(IReadOnlyList<string> live, string self, CancellationToken cancellationToken)
    {
        if (live.Count < 2)
        {
            return;
        }
        var published = await store.CountBySiloAsync(cancellationToken);
        var counts = live.ToDictionary(silo => silo, silo => published.GetValueOrDefault(silo), StringComparer.Ordinal);
        var mine = ClusterShare.PlanSpread(counts, options.Value.SpreadTolerance).Where(move => move.From == self).ToList();
        if (mine.Count == 0)
        {
            return;
        }
        var candidates = new Queue<string>(await store.HeldByAsync(self, mine.Sum(move => move.Count), cancellationToken));
        var pace = TimeSpan.FromSeconds(1.0 / Math.Max(1, options.Value.MovesPerSecond));
        foreach (var (_, to, count) in mine)
        {
            LogMoving(logger, count, to);
            var target = SiloAddress.FromParsableString(to);
            for (var moved = 0; moved < count && candidates.TryDequeue(out var mailboxId); moved++)
            {
                await grains.GetGrain<IMailboxPlacement>(mailboxId).MoveToAsync(target).WaitAsync(cancellationToken);
                await Task.Delay(pace, cancellationToken);
            }
        }
        // The moved mailboxes publish from their new silo as they start; plan again only from settled figures.
        await Task.Delay(options.Value.SpreadCheckInterval / 2, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moving {Count} mailboxes to silo {Silo} to even out the cluster")]
    private static partial void LogMoving(ILogger logger, int count, string silo);
}

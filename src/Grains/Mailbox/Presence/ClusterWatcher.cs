using Microsoft.Extensions.Logging;

namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// A silo's background work that acts on the cluster as it is: at every membership change and every
/// <see cref="Interval"/>, with the live silos in one order for all, only while this silo is one of them.
/// </summary>
public abstract partial class ClusterWatcher(IClusterMembershipService membership, ILocalSiloDetails local, ILogger logger)
    : Microsoft.Extensions.Hosting.BackgroundService
{
    protected abstract TimeSpan Interval { get; }

    /// <param name="live">The active silos' parsable addresses, sorted.</param>
    /// <param name="self">This silo's parsable address, one of <paramref name="live"/>.</param>
    protected abstract Task ActAsync(IReadOnlyList<string> live, string self, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var snapshot in LiveSilos.ChangesAndTicks(membership, Interval, stoppingToken))
        {
            var live = LiveSilos.Of(snapshot);
            var self = local.SiloAddress.ToParsableString();
            if (!live.Contains(self))
            {
                continue;
            }
            try
            {
                await ActAsync(live, self, stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogActFailed(logger, exception, GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Watcher} failed; it tries again at the next membership change or tick")]
    private static partial void LogActFailed(ILogger logger, Exception exception, string watcher);
}

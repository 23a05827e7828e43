using Microsoft.AspNetCore.SignalR;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.WebHost.Operations;

/// <summary>
/// Reads what the mailboxes published since the last look and pushes it to the operators watching. One query
/// every <see cref="Interval"/> per web host, and none while nobody watches: the grains are never asked.
/// </summary>
public sealed partial class OperationsFeed(MailboxPresenceStore presence, IHubContext<OperationsHub> hub, ILogger<OperationsFeed> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    // Rows are stamped when their transaction started, and one that committed late can carry an earlier stamp than
    // rows already read: each look goes back this far, and what was already sent is not sent again.
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, DateTime> _sent = new(StringComparer.Ordinal);
    private int _watching;
    private DateTime _since = DateTime.UtcNow;

    public void Watching(int change) => Interlocked.Add(ref _watching, change);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Volatile.Read(ref _watching) <= 0)
            {
                _since = DateTime.UtcNow - Overlap;
                _sent.Clear();
                continue;
            }
            try
            {
                await PushChangesAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogFeedFailed(logger, exception);
            }
        }
    }

    private async Task PushChangesAsync(CancellationToken cancellationToken)
    {
        var changes = await presence.ChangedSinceAsync(_since - Overlap, cancellationToken);
        var fresh = changes.Where(change => !_sent.TryGetValue(change.Change.AdminId, out var sent) || sent < change.UpdatedAt).ToList();
        foreach (var (change, updatedAt) in fresh)
        {
            _sent[change.AdminId] = updatedAt;
        }
        if (changes.Count > 0)
        {
            _since = changes[^1].UpdatedAt;
        }
        foreach (var stale in _sent.Where(pair => pair.Value < _since - Overlap).Select(pair => pair.Key).ToList())
        {
            _sent.Remove(stale);
        }
        if (fresh.Count > 0)
        {
            await hub.Clients.Group(OperationsHub.Operators).SendAsync("mailboxPresence",
                fresh.Select(change => change.Change with { Silo = SiloEndpoint(change.Change.Silo) }).ToList(), cancellationToken);
        }
    }

    private static string? SiloEndpoint(string? silo) => silo is null ? null : SiloAddress.FromParsableString(silo).Endpoint.ToString();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pushing mailbox changes to the operators failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception);
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// Writes what the mailboxes of this silo publish about themselves into <c>mailbox_presence</c>, a batch at a
/// time and only the newest word of each: thousands of mailboxes starting together make a few statements, not
/// thousands, and a grain never waits for the database to say how it is.
/// </summary>
public sealed partial class MailboxPresencePublisher(MailboxPresenceStore store, ILogger<MailboxPresencePublisher> logger)
    : BackgroundService
{
    private static readonly TimeSpan Gathering = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, MailboxPresence> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    public void Publish(MailboxPresence presence)
    {
        _pending[presence.MailboxId] = presence;
        Signal();
    }

    private void Signal()
    {
        if (_signal.CurrentCount == 0)
        {
            _signal.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(stoppingToken);
                await Task.Delay(Gathering, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await WritePendingAsync(stoppingToken);
        }
        // What the mailboxes said while the silo stopped (their last states) is still written.
        await WritePendingAsync(CancellationToken.None);
    }

    private async Task WritePendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty)
        {
            return;
        }
        var batch = new List<MailboxPresence>(_pending.Count);
        foreach (var mailboxId in _pending.Keys)
        {
            if (_pending.TryRemove(mailboxId, out var presence))
            {
                batch.Add(presence);
            }
        }
        try
        {
            await store.UpsertAsync(batch, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(logger, exception, batch.Count);
            // Put them back unless a newer word came meanwhile, and try again shortly.
            foreach (var presence in batch)
            {
                _pending.TryAdd(presence.MailboxId, presence);
            }
            await Task.Delay(RetryAfter, CancellationToken.None);
            Signal();
        }
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the presence of {Count} mailboxes failed; trying again")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}

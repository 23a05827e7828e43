using Microsoft.AspNetCore.SignalR;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>
/// The hub connections of this web host and, for each, the mailboxes it may read (C4, S6), kept as a set and as
/// SignalR groups. The sets are computed from <see cref="MailboxAccessRules"/> when a connection arrives, when
/// access changes on this host, on the relay's renewal tick, and once more for every event before it is sent,
/// so a revoked delegate gets nothing even when the revocation was made on another web host.
/// </summary>
public sealed partial class ConnectionAccess(MailboxAccessRules rules, IHubContext<MailHub> hub, ILogger<ConnectionAccess> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Reader> _connections = new(StringComparer.Ordinal);

    private sealed record Reader(string AdminId, HashSet<string> Mailboxes);

    public const string MailboxesChanged = "mailboxesChanged";

    public static string GroupOf(string mailboxId) => "mailbox:" + mailboxId;

    public async Task AddAsync(string connectionId, string adminId, CancellationToken cancellationToken)
    {
        var readable = await rules.ReadableMailboxesAsync(adminId, cancellationToken);
        lock (_gate)
        {
            _connections[connectionId] = new Reader(adminId, new HashSet<string>(StringComparer.Ordinal));
        }
        await ApplyAsync(connectionId, readable, announce: false, cancellationToken);
    }

    /// <summary>SignalR drops a closed connection from its groups itself.</summary>
    public void Remove(string connectionId)
    {
        lock (_gate)
        {
            _connections.Remove(connectionId);
        }
    }

    /// <summary>Every mailbox some connection here may read: what the relay must be subscribed to.</summary>
    public IReadOnlySet<string> NeededMailboxes()
    {
        lock (_gate)
        {
            return _connections.Values.SelectMany(reader => reader.Mailboxes).ToHashSet(StringComparer.Ordinal);
        }
    }

    /// <summary>The connections of one admin on this host, whatever they may read (an email's sender: <c>emailStatus</c>).</summary>
    public IReadOnlyList<string> ConnectionsOf(string adminId)
    {
        lock (_gate)
        {
            return _connections.Where(entry => entry.Value.AdminId == adminId).Select(entry => entry.Key).ToList();
        }
    }

    /// <summary>Recomputes the access of every connection (the renewal tick).</summary>
    public Task RefreshAllAsync(CancellationToken cancellationToken) => RefreshAsync(_ => true, cancellationToken);

    /// <summary>
    /// The owner's access list (or their own IMAP, which decides what they may read of others) changed on this host:
    /// recompute the owner, the previous readers (connections reading the mailbox now) and the new ones.
    /// </summary>
    public async Task RefreshAfterAccessChangeAsync(string ownerId, CancellationToken cancellationToken)
    {
        var readers = (await rules.ReadersAsync(ownerId, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        readers.Add(ownerId);
        await RefreshAsync(reader => readers.Contains(reader.AdminId) || reader.Mailboxes.Contains(ownerId), cancellationToken);
    }

    /// <summary>
    /// The connections that may receive an event of the mailbox, checked against the rules now; connections whose
    /// access changed since their set was computed are corrected on the way (sets and groups).
    /// </summary>
    public async Task<IReadOnlyList<string>> RecipientsAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var readers = (await rules.ReadersAsync(mailboxId, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var recipients = new List<string>();
        var joined = new List<string>();
        var left = new List<string>();
        lock (_gate)
        {
            foreach (var (connectionId, reader) in _connections)
            {
                if (readers.Contains(reader.AdminId))
                {
                    recipients.Add(connectionId);
                    if (reader.Mailboxes.Add(mailboxId))
                    {
                        joined.Add(connectionId);
                    }
                }
                else if (reader.Mailboxes.Remove(mailboxId))
                {
                    left.Add(connectionId);
                }
            }
        }
        foreach (var connectionId in joined)
        {
            await hub.Groups.AddToGroupAsync(connectionId, GroupOf(mailboxId), cancellationToken);
        }
        foreach (var connectionId in left)
        {
            LogRevoked(mailboxId, connectionId);
            await hub.Groups.RemoveFromGroupAsync(connectionId, GroupOf(mailboxId), cancellationToken);
        }
        await AnnounceAsync(joined.Concat(left).ToList(), cancellationToken);
        return recipients;
    }

    private async Task RefreshAsync(Func<Reader, bool> affected, CancellationToken cancellationToken)
    {
        List<(string ConnectionId, string AdminId)> targets;
        lock (_gate)
        {
            targets = _connections.Where(entry => affected(entry.Value)).Select(entry => (entry.Key, entry.Value.AdminId)).ToList();
        }
        foreach (var group in targets.GroupBy(target => target.AdminId, StringComparer.Ordinal))
        {
            var readable = await rules.ReadableMailboxesAsync(group.Key, cancellationToken);
            foreach (var (connectionId, _) in group)
            {
                await ApplyAsync(connectionId, readable, announce: true, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Makes the connection's set and groups exactly <paramref name="readable"/>; when <paramref name="announce"/> and
    /// the set changed, tells the browser (<c>mailboxesChanged</c>) so that its mailbox switcher follows at once.
    /// </summary>
    private async Task ApplyAsync(string connectionId, IReadOnlyCollection<string> readable, bool announce, CancellationToken cancellationToken)
    {
        List<string> joined, left;
        lock (_gate)
        {
            if (!_connections.TryGetValue(connectionId, out var reader))
            {
                return; // gone meanwhile
            }
            joined = readable.Where(mailbox => !reader.Mailboxes.Contains(mailbox)).ToList();
            left = reader.Mailboxes.Where(mailbox => !readable.Contains(mailbox)).ToList();
            reader.Mailboxes.UnionWith(joined);
            reader.Mailboxes.ExceptWith(left);
        }
        foreach (var mailbox in joined)
        {
            await hub.Groups.AddToGroupAsync(connectionId, GroupOf(mailbox), cancellationToken);
        }
        foreach (var mailbox in left)
        {
            await hub.Groups.RemoveFromGroupAsync(connectionId, GroupOf(mailbox), cancellationToken);
        }
        if (announce && joined.Count + left.Count > 0)
        {
            await AnnounceAsync([connectionId], cancellationToken);
        }
    }

    /// <summary>
    /// <c>mailboxesChanged({})</c>: the mailboxes this connection may read changed; the browser asks <c>/api/mailboxes</c>
    /// again (the push itself carries nothing, so it can never show a mailbox the connection may no longer read).
    /// </summary>
    private async Task AnnounceAsync(List<string> connectionIds, CancellationToken cancellationToken)
    {
        if (connectionIds.Count > 0)
        {
            await hub.Clients.Clients(connectionIds).SendAsync(MailboxesChanged, new { }, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access to mailbox {MailboxId} was revoked: connection {ConnectionId} leaves its group")]
    private partial void LogRevoked(string mailboxId, string connectionId);
}

namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>
/// Called by whatever saves a change of who may read a mailbox (its access list, or its owner's own IMAP, which
/// decides what the owner may read of others): the live connections on this host follow before the request
/// answers, so a revoked delegate's browser stops receiving the owner's mail at once. Other hosts catch up as
/// they re-check access for every event they relay.
/// </summary>
public sealed class LiveAccessRefresh(ConnectionAccess connections, MailboxEventRelay relay)
{
    public async Task AfterAccessChangeAsync(string ownerId, CancellationToken cancellationToken)
    {
        await connections.RefreshAfterAccessChangeAsync(ownerId, cancellationToken);
        await relay.SyncSubscriptionsAsync(renewAll: false, cancellationToken);
    }
}

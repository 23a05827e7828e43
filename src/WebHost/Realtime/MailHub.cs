using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>
/// <c>/hubs/mail</c>: pushes to each browser the events of the mailboxes its admin may read (P1). Server-to-client
/// only: <c>messageReceived(summary)</c>, <c>messageChanged(summary)</c>, <c>messageRemoved({mailboxId,id})</c>,
/// <c>mailboxStatus({mailboxId,status})</c>, <c>mailboxesChanged({})</c> (the mailboxes the connection may read changed:
/// granted or revoked), and to the sender's connections only <c>emailStatus({customerId,id,status,error})</c>.
/// </summary>
[Authorize]
public sealed class MailHub(ConnectionAccess access, MailboxEventRelay relay) : Hub
{
    public const string Path = "/hubs/mail";

    public override async Task OnConnectedAsync()
    {
        await access.AddAsync(Context.ConnectionId, Context.User!.AdminId(), Context.ConnectionAborted);
        await relay.SyncSubscriptionsAsync(renewAll: false, Context.ConnectionAborted);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        access.Remove(Context.ConnectionId);
        await relay.SyncSubscriptionsAsync(renewAll: false, CancellationToken.None);
        await base.OnDisconnectedAsync(exception);
    }
}

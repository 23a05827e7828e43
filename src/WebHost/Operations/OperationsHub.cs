using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.Operations;

/// <summary>
/// <c>/hubs/operations</c>, for super-admins on the Operations screen: <c>mailboxPresence([{adminId,state,error,
/// errorKind,lastSyncAt,silo}])</c> whenever mailboxes change state or silo. A hub of its own, so that the mail
/// hub's connections (every admin's) carry none of it.
/// </summary>
[Authorize(Policy = AdminRoles.SuperAdminPolicy)]
public sealed class OperationsHub(OperationsFeed feed) : Hub
{
    public const string Path = "/hubs/operations";
    public const string Operators = "operators";

    public override async Task OnConnectedAsync()
    {
        await Groups.AddToGroupAsync(Context.ConnectionId, Operators, Context.ConnectionAborted);
        feed.Watching(+1);
        await base.OnConnectedAsync();
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Watching(-1);
        await base.OnDisconnectedAsync(exception);
    }
}

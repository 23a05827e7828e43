using Splynx.Orleans.Mailbox;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Messages;

/// <summary>
/// The gate of every endpoint under <c>/api/mailboxes/{adminId}</c> (C4), on <see cref="MailboxAccessRules"/>, as an
/// endpoint filter on their group so that no endpoint can forget it: someone who may not read a mailbox learns only
/// that it exists (403), or that it does not (404), never its content.
/// </summary>
public sealed class MailboxReadCheck(MailboxAccessRules rules, AdminStore admins) : IEndpointFilter
{
    public const string MailboxRouteValue = "adminId";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var mailboxId = http.Request.RouteValues[MailboxRouteValue] as string ?? "";
        if (await rules.CanReadAsync(http.User.AdminId(), mailboxId, http.RequestAborted))
        {
            return await next(context);
        }
        return await admins.FindByIdAsync(mailboxId, http.RequestAborted) is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such mailbox")
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "Only the mailbox's owner and the admins they granted access may read it.");
    }
}

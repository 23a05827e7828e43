using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.Messages;

/// <summary>
/// The gate of every mailbox endpoint (C4), on <see cref="MailboxAccessRules"/>: someone who may not read a
/// mailbox learns only that it exists (403), or that it does not (404), never its content.
/// </summary>
public sealed class MailboxReadCheck(MailboxAccessRules rules, AdminStore admins)
{
    /// <summary>Null when the caller may read the mailbox, else the answer to give.</summary>
    public async Task<ProblemHttpResult?> RefuseAsync(ClaimsPrincipal user, string mailboxId, CancellationToken cancellationToken)
    {
        if (await rules.CanReadAsync(user.AdminId(), mailboxId, cancellationToken))
        {
            return null;
        }
        return await admins.FindByIdAsync(mailboxId, cancellationToken) is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such mailbox")
            : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "Only the mailbox's owner and the admins they granted access may read it.");
    }
}

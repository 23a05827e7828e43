using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Splynx.Orleans.WebHost.Mailbox;

/// <summary>The state of the caller's own mailbox and its quarantine.</summary>
public static class MailboxApi
{
    public static IEndpointRouteBuilder MapMailboxApi(this IEndpointRouteBuilder app)
    {
        var mailbox = app.MapGroup("/api/me/mailbox").WithTags("Mailbox").RequireAuthorization();
        mailbox.MapGet("/status", GetStatusAsync);
        mailbox.MapGet("/quarantine", GetQuarantineAsync);
        mailbox.MapPost("/quarantine/{id}/retry", RetryAsync);
        mailbox.MapDelete("/quarantine/{id}", DropAsync);
        return app;
    }

    private static async Task<Ok<MailboxStatusResponse>> GetStatusAsync(ClaimsPrincipal user, IClusterClient cluster) =>
        TypedResults.Ok(MailboxStatusResponse.From(await MailSettingsApi.Mailbox(cluster, user).GetStatusAsync()));

    private static async Task<Ok<QuarantinedMessageResponse[]>> GetQuarantineAsync(ClaimsPrincipal user, IClusterClient cluster) =>
        TypedResults.Ok((await MailSettingsApi.Mailbox(cluster, user).GetQuarantineAsync()).Select(QuarantinedMessageResponse.From).ToArray());

    private static async Task<Results<Ok<RetryResponse>, ProblemHttpResult>> RetryAsync(string id, ClaimsPrincipal user, IClusterClient cluster)
    {
        var mailbox = MailSettingsApi.Mailbox(cluster, user);
        if (!(await mailbox.GetQuarantineAsync()).Any(message => message.Id == id))
        {
            return NotQuarantined();
        }
        return TypedResults.Ok(new RetryResponse(await mailbox.RetryQuarantinedAsync(id)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DropAsync(string id, ClaimsPrincipal user, IClusterClient cluster) =>
        await MailSettingsApi.Mailbox(cluster, user).DropQuarantinedAsync(id) ? TypedResults.NoContent() : NotQuarantined();

    private static ProblemHttpResult NotQuarantined() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such quarantined message",
            detail: "It was retried or dropped already, or it never was in this mailbox.");
}

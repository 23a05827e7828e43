using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.WebHost.Mailbox;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.WebHost.Sending;

/// <summary>The caller's SMTP checks (My Profile) and emails to customers (C3), all through the caller's outbox grain.</summary>
public static class SendingApi
{
    public static IEndpointRouteBuilder MapSendingApi(this IEndpointRouteBuilder app)
    {
        var smtp = app.MapGroup("/api/me/mail-settings/smtp").WithTags("Mail settings").RequireAuthorization();
        smtp.MapPost("/test", TestSmtpAsync);
        smtp.MapPost("/test-email", SendTestEmailAsync);

        var emails = app.MapGroup("/api/customers/{id}/emails").WithTags("Customers").RequireAuthorization();
        emails.MapPost("/", SendToCustomerAsync);
        emails.MapGet("/{emailId}", GetEmailAsync).WithName("GetCustomerEmail");
        return app;
    }

    private static async Task<Ok<ConnectionTestResponse>> TestSmtpAsync(ClaimsPrincipal user, IClusterClient cluster, CancellationToken cancellationToken) =>
        TypedResults.Ok(ConnectionTestResponse.From(await Outbox(cluster, user).TestSmtpAsync(cancellationToken)));

    private static async Task<Results<Ok<ConnectionTestResponse>, ValidationProblem>> SendTestEmailAsync(
        TestEmailRequest request, ClaimsPrincipal user, IClusterClient cluster, CancellationToken cancellationToken)
    {
        var to = request.To?.Trim() ?? "";
        if (!MailAddressRules.IsAddress(to))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["to"] = [to.Length == 0 ? "is required: the address to send the test email to" : $"'{to}' is not an email address"] },
                title: "The test email was not sent");
        }
        return TypedResults.Ok(ConnectionTestResponse.From(await Outbox(cluster, user).SendTestEmailAsync(to, cancellationToken: cancellationToken)));
    }

    private static async Task<Results<Accepted<OutgoingEmailResponse>, ValidationProblem, ProblemHttpResult>> SendToCustomerAsync(
        string id, CustomerEmailRequest request, ClaimsPrincipal user, IClusterClient cluster, CustomerRepository customers,
        LinkGenerator links, HttpContext http, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(id, cancellationToken) is null)
        {
            return NoSuchCustomer();
        }
        var to = string.IsNullOrWhiteSpace(request.To) ? null : request.To.Trim();
        if (to is not null && !MailAddressRules.IsAddress(to))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [$"'{to}' is not an email address"] },
                title: "The email was not sent");
        }

        var result = await Outbox(cluster, user).SendAsync(
            new SendRequest(id, to, request.Subject, request.Text, request.Html, request.InReplyToId), cancellationToken);
        if (result.RateLimited)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many emails", detail: result.RateLimitError);
        }
        if (result.Email is not { } email)
        {
            return TypedResults.ValidationProblem(result.Errors, title: "The email was not sent");
        }
        var location = links.GetPathByName(http, "GetCustomerEmail", new { id, emailId = email.Id });
        return TypedResults.Accepted(location, OutgoingEmailResponse.From(email));
    }

    private static async Task<Results<Ok<OutgoingEmailResponse>, ProblemHttpResult>> GetEmailAsync(
        string id, string emailId, ClaimsPrincipal user, IClusterClient cluster, CustomerRepository customers, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(id, cancellationToken) is null)
        {
            return NoSuchCustomer();
        }
        // Each admin's outbox holds only what that admin sent: anyone else's email is unknown here.
        return await Outbox(cluster, user).GetAsync(emailId) is { } email
            ? TypedResults.Ok(OutgoingEmailResponse.From(email))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such email",
                detail: "You have sent no email with this id.");
    }

    private static IOutboxGrain Outbox(IClusterClient cluster, ClaimsPrincipal user) => cluster.GetGrain<IOutboxGrain>(user.AdminId());

    private static ProblemHttpResult NoSuchCustomer() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer or lead");
}

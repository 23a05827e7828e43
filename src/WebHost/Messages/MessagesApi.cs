using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.WebHost.Customers;
using Splynx.Orleans.WebHost.Mailbox;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Messages;

/// <summary>The mailboxes the caller may read and their messages (I1–I7); every message endpoint passes <see cref="MailboxReadCheck"/> first.</summary>
public static class MessagesApi
{
    private const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var mailboxes = app.MapGroup("/api/mailboxes").WithTags("Messages").RequireAuthorization();
        mailboxes.MapGet("/", ListMailboxesAsync);
        var messages = mailboxes.MapGroup($"/{{{MailboxReadCheck.MailboxRouteValue}}}/messages").AddEndpointFilter<MailboxReadCheck>();
        messages.MapGet("/", InboxAsync);
        messages.MapGet("/{id}", GetAsync);
        messages.MapGet("/{id}/body", BodyAsync).ExcludeFromDescription();
        messages.MapGet("/{id}/attachments/{attachmentId}", AttachmentAsync);
        messages.MapPost("/{id}/pair", PairAsync);
        messages.MapPost("/{id}/add-customer", AddCustomerAsync);
        messages.MapPost("/{id}/block", BlockAsync);
        messages.MapDelete("/{id}", DeleteAsync);
        return app;
    }

    private static async Task<Ok<MailboxListItemResponse[]>> ListMailboxesAsync(
        ClaimsPrincipal user, MailboxAccessRules rules, AdminStore admins, IClusterClient cluster, CancellationToken cancellationToken)
    {
        var me = user.AdminId();
        var readable = await rules.ReadableMailboxesAsync(me, cancellationToken);
        var names = (await admins.ListAsync(cancellationToken)).ToDictionary(admin => admin.Id, admin => admin.Name, StringComparer.Ordinal);
        var items = await Task.WhenAll(readable.Where(names.ContainsKey).Select(async mailboxId => new MailboxListItemResponse(
            mailboxId, names[mailboxId], mailboxId == me,
            MailboxStatusResponse.From(await cluster.GetGrain<IMailboxGrain>(mailboxId).GetStatusAsync()))));
        return TypedResults.Ok(items);
    }

    private static async Task<Results<Ok<PageResponse<MessageSummaryResponse>>, ValidationProblem, ProblemHttpResult>> InboxAsync(
        string adminId, MessageQueries queries,
        [FromQuery] string? author, [FromQuery] string? q, [FromQuery(Name = "from")] string? fromDate,
        [FromQuery(Name = "to")] string? toDate, [FromQuery] string? before, [FromQuery] string? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var authorFilter = (author?.Trim() ?? "all") switch
        {
            "all" or "" => AuthorFilter.All,
            "known" => AuthorFilter.Known,
            "unknown" => AuthorFilter.Unknown,
            _ => (AuthorFilter?)null,
        };
        if (authorFilter is null)
        {
            errors["author"] = [$"'{author}' is not a filter: use all, known or unknown"];
        }
        var from = ParseMoment(fromDate, "from", endOfDay: false, errors);
        var to = ParseMoment(toDate, "to", endOfDay: true, errors);
        var pageSize = ParseLimit(limit, errors);
        CheckCursor(before, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The inbox could not be listed");
        }
        var page = await queries.InboxAsync(adminId, new InboxFilter(authorFilter!.Value, q, from, to), before, pageSize, cancellationToken);
        return TypedResults.Ok(new PageResponse<MessageSummaryResponse>(page.Items.Select(MessageSummaryResponse.Of).ToList(), page.Next));
    }

    private static async Task<Results<Ok<MessageViewResponse>, ProblemHttpResult>> GetAsync(
        string adminId, string id, MessageQueries queries, CancellationToken cancellationToken)
    {
        return await queries.GetAsync(adminId, id, cancellationToken) is { } view
            ? TypedResults.Ok(MessageViewResponse.Of(view))
            : NoSuchMessage();
    }

    /// <summary>The HTML body as a document for the app's sandboxed frame, under its own policy (<see cref="MessageBodyDocument"/>).</summary>
    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> BodyAsync(
        string adminId, string id, MessageQueries queries, HttpContext context, CancellationToken cancellationToken, bool layout = false)
    {
        if (await queries.GetAsync(adminId, id, cancellationToken) is not { HtmlBody: { } html })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No HTML body",
                detail: "The message has no HTML body, or it is not in this mailbox.");
        }
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = layout ? MessageBodyDocument.LayoutContentSecurityPolicy : MessageBodyDocument.ContentSecurityPolicy;
        // Framed by the app only (the app's own pages say DENY).
        headers.XFrameOptions = "SAMEORIGIN";
        headers.CacheControl = "private, no-store";
        return TypedResults.Content(MessageBodyDocument.Of(html), "text/html; charset=utf-8");
    }

    private static async Task<Results<AttachmentResult, ProblemHttpResult>> AttachmentAsync(
        string adminId, string id, string attachmentId, MessageQueries queries, CancellationToken cancellationToken)
    {
        // The headers go out before the bytes: they come from the view, the bytes are streamed after.
        var attachment = (await queries.GetAsync(adminId, id, cancellationToken))?.Attachments.FirstOrDefault(a => a.Id == attachmentId);
        return attachment is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such attachment")
            : new AttachmentResult(adminId, id, attachment);
    }

    private static async Task<Results<Ok<CustomerResponse>, ValidationProblem, ProblemHttpResult>> PairAsync(
        string adminId, string id, PairRequest request, MessageQueries queries,
        IClusterClient cluster, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.CustomerId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["customerId"] = ["is required"] });
        }
        if (await queries.GetAsync(adminId, id, cancellationToken) is not { } view)
        {
            return NoSuchMessage();
        }
        var customer = cluster.GetGrain<ICustomerGrain>(request.CustomerId.Trim());
        if (await customer.GetAsync() is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer or lead");
        }
        var result = await customer.AddEmailAsync(view.Summary.From.Address);
        if (result.Conflict is { } conflict)
        {
            return CustomerWrites.Conflict(conflict);
        }
        return result.Customer is { } saved ? TypedResults.Ok(CustomerResponse.From(saved)) : CustomerWrites.Invalid(result.Errors);
    }

    private static async Task<Results<Created<CustomerResponse>, ValidationProblem, ProblemHttpResult>> AddCustomerAsync(
        string adminId, string id, AddCustomerRequest request, MessageQueries queries,
        IClusterClient cluster, CancellationToken cancellationToken)
    {
        if (await queries.GetAsync(adminId, id, cancellationToken) is not { } view)
        {
            return NoSuchMessage();
        }
        var category = CustomerWrites.ParseCategory(request.Category);
        if (category is null || string.IsNullOrWhiteSpace(request.Name))
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                errors["name"] = ["is required"];
            }
            if (category is null)
            {
                errors["category"] = CustomerWrites.CategoryError(request.Category);
            }
            return CustomerWrites.Invalid(errors);
        }
        var customerId = CustomerWrites.NewId();
        var result = await cluster.GetGrain<ICustomerGrain>(customerId).SaveAsync(request.Name, category.Value, [view.Summary.From.Address]);
        if (result.Conflict is { } conflict)
        {
            return CustomerWrites.Conflict(conflict);
        }
        return result.Customer is { } saved
            ? TypedResults.Created($"/api/customers/{saved.Id}", CustomerResponse.From(saved))
            : CustomerWrites.Invalid(result.Errors);
    }

    private static async Task<Results<Ok<BlockResponse>, ProblemHttpResult>> BlockAsync(
        string adminId, string id, ClaimsPrincipal user, IClusterClient cluster, CancellationToken cancellationToken)
    {
        if (user.AdminId() != adminId)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "Only the mailbox's owner may block a sender: it changes the owner's deny list.");
        }
        return await cluster.GetGrain<IMailboxGrain>(adminId).BlockSenderAsync(id) is { } address
            ? TypedResults.Ok(new BlockResponse(address))
            : NoSuchMessage();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        string adminId, string id, IClusterClient cluster, CancellationToken cancellationToken)
    {
        return await cluster.GetGrain<IMailboxGrain>(adminId).DeleteMessageAsync(id) ? TypedResults.NoContent() : NoSuchMessage();
    }

    private static ProblemHttpResult NoSuchMessage() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message",
            detail: "It was deleted or blocked, or it never was in this mailbox.");

    /// <summary>A page size of 1 to 200; absent means the default.</summary>
    internal static int ParseLimit(string? limit, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(limit))
        {
            return DefaultPageSize;
        }
        if (int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MessageQueries.MaxPageSize)
        {
            return size;
        }
        errors["limit"] = [$"must be a whole number from 1 to {MessageQueries.MaxPageSize}"];
        return DefaultPageSize;
    }

    /// <summary>A cursor must be one a page answered as <c>next</c>.</summary>
    internal static void CheckCursor(string? before, Dictionary<string, string[]> errors)
    {
        try
        {
            PageCursor.Parse(before);
        }
        catch (FormatException)
        {
            errors["before"] = ["is not a cursor this service made: pass back the 'next' of the previous page"];
        }
    }

    /// <summary>
    /// A day (<c>2024-01-31</c>, UTC; as the end of a period it includes that whole day) or an ISO 8601 time.
    /// </summary>
    private static DateTimeOffset? ParseMoment(string? value, string field, bool endOfDay, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return endOfDay ? start.AddDays(1) : start;
        }
        if (DateTimeOffset.TryParse(value.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var moment))
        {
            return moment;
        }
        errors[field] = [$"'{value}' is not a date like 2024-01-31 or a time like 2024-01-31T12:00:00Z"];
        return null;
    }

    /// <summary>Streams an attachment from the database into the response without holding it in memory.</summary>
    public sealed class AttachmentResult(string mailboxId, string messageId, AttachmentInfo attachment) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = attachment.ContentType;
            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(string.IsNullOrWhiteSpace(attachment.FileName) ? "attachment" : attachment.FileName);
            response.Headers.ContentDisposition = disposition.ToString();
            // Never rendered by the browser as something else than what it says it is.
            response.Headers.XContentTypeOptions = "nosniff";
            var queries = httpContext.RequestServices.GetRequiredService<MessageQueries>();
            await queries.CopyAttachmentAsync(mailboxId, messageId, attachment.Id, response.Body, httpContext.RequestAborted);
        }
    }
}

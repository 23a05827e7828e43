using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.WebHost.Messages;

public sealed record AddressResponse(string Address, string? Name)
{
    public static AddressResponse From(MailAddress address) => new(address.Address, address.Name);
}

/// <summary>A message as lists, the hub and the view show it; direction is <c>in</c> or <c>out</c>.</summary>
public sealed record MessageSummaryResponse(
    string Id, string MailboxId, string Direction, AddressResponse From, IReadOnlyList<AddressResponse> To, string? Subject,
    DateTime Date, string? Snippet, string? CustomerId, bool AuthorFound, bool HasAttachments)
{
    public static MessageSummaryResponse Of(MessageSummary summary) => new(
        summary.Id, summary.MailboxId, summary.Direction == MessageDirection.Out ? "out" : "in",
        AddressResponse.From(summary.From), summary.To.Select(AddressResponse.From).ToList(), summary.Subject,
        Mailbox.ApiNames.Utc(summary.Date), summary.Snippet, summary.CustomerId, summary.AuthorFound, summary.HasAttachments);
}

/// <summary>A message of a customer's conversation: the summary and the thread it belongs to.</summary>
/// <summary>
/// A message of a customer's conversation (C2): the summary, its thread, its threading headers (<c>messageId</c>,
/// <c>inReplyTo</c>, <c>references</c>), the name of the mailbox's owner (<c>mailboxOwner</c>), and for outgoing mail
/// its <c>status</c>: <c>sent</c> for mail found in the Sent folder; for mail sent through the service, to its sender
/// only, the outbox's <c>emailId</c>, <c>status</c> and <c>error</c> (null to everyone else).
/// </summary>
public sealed record ConversationItemResponse(
    string Id, string MailboxId, string Direction, AddressResponse From, IReadOnlyList<AddressResponse> To, string? Subject,
    DateTime Date, string? Snippet, string? CustomerId, bool AuthorFound, bool HasAttachments, string ThreadId,
    string? MessageId, string? InReplyTo, IReadOnlyList<string> References, string? MailboxOwner,
    string? EmailId, string? Status, string? Error)
{
    public static ConversationItemResponse Of(ConversationMessage message, string viewerId)
    {
        var s = MessageSummaryResponse.Of(message.Summary);
        var (emailId, status, error) = message switch
        {
            { Summary.Direction: not MessageDirection.Out } => (null, null, null),
            { Email: null } => (null, "sent", null),
            { Email: { } email } when message.Summary.MailboxId == viewerId => (email.Id, ApiStatus(email.Status), email.Error),
            _ => ((string?)null, (string?)null, (string?)null),
        };
        return new(s.Id, s.MailboxId, s.Direction, s.From, s.To, s.Subject, s.Date, s.Snippet, s.CustomerId, s.AuthorFound,
            s.HasAttachments, message.ThreadId, message.MessageId, message.InReplyTo, message.References ?? [], message.MailboxOwnerName,
            emailId, status, error);
    }

    // "sending" is a step inside the outbox; to the API it is still queued.
    private static string ApiStatus(string stored) => stored == "sending" ? "queued" : stored;
}

public sealed record PageResponse<T>(IReadOnlyList<T> Items, string? Next);

public sealed record AttachmentResponse(string Id, string? FileName, string ContentType, long Size);

/// <summary>The view of a message (I3): the summary, the other headers, the bodies (HTML already made safe) and attachments.</summary>
public sealed record MessageViewResponse(
    string Id, string MailboxId, string Direction, AddressResponse From, IReadOnlyList<AddressResponse> To, string? Subject,
    DateTime Date, string? Snippet, string? CustomerId, bool AuthorFound, bool HasAttachments,
    IReadOnlyList<AddressResponse> Cc, string? MessageId, string? InReplyTo, string? TextBody, string? HtmlBody,
    IReadOnlyList<AttachmentResponse> Attachments)
{
    public static MessageViewResponse Of(MessageView view)
    {
        var s = MessageSummaryResponse.Of(view.Summary);
        return new(s.Id, s.MailboxId, s.Direction, s.From, s.To, s.Subject, s.Date, s.Snippet, s.CustomerId, s.AuthorFound,
            s.HasAttachments, view.Cc.Select(AddressResponse.From).ToList(), view.MessageId, view.InReplyTo, view.TextBody,
            view.HtmlBody, view.Attachments.Select(a => new AttachmentResponse(a.Id, a.FileName, a.ContentType, a.Size)).ToList());
    }
}

public sealed record MailboxListItemResponse(string AdminId, string Name, bool Own, Mailbox.MailboxStatusResponse Status);

public sealed record BlockResponse(string Address);

public sealed record PairRequest(string? CustomerId);

public sealed record AddCustomerRequest(string? Name, string? Category);

/// <summary>A customer or lead: category <c>customer</c> or <c>lead</c>.</summary>
public sealed record CustomerResponse(string Id, string Name, string Category, IReadOnlyList<string> Emails)
{
    public static CustomerResponse From(CustomerInfo customer) =>
        new(customer.Id, customer.Name, customer.Category == CustomerCategory.Lead ? "lead" : "customer", customer.Emails);
}

public sealed record CustomerRequest(string? Name, string? Category, IReadOnlyList<string>? Emails);

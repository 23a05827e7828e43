namespace Splynx.Orleans.Mailbox;

public enum MessageDirection
{
    /// <summary>Received: from someone to the mailbox's owner (INBOX).</summary>
    In,

    /// <summary>Sent by the owner (the Sent folder, or sent through the service).</summary>
    Out,
}

[GenerateSerializer, Immutable, Alias("splynx.mailbox.MailAddress")]
public sealed record MailAddress([property: Id(0)] string Address, [property: Id(1)] string? Name);

/// <summary>A message as lists show it.</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.MessageSummary")]
public sealed record MessageSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string MailboxId,
    [property: Id(2)] MessageDirection Direction,
    [property: Id(3)] MailAddress From,
    [property: Id(4)] IReadOnlyList<MailAddress> To,
    [property: Id(5)] string? Subject,
    [property: Id(6)] DateTime Date,
    [property: Id(7)] string? Snippet,
    [property: Id(8)] string? CustomerId,
    [property: Id(9)] bool AuthorFound,
    [property: Id(10)] bool HasAttachments);

public enum MessageEventKind
{
    Received,
    Changed,
    Removed,
}

/// <summary>A message of a mailbox was stored, changed or removed.</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.MessageEvent")]
public sealed record MessageEvent(
    [property: Id(0)] MessageEventKind Kind,
    [property: Id(1)] string MailboxId,
    [property: Id(2)] string MessageId,
    [property: Id(3)] MessageSummary? Summary);

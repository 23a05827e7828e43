using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>Where an email sent through the service stands.</summary>
public enum OutgoingStatus
{
    /// <summary>Recorded, not yet handed to the SMTP server.</summary>
    Queued,

    /// <summary>Being handed to the SMTP server right now.</summary>
    Sending,

    /// <summary>The SMTP server accepted it.</summary>
    Sent,

    /// <summary>The SMTP server could not be reached or refused it; <see cref="OutgoingEmail.Error"/> says why. Nothing was sent.</summary>
    Failed,

    /// <summary>The service stopped while handing it over: it may or may not have gone out, and it is never retried automatically.</summary>
    Unknown,
}

/// <summary>An email to one customer (C3), written in the Communication tab.</summary>
/// <param name="To">One of the customer's addresses; null means its first.</param>
/// <param name="InReplyToId">The id of a stored message (of a mailbox the sender may read) this answers, for the threading headers.</param>
/// <param name="FromAddress">The sender's address when sending through their own server and the username is not an address.</param>
[GenerateSerializer, Immutable, Alias("splynx.sending.SendRequest")]
public sealed record SendRequest(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string? To,
    [property: Id(2)] string? Subject,
    [property: Id(3)] string? Text,
    [property: Id(4)] string? Html,
    [property: Id(5)] string? InReplyToId,
    [property: Id(6)] string? FromAddress = null);

/// <summary>An email of the outbox as the API shows it: <c>{id,status,error}</c>.</summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.OutgoingEmail")]
public sealed record OutgoingEmail(
    [property: Id(0)] string Id,
    [property: Id(1)] OutgoingStatus Status,
    [property: Id(2)] string? Error,
    [property: Id(3)] string MessageId);

/// <summary>
/// The outcome of a send (<see cref="OutgoingStatus.Sent"/> or <see cref="OutgoingStatus.Failed"/>), told to the
/// sender's browsers as it happens: <c>emailStatus</c>. An email a crash interrupted is told as it is settled, when
/// the outbox comes back (<see cref="OutgoingStatus.Unknown"/>, or failed if it never left the queue).
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.EmailStatusEvent")]
public sealed record EmailStatusEvent(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] string Id,
    [property: Id(2)] OutgoingStatus Status,
    [property: Id(3)] string? Error);

/// <summary>
/// The outcome of a send: the email (with its status), or field errors (a 400), or
/// <see cref="RateLimited"/> (a 429) with the reason in <see cref="RateLimitError"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.sending.SendResult")]
public sealed record SendResult(
    [property: Id(0)] OutgoingEmail? Email,
    [property: Id(1)] IReadOnlyDictionary<string, string[]> Errors,
    [property: Id(2)] bool RateLimited = false,
    [property: Id(3)] string? RateLimitError = null)
{
    public bool Accepted => Email is not null;
}

/// <summary>One admin's sending (keyed by the admin's id): test connection, test email, and mail to customers.</summary>
public interface IOutboxGrain : IGrainWithStringKey
{
    /// <summary>Connects to the admin's SMTP server (personal or system) and authenticates, as saved.</summary>
    Task<ConnectionTestResult> TestSmtpAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends a short test email to <paramref name="to"/> through the admin's SMTP, as saved.</summary>
    Task<ConnectionTestResult> SendTestEmailAsync(string to, string? fromAddress = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records, stores as outgoing, sends and copies to the Sent folder; answers when the SMTP server has
    /// answered. An email is handed to the server at most once, whatever happens.
    /// </summary>
    Task<SendResult> SendAsync(SendRequest request, CancellationToken cancellationToken = default);

    /// <summary>An email of this admin's outbox, or null.</summary>
    Task<OutgoingEmail?> GetAsync(string id);
}

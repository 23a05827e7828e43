using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>Where a message was found on the mail server: its folder and its UID under the folder's UIDVALIDITY.</summary>
public sealed record ServerLocation(string Folder, long UidValidity, long Uid);

/// <summary>
/// A message fetched from the server, ready to be stored. <see cref="Raw"/> is the whole RFC 822
/// message, readable and seekable from position 0 (usually a temporary file, so that large
/// messages are never held in memory); the store reads it but does not dispose of it.
/// </summary>
public sealed record FetchedMessage(
    string MailboxId,
    ServerLocation Location,
    MessageDirection Direction,
    DateTimeOffset InternalDate,
    Stream Raw);

public enum StoreOutcomeKind
{
    /// <summary>New to this mailbox: stored, committed, and worth a "received" event.</summary>
    Stored,

    /// <summary>
    /// Already stored: the same server location, or the same content (<see cref="ContentKey"/>) in the same mailbox
    /// and direction, whatever the Message-ID. The stored row now points at this location.
    /// </summary>
    Duplicate,

    /// <summary>The owner deleted this message: it is never imported again.</summary>
    Tombstoned,

    /// <summary>It could not be parsed or stored; it sits in the quarantine with its error.</summary>
    Quarantined,
}

public sealed record StoreOutcome(StoreOutcomeKind Kind, ServerLocation Location, MessageSummary? Summary, string? Error)
{
    /// <summary>Safe to mark \Seen on the server: the message (or its twin) is committed in the store.</summary>
    public bool IsCommitted => Kind is StoreOutcomeKind.Stored or StoreOutcomeKind.Duplicate;
}

/// <summary>
/// The messages of every mailbox, in PostgreSQL. Messages never live in grain state. Every method
/// is safe to call again with the same input: that is how a sync that died half-way resumes
/// without duplicates.
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Parses and stores a batch in order, one outcome per message (same order). A message that cannot be
    /// parsed or stored is quarantined and the rest still go in; the call itself throws only when the
    /// database is unreachable (then nothing of the batch is reported stored). A message that is stored
    /// (or found a duplicate) leaves the quarantine if it was there for the same location.
    /// </summary>
    Task<IReadOnlyList<StoreOutcome>> StoreAsync(IReadOnlyList<FetchedMessage> messages, CancellationToken cancellationToken);

    /// <summary>The UIDs among <paramref name="uids"/> already stored for that folder and UIDVALIDITY (or quarantined there).</summary>
    Task<IReadOnlySet<long>> KnownUidsAsync(string mailboxId, string folder, long uidValidity, IReadOnlyCollection<long> uids, CancellationToken cancellationToken);

    /// <summary>The UIDs among <paramref name="uids"/> stored (not quarantined) for that folder and UIDVALIDITY.</summary>
    Task<IReadOnlySet<long>> StoredUidsAsync(string mailboxId, string folder, long uidValidity, IReadOnlyCollection<long> uids, CancellationToken cancellationToken);

    /// <summary>How many messages the mailbox holds.</summary>
    Task<long> CountAsync(string mailboxId, CancellationToken cancellationToken);

    Task<MessageSummary?> GetSummaryAsync(string mailboxId, string messageId, CancellationToken cancellationToken);

    /// <summary>Removes a message for good and leaves a tombstone so it is never imported again. False if unknown.</summary>
    Task<bool> DeleteAsync(string mailboxId, string messageId, CancellationToken cancellationToken);

    /// <summary>Removes every stored message whose sender is that address or in that domain (block). Returns the removed ids.</summary>
    Task<IReadOnlyList<string>> DeleteFromSenderAsync(string mailboxId, string addressOrDomain, CancellationToken cancellationToken);

    Task<IReadOnlyList<QuarantinedMessage>> QuarantineAsync(string mailboxId, CancellationToken cancellationToken);

    Task<int> QuarantineCountAsync(string mailboxId, CancellationToken cancellationToken);

    /// <summary>The raw message kept with a quarantine entry, if it was fetched before it failed.</summary>
    Task<Stream?> OpenQuarantinedRawAsync(string mailboxId, string quarantineId, CancellationToken cancellationToken);

    /// <summary>Records a message that failed before it could be stored (fetch error, say), without its bytes.</summary>
    Task QuarantineAsync(string mailboxId, ServerLocation location, string? subject, string error, CancellationToken cancellationToken);

    Task<bool> DropQuarantinedAsync(string mailboxId, string quarantineId, CancellationToken cancellationToken);
}

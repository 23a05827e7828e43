namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>What a mailbox publishes about itself whenever it changes (a row of <c>mailbox_presence</c>).</summary>
/// <param name="Enabled">Whether the mailbox should be syncing (processing on and IMAP configured).</param>
/// <param name="Silo">The full address of the silo that holds it (with its generation), or null when it holds no connection.</param>
public sealed record MailboxPresence(
    string MailboxId, bool Enabled, string? Silo, MailboxState State, string? Error, MailErrorKind? ErrorKind, DateTime? LastSyncAt);

/// <summary>One mailbox as the operators' overview lists it.</summary>
public sealed record MailboxOverviewRow(
    string AdminId, string Login, string Name, string State, string? Error, string? ErrorKind,
    DateTime? LastSyncAt, long Messages, int Quarantined, string? Silo);

/// <summary>A mailbox's new state as the operators' live view receives it (<c>silo</c> as the full silo address).</summary>
public sealed record MailboxPresenceChange(
    string AdminId, string State, string? Error, string? ErrorKind, DateTime? LastSyncAt, string? Silo);

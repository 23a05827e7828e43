using Splynx.Orleans.Sending;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// One admin's mailbox (keyed by the admin's id): its settings, its live IMAP sync, its quarantine
/// and the events of its messages.
/// </summary>
public interface IMailboxGrain : IGrainWithStringKey
{
    /// <summary>The saved settings; the password is never returned, only whether one is saved.</summary>
    Task<MailSettings> GetSettingsAsync();

    /// <summary>
    /// Validates and saves. A null password keeps the saved one. Takes effect at once: the sync starts,
    /// stops or reconnects with the new settings.
    /// </summary>
    Task<SettingsUpdateResult> UpdateSettingsAsync(MailSettings settings);

    /// <summary>Tries the given settings (not saved; a null password means the saved one), or the saved ones.</summary>
    Task<ConnectionTestResult> TestImapAsync(MailSettings? candidate, CancellationToken cancellationToken = default);

    /// <summary>Lists the folders of the given (or saved) account and picks the folder of sent mail.</summary>
    Task<FolderListResult> LoadFoldersAsync(MailSettings? candidate, CancellationToken cancellationToken = default);

    Task<MailboxStatus> GetStatusAsync();

    Task<IReadOnlyList<QuarantinedMessage>> GetQuarantineAsync();

    /// <summary>Stores a quarantined message again (from its kept bytes, or by fetching it once more).</summary>
    Task<bool> RetryQuarantinedAsync(string quarantineId);

    Task<bool> DropQuarantinedAsync(string quarantineId);

    /// <summary>Removes a message from the service for good (I7); the mail on the server is untouched. False if unknown.</summary>
    Task<bool> DeleteMessageAsync(string messageId);

    /// <summary>
    /// Blocks the sender of a message (I6): the address joins the deny list and every stored message
    /// from it leaves the mailbox. Returns the address, or null if the message is unknown.
    /// </summary>
    Task<string?> BlockSenderAsync(string messageId);

    /// <summary>Messages of this mailbox changed elsewhere (paired or unpaired): tell the observers.</summary>
    Task NotifyChangedAsync(IReadOnlyList<string> messageIds);

    /// <summary>Messages were stored in this mailbox outside the sync (an email sent through the service): tell the observers.</summary>
    Task NotifyStoredAsync(IReadOnlyList<string> messageIds);

    /// <summary>
    /// An email this admin sent through the service was settled: tell the observers, who pass it to this admin's
    /// own connections only (the outbox has no observers of its own; every web host already hears this grain).
    /// </summary>
    Task NotifyEmailStatusAsync(EmailStatusEvent emailStatus);

    /// <summary>Receives message and status events for a while (renew before it expires).</summary>
    Task SubscribeAsync(IMailboxObserver observer);

    Task UnsubscribeAsync(IMailboxObserver observer);
}

/// <summary>Receives what happens in a mailbox: new, changed and removed messages, and sync status.</summary>
public interface IMailboxObserver : IGrainObserver
{
    /// <summary>
    /// Events in the order they happened, as many as one change brought (a stored batch of an import is one
    /// call, not a round trip per message). The next call waits for this one, which keeps the order.
    /// </summary>
    Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents);

    Task OnStatusChangedAsync(string mailboxId, MailboxStatus status);

    /// <summary>The outcome of an email the mailbox's owner sent; for the owner's eyes only, never a delegate's.</summary>
    Task OnEmailStatusAsync(string senderId, EmailStatusEvent emailStatus);
}

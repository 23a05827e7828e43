using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Mailbox;

/// <summary>What the sync needs from the grain that runs it: settings, position, and where to report.</summary>
internal interface IMailboxSyncHost
{
    string MailboxId { get; }

    MailSettings Settings { get; }

    /// <summary>
    /// What the next login presents, in clear for this connection only: the account password, or an access token
    /// of the account's OAuth grant (renewed when due; <see cref="OAuth.OAuthGrantRejectedException"/> when the
    /// provider refuses the grant).
    /// </summary>
    Task<string> GetLoginSecretAsync(CancellationToken cancellationToken);

    /// <summary>The earliest instant the import covers: the historic date, or when processing was first enabled.</summary>
    DateTimeOffset ImportStart { get; }

    /// <summary>A date the import must reach back to below the cursors (the historic date moved earlier), if any.</summary>
    DateOnly? PendingBackfillFrom { get; }

    SyncCursor? GetCursor(SyncedFolder folder);

    Task SaveCursorAsync(SyncedFolder folder, SyncCursor cursor);

    Task BackfillDoneAsync(DateOnly from);

    void ReportState(MailboxState newState, string? error = null, MailErrorKind? errorKind = null);

    void ReportSynced();

    Task PublishAsync(IReadOnlyList<StoreOutcome> outcomes);
}

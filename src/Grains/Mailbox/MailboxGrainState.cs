namespace Splynx.Orleans.Mailbox;

/// <summary>Which of the two folders the sync follows.</summary>
public enum SyncedFolder
{
    Inbox,
    Sent,
}

/// <summary>
/// How far a folder has been imported: every UID up to <see cref="HighestUid"/> under
/// <see cref="UidValidity"/> was stored, skipped by the settings, or quarantined.
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.SyncCursor")]
public sealed record SyncCursor(
    [property: Id(0)] string FolderName,
    [property: Id(1)] long UidValidity,
    [property: Id(2)] long HighestUid);

/// <summary>The mailbox grain's persisted state: settings and sync position, never messages.</summary>
[GenerateSerializer, Alias("splynx.mailbox.MailboxGrainState")]
public sealed class MailboxGrainState
{
    /// <summary>The settings as saved, with <see cref="CredentialsSettings.Password"/> and <see cref="CredentialsSettings.RefreshToken"/> always null.</summary>
    [Id(0)] public MailSettings Settings { get; set; } = MailSettings.Default;

    /// <summary>The account password, encrypted with the cluster's Data Protection keys.</summary>
    [Id(1)] public string? ProtectedPassword { get; set; }

    /// <summary>When processing was first enabled: without a historic date, the sync starts here.</summary>
    [Id(2)] public DateTimeOffset? ProcessingStartedAt { get; set; }

    [Id(3)] public Dictionary<SyncedFolder, SyncCursor> Cursors { get; set; } = [];

    /// <summary>The earliest date the import has covered below the cursors (a historic date moved earlier back-fills down to it).</summary>
    [Id(4)] public DateOnly? ImportedFrom { get; set; }

    /// <summary>The OAuth2 grant's refresh token, encrypted like the password; null for a password account.</summary>
    [Id(5)] public string? ProtectedRefreshToken { get; set; }
}

namespace Splynx.Orleans.Mailbox;

public enum MailboxState
{
    Disabled,
    Connecting,
    Syncing,
    Idle,
    Error,
}

/// <summary>What went wrong talking to a mail server, in terms a person can act on.</summary>
public enum MailErrorKind
{
    /// <summary>The server name does not resolve.</summary>
    Dns,

    /// <summary>Nothing answers at that address and port (refused, unreachable, reset).</summary>
    Connect,

    /// <summary>TLS could not be established, most often an untrusted or mismatched certificate.</summary>
    Tls,

    /// <summary>The server refused the username or password.</summary>
    Auth,

    /// <summary>The server did not answer in time.</summary>
    Timeout,

    /// <summary>The server answered something unexpected (not IMAP, a missing capability, a refused command).</summary>
    Protocol,
}

/// <remarks>
/// <see cref="AsOf"/> is when the state was read. Snapshots reach a reader by two paths (a pushed change and a
/// fetched answer) that may cross, so a reader keeps the later one instead of the last to arrive.
/// </remarks>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.MailboxStatus")]
public sealed record MailboxStatus(
    [property: Id(0)] MailboxState State,
    [property: Id(1)] string? Error,
    [property: Id(2)] MailErrorKind? ErrorKind,
    [property: Id(3)] DateTime? LastSyncAt,
    [property: Id(4)] long Messages,
    [property: Id(5)] int Quarantined,
    [property: Id(6)] string? Silo,
    [property: Id(7)] DateTime AsOf);

/// <summary>The outcome of trying a connection.</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.ConnectionTestResult")]
public sealed record ConnectionTestResult(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string? Error,
    [property: Id(2)] MailErrorKind? ErrorKind)
{
    public static ConnectionTestResult Success { get; } = new(true, null, null);
}

[GenerateSerializer, Immutable, Alias("splynx.mailbox.MailFolderInfo")]
public sealed record MailFolderInfo([property: Id(0)] string Name, [property: Id(1)] string? SpecialUse);

[GenerateSerializer, Immutable, Alias("splynx.mailbox.FolderListResult")]
public sealed record FolderListResult(
    [property: Id(0)] ConnectionTestResult Connection,
    [property: Id(1)] IReadOnlyList<MailFolderInfo> Folders,
    [property: Id(2)] string? SentFolder);

/// <summary>Settings that were refused: each field path (<c>imap.port</c>, <c>tracking.denyList[2]</c>) with its problems.</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.SettingsUpdateResult")]
public sealed record SettingsUpdateResult(
    [property: Id(0)] MailSettings? Saved,
    [property: Id(1)] IReadOnlyDictionary<string, string[]> Errors)
{
    public bool Succeeded => Saved is not null;
}

[GenerateSerializer, Immutable, Alias("splynx.mailbox.QuarantinedMessage")]
public sealed record QuarantinedMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string Folder,
    [property: Id(2)] long Uid,
    [property: Id(3)] string? Subject,
    [property: Id(4)] string Error,
    [property: Id(5)] DateTime At);

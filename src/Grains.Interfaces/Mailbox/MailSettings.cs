namespace Splynx.Orleans.Mailbox;

/// <summary>Which messages the sync imports (setting S2).</summary>
public enum ProcessMode
{
    /// <summary>Every message, read or not.</summary>
    All,

    /// <summary>Only messages not yet \Seen on the server when the sync first sees them.</summary>
    Unread,
}

/// <summary>How the IMAP connection is secured.</summary>
public enum ImapSecurity
{
    /// <summary>Implicit TLS (usually port 993).</summary>
    Ssl,

    /// <summary>Plain connection upgraded with STARTTLS (usually port 143).</summary>
    StartTls,

    /// <summary>No TLS at all.</summary>
    None,
}

/// <summary>How the SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    None,
    StartTls,
    Ssl,
}

/// <summary>SMTP authentication mechanism.</summary>
public enum SmtpAuth
{
    None,
    Plain,
    Login,
    CramMd5,
}

/// <summary>Email tracking (S1–S5).</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.TrackingSettings")]
public sealed record TrackingSettings(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] ProcessMode Process,
    [property: Id(2)] DateOnly? HistoricFrom,
    [property: Id(3)] bool MarkAsRead,
    [property: Id(4)] IReadOnlyList<string> DenyList)
{
    public static TrackingSettings Default => new(false, ProcessMode.All, null, false, []);
}

/// <summary>The admins allowed to read this mailbox (S6).</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.AccessSettings")]
public sealed record AccessSettings([property: Id(0)] IReadOnlyList<string> AdminIds)
{
    public static AccessSettings Default => new([]);
}

/// <summary>
/// The mail account (S7): signed in with a password, or with an OAuth2 grant when <see cref="OAuthApplicationId"/>
/// names a registered <c>OAuthApplication</c> (the <see cref="Username"/> is then the account's address).
/// <see cref="Password"/> and <see cref="RefreshToken"/> are only ever inputs: null keeps the saved one, and every
/// read answers null with <see cref="HasPassword"/> / <see cref="HasGrant"/> instead.
/// </summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.CredentialsSettings")]
public sealed record CredentialsSettings(
    [property: Id(0)] string Username,
    [property: Id(1)] string? Password,
    [property: Id(2)] bool HasPassword,
    [property: Id(3)] string? OAuthApplicationId = null,
    [property: Id(4)] string? RefreshToken = null,
    [property: Id(5)] bool HasGrant = false)
{
    public static CredentialsSettings Default => new("", null, false);

    /// <summary>The account signs in with an OAuth2 grant instead of a password.</summary>
    public bool UsesOAuth => OAuthApplicationId is not null;

    /// <summary>Whatever this kind of credentials needs to log in is saved.</summary>
    public bool HasSecret => UsesOAuth ? HasGrant : HasPassword;

    /// <summary>Never show the password or the refresh token, even to a debugger or a log.</summary>
    public override string ToString() =>
        $"CredentialsSettings {{ Username = {Username}, HasPassword = {HasPassword}, OAuthApplicationId = {OAuthApplicationId}, HasGrant = {HasGrant} }}";
}

/// <summary>IMAP server (S8).</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.ImapSettings")]
public sealed record ImapSettings(
    [property: Id(0)] string Server,
    [property: Id(1)] int Port,
    [property: Id(2)] ImapSecurity Security,
    [property: Id(3)] bool DontValidateCertificate,
    [property: Id(4)] string? SentFolder)
{
    public static ImapSettings Default => new("", 993, ImapSecurity.Ssl, false, null);
}

/// <summary>Personal or system SMTP (S9).</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.SmtpSettings")]
public sealed record SmtpSettings(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] string? ReplyTo,
    [property: Id(2)] bool UseSystem,
    [property: Id(3)] string? Server,
    [property: Id(4)] int Port,
    [property: Id(5)] SmtpSecurity Security,
    [property: Id(6)] SmtpAuth Auth,
    [property: Id(7)] bool DontValidateCertificate)
{
    public static SmtpSettings Default => new(false, null, false, null, 587, SmtpSecurity.StartTls, SmtpAuth.Plain, false);
}

/// <summary>Everything an admin configures in My Profile for their mailbox.</summary>
[GenerateSerializer, Immutable, Alias("splynx.mailbox.MailSettings")]
public sealed record MailSettings(
    [property: Id(0)] TrackingSettings Tracking,
    [property: Id(1)] AccessSettings Access,
    [property: Id(2)] CredentialsSettings Credentials,
    [property: Id(3)] ImapSettings Imap,
    [property: Id(4)] SmtpSettings Smtp)
{
    /// <summary>
    /// Nothing configured. Like every default of these settings, a new instance on each use: grain states start
    /// from it, and states must never share an object (a serializer that populates objects would write into it).
    /// </summary>
    public static MailSettings Default =>
        new(TrackingSettings.Default, AccessSettings.Default, CredentialsSettings.Default, ImapSettings.Default, SmtpSettings.Default);

    /// <summary>IMAP counts as configured once a server and credentials are saved (the S6 rule for delegates).</summary>
    public bool HasImapConfigured => Imap.Server.Length > 0 && Credentials.Username.Length > 0 && Credentials.HasSecret;
}

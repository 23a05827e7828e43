namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>What <see cref="ImapEndpoint.Password"/> holds, and so how the login goes.</summary>
public enum ImapCredentialKind
{
    /// <summary>The account's password (LOGIN, or the server's SASL choice).</summary>
    Password,

    /// <summary>An OAuth2 access token, presented with SASL XOAUTH2.</summary>
    AccessToken,
}

/// <summary>
/// Where and as whom to log in. Lives only in memory: the password (or access token) is never persisted in clear.
/// </summary>
public sealed record ImapEndpoint(
    string Server,
    int Port,
    ImapSecurity Security,
    bool DontValidateCertificate,
    string Username,
    string Password,
    ImapCredentialKind Credential = ImapCredentialKind.Password)
{
    public static ImapEndpoint From(MailSettings settings, string password) => new(
        settings.Imap.Server.Trim(), settings.Imap.Port, settings.Imap.Security,
        settings.Imap.DontValidateCertificate, settings.Credentials.Username.Trim(), password);

    public override string ToString() => $"{Username}@{Server}:{Port} ({Security})";
}

namespace Splynx.Orleans.Mailbox.Imap;

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
    MailCredentialKind Credential = MailCredentialKind.Password)
{
    /// <param name="secret">The password, or the access token when the account signs in with OAuth.</param>
    public static ImapEndpoint From(MailSettings settings, string secret) => new(
        settings.Imap.Server.Trim(), settings.Imap.Port, settings.Imap.Security,
        settings.Imap.DontValidateCertificate, settings.Credentials.Username.Trim(), secret,
        settings.Credentials.UsesOAuth ? MailCredentialKind.AccessToken : MailCredentialKind.Password);

    public override string ToString() => $"{Username}@{Server}:{Port} ({Security})";
}

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
    public static ImapEndpoint From(MailSettings settings, string password) => new(
        settings.Imap.Server.Trim(), settings.Imap.Port, settings.Imap.Security,
        settings.Imap.DontValidateCertificate, settings.Credentials.Username.Trim(), password);

    public override string ToString() => $"{Username}@{Server}:{Port} ({Security})";
}

using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>
/// Where and as whom to hand mail over. Lives only in memory: the password (or access token, presented with
/// XOAUTH2 whatever <see cref="Auth"/> says) is never persisted in clear.
/// </summary>
public sealed record SmtpEndpoint(
    string Server,
    int Port,
    SmtpSecurity Security,
    SmtpAuth Auth,
    bool DontValidateCertificate,
    string Username,
    string Password,
    MailCredentialKind Credential = MailCredentialKind.Password)
{
    /// <summary>The admin's own server (S9) with the mailbox's credentials (S7): <paramref name="secret"/> is the
    /// password, or the access token when the account signs in with OAuth.</summary>
    public static SmtpEndpoint FromPersonal(MailSettings settings, string secret) => new(
        (settings.Smtp.Server ?? "").Trim(), settings.Smtp.Port, settings.Smtp.Security, settings.Smtp.Auth,
        settings.Smtp.DontValidateCertificate, settings.Credentials.Username.Trim(), secret,
        settings.Credentials.UsesOAuth ? MailCredentialKind.AccessToken : MailCredentialKind.Password);

    public static SmtpEndpoint FromAccount(SmtpAccount account) => new(
        account.Server, account.Port, account.Security, account.Auth, account.DontValidateCertificate, account.Username, account.Password);

    public override string ToString() => $"{Username}@{Server}:{Port} ({Security}, {Auth})";
}

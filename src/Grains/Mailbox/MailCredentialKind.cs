namespace Splynx.Orleans.Mailbox;

/// <summary>What an IMAP or SMTP endpoint's <c>Password</c> holds, and so how the login goes.</summary>
public enum MailCredentialKind
{
    /// <summary>The account's password (the mechanism the admin or the server chose).</summary>
    Password,

    /// <summary>An OAuth2 access token, presented with SASL XOAUTH2.</summary>
    AccessToken,
}

using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.MailStack;

/// <summary>Plain MailKit clients against the local stack, trusting exactly the stack's self-signed certificate.</summary>
internal static class MailClients
{
    public static int ImapPortFor(SecureSocketOptions security) =>
        security == SecureSocketOptions.SslOnConnect ? LocalStack.ImapsPort : LocalStack.ImapPort;

    public static async Task<ImapClient> ImapAsync(MailUser user, SecureSocketOptions security = SecureSocketOptions.StartTls)
    {
        var imap = new ImapClient { ServerCertificateValidationCallback = LocalStack.TrustStackCertificate };
        await imap.ConnectAsync(LocalStack.MailHost, ImapPortFor(security), security);
        await imap.AuthenticateAsync(user.Login, user.Password);
        return imap;
    }

    public static MimeMessage Message(string from, string to, string subject) => new()
    {
        From = { MailboxAddress.Parse(from) },
        To = { MailboxAddress.Parse(to) },
        Subject = subject,
        Body = new TextPart("plain") { Text = $"Body of {subject}" },
    };

    /// <summary>Delivers like another mail server would: the port without authentication.</summary>
    public static async Task DeliverAsync(MimeMessage message)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(LocalStack.MailHost, LocalStack.SmtpPort, SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
    }

    /// <summary>The subjects in a user's INBOX, read without changing any flag.</summary>
    public static async Task<IReadOnlyList<string>> InboxSubjectsAsync(MailUser user)
    {
        using var imap = await ImapAsync(user);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        if (imap.Inbox.Count == 0)
        {
            return [];
        }
        var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope);
        await imap.DisconnectAsync(quit: true);
        return summaries.Select(summary => summary.Envelope?.Subject ?? "").ToList();
    }
}

using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.MailStack;

/// <summary>Mail flows through the stack's Postfix into Dovecot, and IDLE hears of it.</summary>
public sealed class MailDeliveryTests
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Idle_session_is_notified_of_a_message_delivered_through_postfix()
    {
        var recipient = await LocalStack.CreateMailUserAsync();
        var subject = "idle " + Guid.NewGuid();
        using var imap = await MailClients.ImapAsync(recipient);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        imap.Inbox.CountChanged += (_, _) => arrived.TrySetResult();

        using var stopIdle = new CancellationTokenSource();
        var idle = imap.IdleAsync(stopIdle.Token);
        await MailClients.DeliverAsync(MailClients.Message("sender@elsewhere.test", recipient.Address, subject));
        await arrived.Task.WaitAsync(DeliveryTimeout);
        await stopIdle.CancelAsync();
        await idle;

        Assert.Equal(1, imap.Inbox.Count);
        var summary = Assert.Single(await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Envelope));
        Assert.Equal(subject, summary.Envelope?.Subject);
    }

    [Theory]
    [InlineData(SecureSocketOptions.StartTls)]
    [InlineData(SecureSocketOptions.SslOnConnect)]
    public async Task Message_submitted_with_auth_arrives_in_the_recipients_inbox(SecureSocketOptions security)
    {
        var sender = await LocalStack.CreateMailUserAsync();
        var recipient = await LocalStack.CreateMailUserAsync();
        var subject = "submitted " + Guid.NewGuid();

        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = LocalStack.TrustStackCertificate })
        {
            await smtp.ConnectAsync(LocalStack.MailHost, SubmissionPortFor(security), security);
            Assert.True(smtp.IsSecure);
            await smtp.AuthenticateAsync(sender.Login, sender.Password);
            await smtp.SendAsync(MailClients.Message(sender.Address, recipient.Address, subject));
            await smtp.DisconnectAsync(quit: true);
        }

        var subjects = await Eventually.ReturnsAsync(() => MailClients.InboxSubjectsAsync(recipient),
            found => found.Contains(subject), DeliveryTimeout, "the submitted message in the recipient's INBOX");
        Assert.Single(subjects);
    }

    [Theory]
    [InlineData(SecureSocketOptions.StartTls)]
    [InlineData(SecureSocketOptions.SslOnConnect)]
    public async Task Submission_with_a_wrong_password_is_refused(SecureSocketOptions security)
    {
        var sender = await LocalStack.CreateMailUserAsync();
        using var smtp = new SmtpClient { ServerCertificateValidationCallback = LocalStack.TrustStackCertificate };
        await smtp.ConnectAsync(LocalStack.MailHost, SubmissionPortFor(security), security);

        await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(sender.Login, sender.Password + "-wrong"));
    }

    private static int SubmissionPortFor(SecureSocketOptions security) =>
        security == SecureSocketOptions.SslOnConnect ? LocalStack.SmtpsPort : LocalStack.SubmissionPort;
}

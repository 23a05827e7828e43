using System.Net;
using System.Text.Json;
using MailKit;
using MailKit.Search;
using MimeKit;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;

namespace Splynx.Orleans.Tests.Api;

/// <summary>SMTP checks, test emails, the system SMTP and emails to customers over REST, through the stack's Postfix.</summary>
public sealed class SendingApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Smtp_test_succeeds_over_submission_starttls_and_a_wrong_password_is_an_auth_error()
    {
        var (browser, user) = await NewSendingAdminAsync();
        using (browser)
        {
            var ok = await browser.PostAsync("/api/me/mail-settings/smtp/test");
            Assert.True(ok.Status == HttpStatusCode.OK, ok.ToString());
            Assert.True(ok.Json.GetProperty("ok").GetBoolean(), ok.ToString());
            Assert.Equal(JsonValueKind.Null, ok.Json.GetProperty("errorKind").ValueKind);

            var wrong = "not-" + user.Password;
            host.RememberSecret(wrong);
            await SaveSmtpSettingsAsync(browser, user, wrong);
            var refused = await browser.PostAsync("/api/me/mail-settings/smtp/test");
            Assert.Equal(HttpStatusCode.OK, refused.Status);
            Assert.False(refused.Json.GetProperty("ok").GetBoolean());
            Assert.Equal("auth", refused.Json.GetProperty("errorKind").GetString());
            Assert.False(string.IsNullOrWhiteSpace(refused.Json.GetProperty("error").GetString()));
        }
    }

    [Fact]
    public async Task A_test_email_arrives_and_a_recipient_that_is_not_an_address_is_refused()
    {
        var (browser, _) = await NewSendingAdminAsync();
        var recipient = await LocalStack.CreateMailUserAsync("r");
        host.RememberSecret(recipient.Password);
        using (browser)
        {
            var sent = await browser.PostAsync("/api/me/mail-settings/smtp/test-email", new { to = recipient.Address });
            Assert.True(sent.Status == HttpStatusCode.OK, sent.ToString());
            Assert.True(sent.Json.GetProperty("ok").GetBoolean(), sent.ToString());
            await WaitForInboxMessageAsync(recipient, "Test email from Splynx");

            var invalid = await browser.PostAsync("/api/me/mail-settings/smtp/test-email", new { to = "foo@" });
            Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
            Assert.Equal("application/problem+json", invalid.ContentType);
            Assert.Equal(["to"], invalid.ErrorFields);
        }
    }

    [Fact]
    public async Task System_smtp_is_empty_until_saved_only_super_admins_see_it_and_the_password_is_never_returned()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var (admin, _, _) = await host.NewAdminAsync();
        using var _1 = admin;
        var system = await LocalStack.CreateMailUserAsync("s");
        host.RememberSecret(system.Password);

        var empty = await boss.GetAsync("/api/system/smtp");
        Assert.True(empty.Status == HttpStatusCode.OK, empty.ToString());
        foreach (var field in new[] { "server", "port", "security", "auth", "username", "senderEmail", "senderName" })
        {
            Assert.Equal(JsonValueKind.Null, empty.Json.GetProperty(field).ValueKind);
        }
        Assert.False(empty.Json.GetProperty("hasPassword").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, (await admin.GetAsync("/api/system/smtp")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsync("/api/system/smtp", SystemSmtp(system, "x@example.test"))).Status);
        using (var anonymous = host.NewBrowser())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/system/smtp")).Status);
        }

        var invalid = await boss.PutAsync("/api/system/smtp", new
        {
            server = "bad host!", port = 0, security = "starttls", auth = "plain", dontValidateCertificate = false,
            username = (string?)null, password = (string?)null, senderEmail = "not-an-address", senderName = (string?)null,
        });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(["password", "port", "senderEmail", "server", "username"], invalid.ErrorFields.Order());

        var wrongEnum = await boss.SendRawAsync(HttpMethod.Put, "/api/system/smtp", """{"security":"tls"}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongEnum.Status);
        Assert.Equal(["security"], wrongEnum.ErrorFields);
        Assert.Contains("none, starttls, ssl", wrongEnum.Json.GetProperty("errors").GetProperty("security")[0].GetString(), StringComparison.Ordinal);

        var sender = $"noreply-{Guid.NewGuid():N}"[..20] + "@" + LocalStack.MailDomain;
        var saved = await boss.PutAsync("/api/system/smtp", SystemSmtp(system, sender));
        Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
        Assert.False(saved.Json.TryGetProperty("password", out _));
        Assert.True(saved.Json.GetProperty("hasPassword").GetBoolean());
        Assert.Equal("starttls", saved.Json.GetProperty("security").GetString());
        Assert.Equal("cram-md5", (await boss.PutAsync("/api/system/smtp", SystemSmtp(system, sender, auth: "cram-md5", password: null)))
            .Json.GetProperty("auth").GetString());

        var read = await boss.GetAsync("/api/system/smtp");
        Assert.Equal(sender, read.Json.GetProperty("senderEmail").GetString());
        Assert.Equal(LocalStack.SubmissionPort, read.Json.GetProperty("port").GetInt32());
        Assert.True(read.Json.GetProperty("hasPassword").GetBoolean(), "a null password keeps the saved one");
        Assert.False(read.Json.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task An_email_to_a_customer_is_accepted_sent_and_arrives_and_only_its_sender_sees_its_status()
    {
        var (browser, _) = await NewSendingAdminAsync();
        var (stranger, _, _) = await host.NewAdminAsync();
        using var _1 = browser;
        using var _2 = stranger;
        var customerMail = await LocalStack.CreateMailUserAsync("c");
        host.RememberSecret(customerMail.Password);
        var created = await browser.PostAsync("/api/customers", new { name = "Ann Customer", category = "customer", emails = new[] { customerMail.Address } });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var customerId = created.Json.GetProperty("id").GetString()!;
        var subject = "Your bill " + Guid.NewGuid().ToString("N")[..8];

        var accepted = await browser.PostAsync($"/api/customers/{customerId}/emails",
            new { subject, text = "Your bill is fine.", html = "<p>Your bill is <b>fine</b>.</p>", to = (string?)null, inReplyToId = (string?)null });

        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.ToString());
        Assert.Equal(["error", "id", "status"], accepted.Json.EnumerateObject().Select(p => p.Name).Order());
        var emailId = accepted.Json.GetProperty("id").GetString()!;
        Assert.True(accepted.Json.GetProperty("status").GetString() == "queued", accepted.ToString());
        await Eventually.TrueAsync(
            async () => (await browser.GetAsync($"/api/customers/{customerId}/emails/{emailId}")).Json.GetProperty("status").GetString() == "sent",
            DeliveryTimeout, "the email to be sent");
        var received = await WaitForInboxMessageAsync(customerMail, subject);
        Assert.Equal(customerMail.Address, received.To.Mailboxes.Single().Address);

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/customers/{customerId}/emails/{emailId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/api/customers/{customerId}/emails/999999999")).Status);
    }

    [Fact]
    public async Task Sending_to_an_unknown_customer_is_404_and_to_an_address_not_of_the_customer_is_400()
    {
        var (browser, _) = await NewSendingAdminAsync();
        using (browser)
        {
            var unknown = await browser.PostAsync("/api/customers/no-such-customer/emails", new { subject = "hello", text = "text" });
            Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
            Assert.Equal("application/problem+json", unknown.ContentType);

            var created = await browser.PostAsync("/api/customers",
                new { name = "Bob Lead", category = "lead", emails = new[] { $"bob-{Guid.NewGuid():N}@elsewhere.test" } });
            var customerId = created.Json.GetProperty("id").GetString()!;

            var notAnAddress = await browser.PostAsync($"/api/customers/{customerId}/emails", new { subject = "hello", text = "text", to = "bob@" });
            Assert.Equal(HttpStatusCode.BadRequest, notAnAddress.Status);
            Assert.Equal(["to"], notAnAddress.ErrorFields);

            var notTheirs = await browser.PostAsync($"/api/customers/{customerId}/emails", new { subject = "hello", text = "text", to = "someone@else.test" });
            Assert.Equal(HttpStatusCode.BadRequest, notTheirs.Status);
            Assert.Equal(["to"], notTheirs.ErrorFields);
        }
    }

    [Fact]
    public async Task A_delegate_without_imap_of_their_own_cannot_reply_to_the_owners_mail_until_they_configure_it()
    {
        // The delegate sends through their own SMTP but has no IMAP saved: by S6 they may not read the owner's mailbox.
        var (delegateBrowser, delegateAdmin, _) = await host.NewAdminAsync();
        using var _1 = delegateBrowser;
        var delegateId = delegateAdmin.GetProperty("id").GetString()!;
        var delegateUser = await LocalStack.CreateMailUserAsync("dlg");
        host.RememberSecret(delegateUser.Password);
        await SaveSmtpSettingsAsync(delegateBrowser, delegateUser, delegateUser.Password, imapServer: "");

        var owner = await MailScenario.NewMailAdminAsync(host, tracking: true, delegates: [delegateId]);
        using var _2 = owner.Browser;
        var sender = MailScenario.NewSender();
        var subject = "Private question " + Guid.NewGuid().ToString("N")[..8];
        await MailScenario.DeliverAsync(owner.User, sender, subject);
        var message = await MailScenario.WaitInInboxAsync(owner.Browser, owner.Id, subject);
        var messageId = message.GetProperty("id").GetString()!;
        var customer = await owner.Browser.PostAsync("/api/customers", new { name = "Asking customer", category = "customer", emails = new[] { sender } });
        var customerId = customer.Json.GetProperty("id").GetString()!;
        var reply = new { subject = (string?)null, text = "Our answer.", to = (string?)null, inReplyToId = messageId };

        var refused = await delegateBrowser.PostAsync($"/api/customers/{customerId}/emails", reply);
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("inReplyToId", refused.ErrorFields);
        Assert.DoesNotContain(subject, refused.Body, StringComparison.Ordinal);

        // With IMAP of their own the same reply is theirs to send, threaded under the owner's message.
        await SaveSmtpSettingsAsync(delegateBrowser, delegateUser, delegateUser.Password);
        var accepted = await delegateBrowser.PostAsync($"/api/customers/{customerId}/emails", reply);
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.ToString());
        var sentCopy = await Eventually.ReturnsAsync(() => delegateBrowser.GetAsync($"/api/customers/{customerId}/communication"),
            page => page.Body.Contains("Re: " + subject, StringComparison.Ordinal), DeliveryTimeout, "the reply in the communication");
        Assert.Contains("Re: " + subject, sentCopy.Body, StringComparison.Ordinal);
    }

    /// <summary>An admin whose personal SMTP is the stack's submission port (STARTTLS, PLAIN, self-signed certificate accepted).</summary>
    private async Task<(Browser Browser, MailUser User)> NewSendingAdminAsync()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        var user = await LocalStack.CreateMailUserAsync("snd");
        host.RememberSecret(user.Password);
        await SaveSmtpSettingsAsync(browser, user, user.Password);
        return (browser, user);
    }

    private static async Task SaveSmtpSettingsAsync(Browser browser, MailUser user, string password, string? imapServer = null)
    {
        var saved = await browser.PutAsync("/api/me/mail-settings", new
        {
            tracking = new { enabled = false, process = "all", historicFrom = (string?)null, markAsRead = false, denyList = Array.Empty<string>() },
            access = new { adminIds = Array.Empty<string>() },
            credentials = new { username = user.Login, password },
            imap = new { server = imapServer ?? LocalStack.MailHost, port = LocalStack.ImapPort, security = "starttls", dontValidateCertificate = true, sentFolder = (string?)null },
            smtp = new
            {
                enabled = true, replyTo = (string?)null, useSystem = false, server = LocalStack.MailHost, port = LocalStack.SubmissionPort,
                security = "starttls", auth = "plain", dontValidateCertificate = true,
            },
        });
        Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
    }

    private static object SystemSmtp(MailUser account, string sender, string auth = "login", string? password = "") => new
    {
        server = LocalStack.MailHost, port = LocalStack.SubmissionPort, security = "starttls", auth, dontValidateCertificate = true,
        username = account.Login, password = password == "" ? account.Password : password, senderEmail = sender, senderName = "Splynx ISP",
    };

    private static Task<MimeMessage> WaitForInboxMessageAsync(MailUser user, string subject) =>
        Eventually.ReturnsAsync<MimeMessage?>(async () =>
        {
            using var imap = await MailClients.ImapAsync(user);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var uids = await imap.Inbox.SearchAsync(SearchQuery.SubjectContains(subject));
            var message = uids.Count > 0 ? await imap.Inbox.GetMessageAsync(uids[^1]) : null;
            await imap.DisconnectAsync(quit: true);
            return message;
        }, message => message is not null, DeliveryTimeout, $"'{subject}' in the INBOX of {user.Address}")!;
}

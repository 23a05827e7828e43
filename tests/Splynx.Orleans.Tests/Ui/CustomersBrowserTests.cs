using System.Net;
using MailKit;
using MailKit.Search;
using Microsoft.Playwright;
using MimeKit;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>
/// Customers and the Communication tab as admins use them: a customer made in the browser, an email sent from the
/// tab through Postfix, the customer's reply synced from Dovecot, each reaching the open pages without reload.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class CustomersBrowserTests(BrowserApp app)
{
    private static readonly TimeSpan MailTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_email_sent_from_the_tab_turns_sent_and_the_customers_reply_appears_under_it_live_for_owner_and_delegate()
    {
        var assistant = await SendingScenario.NewSenderAsync(app.Host, SmtpRoute.Off);
        var replyTo = $"desk-{Guid.NewGuid():N}"[..17] + "@" + LocalStack.MailDomain;
        var owner = await SendingScenario.NewSenderAsync(app.Host, SmtpRoute.Own, delegates: [assistant.Id], replyTo: replyTo, tracking: true);
        var customerMail = await LocalStack.CreateMailUserAsync("cus");
        app.Host.RememberSecret(customerMail.Password);
        var customerName = "Oak Street " + Guid.NewGuid().ToString("N")[..6];

        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, owner.Login, owner.Password, "/customers");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Customers" })).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New customer" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New customer" });
        await dialog.GetByLabel("Name").FillAsync(customerName);
        await dialog.GetByLabel("Category").SelectOptionAsync(new SelectOptionValue { Label = "Lead" });
        await dialog.GetByLabel("Email addresses").FillAsync(customerMail.Address);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = customerName })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Tab, new() { Name = "Communication" })).ToHaveAttributeAsync("aria-selected", "true");
        await Expect(page.GetByText("No messages with this customer that you may read.")).ToBeVisibleAsync();
        var customerPath = new Uri(page.Url).AbsolutePath;

        var delegatePage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(delegatePage, assistant.Login, assistant.Password, customerPath);
        await Expect(delegatePage.GetByRole(AriaRole.Heading, new() { Name = customerName })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Send email" }).ClickAsync();
        var compose = page.GetByRole(AriaRole.Region, new() { Name = "New email" });
        await Expect(compose.GetByLabel("To", new() { Exact = true })).ToHaveValueAsync(customerMail.Address);
        await Expect(compose).ToContainTextAsync($"Sent through your own SMTP server ({LocalStack.MailHost})");
        await Expect(compose).ToContainTextAsync($"Replies go to {replyTo}");
        var subject = "Your new router " + Guid.NewGuid().ToString("N")[..6];
        await compose.GetByLabel("Subject").FillAsync(subject);
        await compose.GetByLabel("Message", new() { Exact = true }).FillAsync("Hello, your router ships on Monday.");
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "customer-compose");
        await compose.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        var sent = page.GetByRole(AriaRole.Article, new() { Name = "Sent: " + subject });
        await Expect(sent).ToBeVisibleAsync();
        await Expect(sent.GetByRole(AriaRole.Status)).ToContainTextAsync("Sent", new() { Timeout = 60_000 });
        await Expect(sent).ToContainTextAsync($"Through {owner.Name}'s mailbox");

        var arrived = await WaitForMailAsync(customerMail, subject);
        Assert.Equal(replyTo, arrived.ReplyTo.Mailboxes.Single().Address);

        // The customer answers from their own mail program, threading by In-Reply-To.
        var answer = MailClients.Message(customerMail.Address, owner.User.Address, "Re: " + subject);
        answer.InReplyTo = arrived.MessageId;
        answer.References.Add(arrived.MessageId!);
        await MailClients.DeliverAsync(answer);

        foreach (var viewer in new[] { page, delegatePage })
        {
            var replies = viewer.GetByRole(AriaRole.List, new() { Name = "Replies to " + subject });
            await Expect(replies.GetByRole(AriaRole.Article, new() { Name = "Received: Re: " + subject })).ToBeVisibleAsync(new() { Timeout = 60_000 });
        }
        await Expect(delegatePage.GetByRole(AriaRole.Article, new() { Name = "Sent: " + subject })).ToContainTextAsync($"Through {owner.Name}'s mailbox");

        // axe-core first: it cannot look into a frame that runs no script (nor can Playwright).
        await BrowserApp.AssertAccessibleAsync(page);
        var received = page.GetByRole(AriaRole.Article, new() { Name = "Received: Re: " + subject });
        await received.GetByRole(AriaRole.Button, new() { Name = "Show message" }).ClickAsync();
        // A text body is text, escaped by the page (an HTML body takes the Inbox's frame: MessageBrowserTests).
        await Expect(received.GetByText("Body of Re: " + subject)).ToBeVisibleAsync();
        Assert.Equal(0, await received.Locator("iframe").CountAsync());
        await BrowserApp.ScreenshotAsync(page, "customer-communication");
        await BrowserApp.ScreenshotAsync(delegatePage, "customer-communication-delegate");

        await received.GetByRole(AriaRole.Button, new() { Name = "Reply" }).ClickAsync();
        var reply = page.GetByRole(AriaRole.Region, new() { Name = "Reply" });
        await Expect(reply.GetByLabel("Subject")).ToHaveValueAsync("Re: " + subject);
        await Expect(reply.GetByLabel("To", new() { Exact = true })).ToHaveValueAsync(customerMail.Address);
        await reply.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Customers" }).First.ClickAsync();
        await page.GetByLabel("Search").FillAsync(customerMail.Address);
        await Expect(page.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Expect(page.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync(customerName);
        await Expect(page.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync("Lead");
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "customers");
        await page.Context.CloseAsync();
        await delegatePage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_send_the_server_refuses_shows_failed_with_the_reason_and_offers_to_try_again_as_a_new_email()
    {
        var sender = await SendingScenario.NewSenderAsync(app.Host, SmtpRoute.Refusing);
        var customerId = await SendingScenario.NewCustomerAsync(sender.Browser, "Far Away Ltd", $"far-{Guid.NewGuid():N}@elsewhere.test");
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, sender.Login, sender.Password, "/customers/" + customerId);

        await page.GetByRole(AriaRole.Button, new() { Name = "Send email" }).ClickAsync();
        var compose = page.GetByRole(AriaRole.Region, new() { Name = "New email" });
        await compose.GetByLabel("Subject").FillAsync("Outage tonight");
        await compose.GetByLabel("Message", new() { Exact = true }).FillAsync("Maintenance from 2 to 4.");
        await compose.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();

        var status = page.GetByRole(AriaRole.List, new() { Name = "Emails you just sent" }).GetByRole(AriaRole.Status);
        await Expect(status).ToContainTextAsync("Failed", new() { Timeout = 60_000 });
        await Expect(status).ToContainTextAsync("Relay access denied");
        await BrowserApp.ScreenshotAsync(page, "customer-send-failed");
        await status.GetByRole(AriaRole.Button, new() { Name = "Try again as a new email" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "New email" }).GetByLabel("Subject")).ToHaveValueAsync("Outage tonight");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_system_smtp_path_shows_the_system_sender_and_an_admin_who_may_read_no_mailbox_sees_an_empty_tab()
    {
        var systemAccount = await LocalStack.CreateMailUserAsync("sys");
        app.Host.RememberSecret(systemAccount.Password);
        var systemSender = $"noreply-{Guid.NewGuid():N}"[..20] + "@" + LocalStack.MailDomain;
        using (var boss = app.Host.NewBrowser())
        {
            await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
            var saved = await boss.PutAsync("/api/system/smtp", new
            {
                server = LocalStack.MailHost, port = LocalStack.SubmissionPort, security = "starttls", auth = "plain", dontValidateCertificate = true,
                username = systemAccount.Login, password = systemAccount.Password, senderEmail = systemSender, senderName = "Splynx ISP",
            });
            Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
        }
        var sender = await SendingScenario.NewSenderAsync(app.Host, SmtpRoute.System);
        var customerMail = await LocalStack.CreateMailUserAsync("cus");
        app.Host.RememberSecret(customerMail.Password);
        var customerId = await SendingScenario.NewCustomerAsync(sender.Browser, "System Path Customer", customerMail.Address);

        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, sender.Login, sender.Password, "/customers/" + customerId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send email" }).ClickAsync();
        var compose = page.GetByRole(AriaRole.Region, new() { Name = "New email" });
        await Expect(compose).ToContainTextAsync("Sent through the system SMTP server, from the system sender's address.");
        var subject = "Contract renewal " + Guid.NewGuid().ToString("N")[..6];
        await compose.GetByLabel("Subject").FillAsync(subject);
        await compose.GetByLabel("Message", new() { Exact = true }).FillAsync("Your contract renews next month.");
        await compose.GetByRole(AriaRole.Button, new() { Name = "Send", Exact = true }).ClickAsync();
        var sent = page.GetByRole(AriaRole.Article, new() { Name = "Sent: " + subject });
        await Expect(sent).ToContainTextAsync(systemSender);
        await Expect(sent.GetByRole(AriaRole.Status)).ToContainTextAsync("Sent", new() { Timeout = 60_000 });
        Assert.Equal(systemSender, (await WaitForMailAsync(customerMail, subject)).From.Mailboxes.Single().Address);
        await page.Context.CloseAsync();

        // Someone else: may read none of the mailboxes involved, and has no sending set up.
        var (stranger, strangerAdmin, strangerPassword) = await app.Host.NewAdminAsync();
        stranger.Dispose();
        var strangerPage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(strangerPage, strangerAdmin.GetProperty("login").GetString()!, strangerPassword, "/customers/" + customerId);
        await Expect(strangerPage.GetByText("No messages with this customer that you may read.")).ToBeVisibleAsync();
        await Expect(strangerPage.GetByRole(AriaRole.Article)).ToHaveCountAsync(0);
        await Expect(strangerPage.GetByText(subject)).ToHaveCountAsync(0);
        await Expect(strangerPage.GetByRole(AriaRole.Button, new() { Name = "Send email" })).ToBeDisabledAsync();
        await Expect(strangerPage.GetByRole(AriaRole.Button, new() { Name = "Send email" })).ToHaveAccessibleDescriptionAsync(
            BrowserApp.Words("Sending is turned off in your mail settings."));
        await BrowserApp.AssertAccessibleAsync(strangerPage);
        await BrowserApp.ScreenshotAsync(strangerPage, "customer-empty");
        await strangerPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_duplicate_address_shows_its_field_error_naming_the_holder_the_details_tab_edits_and_a_draft_survives_a_reload()
    {
        var sender = await SendingScenario.NewSenderAsync(app.Host, SmtpRoute.Own);
        var taken = $"taken-{Guid.NewGuid():N}@elsewhere.test";
        var holderId = await SendingScenario.NewCustomerAsync(sender.Browser, "First Holder", taken);
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, sender.Login, sender.Password, "/customers");

        await page.GetByRole(AriaRole.Button, new() { Name = "New customer" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New customer" });
        await dialog.GetByLabel("Name").FillAsync("Second Holder");
        var addresses = dialog.GetByLabel("Email addresses");
        await addresses.FillAsync(taken);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(addresses).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(addresses).ToHaveAccessibleDescriptionAsync(BrowserApp.Words($"{taken} already belongs to First Holder"));
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "customer-new-duplicate");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();

        await page.GotoAsync("/customers/" + holderId);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Details" }).ClickAsync();
        await page.GetByRole(AriaRole.Tabpanel).GetByLabel("Name").FillAsync("First Holder Renamed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "First Holder Renamed" })).ToBeVisibleAsync();
        Assert.Equal("First Holder Renamed", (await sender.Browser.GetAsync("/api/customers/" + holderId)).Json.GetProperty("name").GetString());
        await page.GetByRole(AriaRole.Tab, new() { Name = "Communication" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Send email" }).ClickAsync();
        var compose = page.GetByRole(AriaRole.Region, new() { Name = "New email" });
        await compose.GetByLabel("Subject").FillAsync("Half-written");
        await compose.GetByLabel("Message", new() { Exact = true }).FillAsync("Dear First Holder, about your");
        await page.ReloadAsync();
        var restored = page.GetByRole(AriaRole.Region, new() { Name = "New email" });
        await Expect(restored.GetByLabel("Message", new() { Exact = true })).ToHaveValueAsync("Dear First Holder, about your");
        await Expect(restored.GetByLabel("Subject")).ToHaveValueAsync("Half-written");
        await restored.GetByRole(AriaRole.Button, new() { Name = "Discard draft" }).ClickAsync();
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send email" })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "New email" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private static Task<MimeMessage> WaitForMailAsync(MailUser user, string subject) =>
        Eventually.ReturnsAsync<MimeMessage?>(async () =>
        {
            using var imap = await MailClients.ImapAsync(user);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var uids = await imap.Inbox.SearchAsync(SearchQuery.SubjectContains(subject));
            var message = uids.Count > 0 ? await imap.Inbox.GetMessageAsync(uids[^1]) : null;
            await imap.DisconnectAsync(quit: true);
            return message;
        }, message => message is not null, MailTimeout, $"'{subject}' in the INBOX of {user.Address}")!;
}

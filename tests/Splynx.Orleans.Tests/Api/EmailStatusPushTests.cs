using System.Net;
using System.Text.Json;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;

namespace Splynx.Orleans.Tests.Api;

/// <summary>
/// <c>emailStatus</c>: the outcome of an email to a customer reaches its sender's open connections, and nobody else's
/// (not even a delegate reading the same mailbox); the Communication items carry what the tab shows.
/// </summary>
public sealed class EmailStatusPushTests(ApiHost host) : IClassFixture<ApiHost>
{
    // Long enough to be sure a push that should not come has had every chance to: it would travel with the sender's.
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_sent_email_is_pushed_sent_to_every_connection_of_its_sender_and_to_no_delegate_or_stranger()
    {
        var assistant = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var sender = await SendingScenario.NewSenderAsync(host, SmtpRoute.Own, delegates: [assistant.Id]);
        var (stranger, _, _) = await host.NewAdminAsync();
        using var _1 = assistant.Browser;
        using var _2 = sender.Browser;
        using var _3 = stranger;
        var customerMail = await LocalStack.CreateMailUserAsync("cst");
        host.RememberSecret(customerMail.Password);
        var customerId = await SendingScenario.NewCustomerAsync(sender.Browser, "Pushed Customer", customerMail.Address);

        await using var senderTab = await HubListener.ConnectAsync(sender.Browser);
        await using var senderOtherTab = await HubListener.ConnectAsync(sender.Browser);
        await using var assistantHub = await HubListener.ConnectAsync(assistant.Browser);
        await using var strangerHub = await HubListener.ConnectAsync(stranger);

        var subject = "Your router " + Guid.NewGuid().ToString("N")[..8];
        var emailId = await SendingScenario.SendAsync(sender.Browser, customerId, subject);

        foreach (var tab in new[] { senderTab, senderOtherTab })
        {
            var pushed = await tab.WaitForAsync("emailStatus", payload => payload.GetProperty("id").GetString() == emailId, DeliveryTimeout);
            Assert.Equal(["customerId", "error", "id", "status"], pushed.EnumerateObject().Select(p => p.Name).Order());
            Assert.Equal(customerId, pushed.GetProperty("customerId").GetString());
            Assert.Equal("sent", pushed.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, pushed.GetProperty("error").ValueKind);
        }
        // The delegate hears this mailbox (the outgoing message itself), only never how the send went.
        await assistantHub.WaitForAsync("messageReceived", HubListener.Subject(subject));
        await Task.Delay(QuietPeriod);
        Assert.False(assistantHub.Got("emailStatus", _ => true), "a delegate got the sender's emailStatus");
        Assert.False(strangerHub.Got("emailStatus", _ => true), "a stranger got someone's emailStatus");

        var mine = await SendingScenario.CommunicationItemAsync(sender.Browser, customerId, subject);
        Assert.Equal(emailId, mine.GetProperty("emailId").GetString());
        Assert.Equal("sent", mine.GetProperty("status").GetString());
        Assert.Equal(sender.Name, mine.GetProperty("mailboxOwner").GetString());
        Assert.Contains("@", mine.GetProperty("messageId").GetString(), StringComparison.Ordinal);
        var theirs = await SendingScenario.CommunicationItemAsync(assistant.Browser, customerId, subject);
        Assert.Equal(JsonValueKind.Null, theirs.GetProperty("emailId").ValueKind);
        Assert.Equal(JsonValueKind.Null, theirs.GetProperty("status").ValueKind);
        Assert.Equal(sender.Name, theirs.GetProperty("mailboxOwner").GetString());
    }

    [Fact]
    public async Task An_email_the_server_refuses_is_pushed_failed_with_the_servers_reason()
    {
        var sender = await SendingScenario.NewSenderAsync(host, SmtpRoute.Refusing);
        using var _1 = sender.Browser;
        var customerId = await SendingScenario.NewCustomerAsync(sender.Browser, "Far Away Customer", $"far-{Guid.NewGuid():N}@elsewhere.test");
        await using var senderTab = await HubListener.ConnectAsync(sender.Browser);

        var emailId = await SendingScenario.SendAsync(sender.Browser, customerId, "Never delivered " + Guid.NewGuid().ToString("N")[..8]);

        var pushed = await senderTab.WaitForAsync("emailStatus", payload => payload.GetProperty("id").GetString() == emailId, DeliveryTimeout);
        Assert.Equal("failed", pushed.GetProperty("status").GetString());
        Assert.Contains("Relay access denied", pushed.GetProperty("error").GetString(), StringComparison.Ordinal);
        var polled = await sender.Browser.GetAsync($"/api/customers/{customerId}/emails/{emailId}");
        Assert.Equal(pushed.GetProperty("error").GetString(), polled.Json.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_email_a_crash_left_half_sent_is_pushed_unknown_when_its_outbox_comes_back()
    {
        var sender = await SendingScenario.NewSenderAsync(host, SmtpRoute.Own);
        using var _1 = sender.Browser;
        var customerId = await SendingScenario.NewCustomerAsync(sender.Browser, "Interrupted Customer", $"int-{Guid.NewGuid():N}@elsewhere.test");
        await using var senderTab = await HubListener.ConnectAsync(sender.Browser);
        // What a silo killed during the SMTP conversation leaves behind: the row claimed, no outcome.
        await using var dataSource = host.Database.CreateDataSource();
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO mail_outbox (admin_id, customer_id, from_address, to_address, subject, text_body, message_id, raw, status, attempts)
            VALUES (@admin, @customer, @from, 'int@elsewhere.test', 'cut short', 'text', @message_id, '\x00', 'sending', 1)
            RETURNING id
            """);
        insert.Parameters.AddWithValue("admin", sender.Id);
        insert.Parameters.AddWithValue("customer", customerId);
        insert.Parameters.AddWithValue("from", sender.User.Address);
        insert.Parameters.AddWithValue("message_id", $"{Guid.NewGuid():N}@isp.test");
        var emailId = ((long)(await insert.ExecuteScalarAsync())!).ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Any call brings the sender's outbox back (after a crash, its reminder does), and it settles the email as it starts.
        var polled = await sender.Browser.GetAsync($"/api/customers/{customerId}/emails/{emailId}");

        Assert.Equal("unknown", polled.Json.GetProperty("status").GetString());
        var pushed = await senderTab.WaitForAsync("emailStatus", payload => payload.GetProperty("id").GetString() == emailId, DeliveryTimeout);
        Assert.Equal(customerId, pushed.GetProperty("customerId").GetString());
        Assert.Equal("unknown", pushed.GetProperty("status").GetString());
        Assert.Contains("may or may not have been sent", pushed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}

public enum SmtpRoute
{
    /// <summary>The stack's submission port with the admin's own account (STARTTLS, PLAIN).</summary>
    Own,

    /// <summary>The stack's MX port without authentication: it refuses to relay to any other domain.</summary>
    Refusing,

    /// <summary>The system SMTP server.</summary>
    System,

    /// <summary>Sending turned off.</summary>
    Off,
}

/// <summary>Admins who send to customers through the local stack, and what the Communication tab's API shows of it.</summary>
internal static class SendingScenario
{
    public sealed record Sender(Browser Browser, string Id, string Login, string Password, string Name, MailUser User);

    /// <summary>An admin with IMAP on the local Dovecot (not syncing) and SMTP as <paramref name="route"/> says.</summary>
    public static async Task<Sender> NewSenderAsync(ApiHost host, SmtpRoute route, string[]? delegates = null, string? replyTo = null,
        bool tracking = false)
    {
        var (browser, admin, password) = await host.NewAdminAsync();
        var user = await LocalStack.CreateMailUserAsync("snd");
        host.RememberSecret(user.Password);
        await SaveSettingsAsync(browser, user, route, delegates ?? [], replyTo, tracking);
        if (tracking)
        {
            await Eventually.TrueAsync(async () => (await browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
                MailScenario.SyncTimeout, "the sender's mailbox to be idle");
        }
        return new Sender(browser, admin.GetProperty("id").GetString()!, admin.GetProperty("login").GetString()!, password,
            admin.GetProperty("name").GetString()!, user);
    }

    public static async Task SaveSettingsAsync(Browser browser, MailUser user, SmtpRoute route, string[] delegates, string? replyTo,
        bool tracking = false)
    {
        var saved = await browser.PutAsync("/api/me/mail-settings", new
        {
            tracking = new { enabled = tracking, process = "all", historicFrom = (string?)null, markAsRead = false, denyList = Array.Empty<string>() },
            access = new { adminIds = delegates },
            credentials = new { username = user.Login, password = user.Password },
            imap = new { server = LocalStack.MailHost, port = LocalStack.ImapPort, security = "starttls", dontValidateCertificate = true, sentFolder = (string?)null },
            smtp = new
            {
                enabled = route != SmtpRoute.Off,
                replyTo,
                useSystem = route == SmtpRoute.System,
                server = LocalStack.MailHost,
                port = route == SmtpRoute.Refusing ? LocalStack.SmtpPort : LocalStack.SubmissionPort,
                security = route == SmtpRoute.Refusing ? "none" : "starttls",
                auth = route == SmtpRoute.Refusing ? "none" : "plain",
                dontValidateCertificate = true,
            },
        });
        Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
    }

    public static async Task<string> NewCustomerAsync(Browser browser, string name, string address)
    {
        var created = await browser.PostAsync("/api/customers", new { name, category = "customer", emails = new[] { address } });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        return created.Json.GetProperty("id").GetString()!;
    }

    public static async Task<string> SendAsync(Browser browser, string customerId, string subject)
    {
        var accepted = await browser.PostAsync($"/api/customers/{customerId}/emails", new { subject, text = "Hello from the ISP." });
        Assert.True(accepted.Status == HttpStatusCode.Accepted, accepted.ToString());
        return accepted.Json.GetProperty("id").GetString()!;
    }

    public static Task<JsonElement> CommunicationItemAsync(Browser browser, string customerId, string subject) =>
        Eventually.ReturnsAsync(async () =>
            {
                var page = await browser.GetAsync($"/api/customers/{customerId}/communication");
                return page.Json.GetProperty("items").EnumerateArray().FirstOrDefault(item => item.GetProperty("subject").GetString() == subject);
            },
            item => item.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(30), $"'{subject}' in the communication of {customerId}");
}

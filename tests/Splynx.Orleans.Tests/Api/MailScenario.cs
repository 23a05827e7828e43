using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MimeKit;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;

namespace Splynx.Orleans.Tests.Api;

/// <summary>Admins with real mailboxes on the local stack, mail delivered to them, and what the REST API shows of it.</summary>
internal static class MailScenario
{
    public static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(60);

    /// <summary>An admin whose mailbox is configured on the local Dovecot and, if asked, syncing live (idle).</summary>
    public static async Task<MailAdmin> NewMailAdminAsync(ApiHost host, bool tracking, string[]? delegates = null)
    {
        var (browser, admin, _) = await host.NewAdminAsync();
        var user = await LocalStack.CreateMailUserAsync("rt");
        host.RememberSecret(user.Password);
        var mailAdmin = new MailAdmin(browser, admin.GetProperty("id").GetString()!, user);
        await mailAdmin.SaveSettingsAsync(tracking, delegates ?? []);
        if (tracking)
        {
            await Eventually.TrueAsync(async () => (await browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
                SyncTimeout, "the mailbox to be idle");
        }
        return mailAdmin;
    }

    public static Task DeliverAsync(MailUser to, string from, string subject, bool withAttachment = false)
    {
        var message = MailClients.Message(from, to.Address, subject);
        if (withAttachment)
        {
            var body = new BodyBuilder { TextBody = $"Body of {subject}" };
            body.Attachments.Add("price list.txt", "price list: 42 EUR"u8.ToArray(), new ContentType("text", "plain"));
            message.Body = body.ToMessageBody();
        }
        return MailClients.DeliverAsync(message);
    }

    /// <summary>Waits until the inbox lists a message with that subject, and returns its summary.</summary>
    public static Task<JsonElement> WaitInInboxAsync(Browser browser, string mailboxId, string subject) =>
        Eventually.ReturnsAsync(async () =>
            {
                var page = await browser.GetAsync($"/api/mailboxes/{mailboxId}/messages");
                return page.Json.GetProperty("items").EnumerateArray().FirstOrDefault(item => item.GetProperty("subject").GetString() == subject);
            },
            item => item.ValueKind == JsonValueKind.Object, SyncTimeout, $"'{subject}' in the inbox of {mailboxId}");

    public static string NewSender() => $"sender-{Guid.NewGuid():N}@example.test";
}

internal sealed record MailAdmin(Browser Browser, string Id, MailUser User)
{
    public async Task SaveSettingsAsync(bool tracking, string[] delegates)
    {
        var saved = await Browser.PutAsync("/api/me/mail-settings", new
        {
            tracking = new { enabled = tracking, process = "all", historicFrom = (string?)null, markAsRead = false, denyList = Array.Empty<string>() },
            access = new { adminIds = delegates },
            credentials = new { username = User.Login, password = User.Password },
            imap = new { server = "127.0.0.1", port = LocalStack.ImapPort, security = "starttls", dontValidateCertificate = true, sentFolder = (string?)null },
            smtp = new { enabled = false, replyTo = (string?)null, useSystem = true, server = (string?)null, port = 587, security = "starttls", auth = "plain", dontValidateCertificate = false },
        });
        Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
    }
}

/// <summary>A SignalR connection to <c>/hubs/mail</c> with a browser's cookie, recording every push it gets.</summary>
internal sealed class HubListener : IAsyncDisposable
{
    private static readonly string[] Methods = ["messageReceived", "messageChanged", "messageRemoved", "mailboxStatus", "emailStatus"];
    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<(string Method, JsonElement Payload)> _received = new();

    private HubListener(HubConnection connection)
    {
        _connection = connection;
        foreach (var method in Methods)
        {
            connection.On<JsonElement>(method, payload => _received.Enqueue((method, payload.Clone())));
        }
    }

    public static async Task<HubListener> ConnectAsync(Browser browser)
    {
        var listener = new HubListener(Build(browser.BaseAddress, browser.Cookies));
        await listener._connection.StartAsync();
        return listener;
    }

    public static HubConnection Build(Uri webHost, CookieContainer cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(webHost, "/hubs/mail"), options => options.Cookies = cookies)
            .Build();

    public bool Got(string method, Func<JsonElement, bool> match) =>
        _received.Any(entry => entry.Method == method && match(entry.Payload));

    public Task<JsonElement> WaitForAsync(string method, Func<JsonElement, bool> match, TimeSpan? timeout = null) =>
        Eventually.ReturnsAsync(
            () => Task.FromResult(_received.Where(entry => entry.Method == method && match(entry.Payload)).Select(entry => entry.Payload).FirstOrDefault()),
            payload => payload.ValueKind == JsonValueKind.Object, timeout ?? TimeSpan.FromSeconds(30), $"'{method}' on the hub");

    public static Func<JsonElement, bool> Subject(string subject) =>
        payload => payload.TryGetProperty("subject", out var value) && value.GetString() == subject;

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>Mailboxes, messages and customers over REST, against mail really delivered through Postfix and synced from Dovecot.</summary>
public sealed class MessagesApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly string[] NotAnAddress = ["nope@"];

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_mailbox_and_customer_endpoint_and_the_hub_refuses_them()
    {
        using var anonymous = host.NewBrowser();
        const string m = "/api/mailboxes/someone/messages";
        var requests = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "/api/mailboxes"), (HttpMethod.Get, m), (HttpMethod.Get, m + "/1"), (HttpMethod.Get, m + "/1/attachments/1"),
            (HttpMethod.Post, m + "/1/pair"), (HttpMethod.Post, m + "/1/add-customer"), (HttpMethod.Post, m + "/1/block"), (HttpMethod.Delete, m + "/1"),
            (HttpMethod.Get, "/api/customers"), (HttpMethod.Post, "/api/customers"), (HttpMethod.Get, "/api/customers/x"),
            (HttpMethod.Put, "/api/customers/x"), (HttpMethod.Get, "/api/customers/x/communication"),
        };
        foreach (var (method, path) in requests)
        {
            var answer = await anonymous.SendRawAsync(method, path, "{}");
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{method} {path}: {answer}");
        }

        await using var connection = HubListener.Build(host.Url, new CookieContainer());
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Inbox_view_attachment_pair_add_customer_block_and_delete_follow_the_access_rules()
    {
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var assistant = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var (stranger, _, _) = await host.NewAdminAsync();
        await owner.SaveSettingsAsync(tracking: true, [assistant.Id]);
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
            MailScenario.SyncTimeout, "the owner's mailbox to be idle");
        using var _1 = owner.Browser;
        using var _2 = assistant.Browser;
        using var _3 = stranger;
        await using var ownerHub = await HubListener.ConnectAsync(owner.Browser);

        var alice = MailScenario.NewSender();
        var spammer = MailScenario.NewSender();
        var mine = "/api/mailboxes/" + owner.Id + "/messages";
        await MailScenario.DeliverAsync(owner.User, alice, "Quote please", withAttachment: true);
        await MailScenario.DeliverAsync(owner.User, spammer, "Cheap pills 1");
        await MailScenario.DeliverAsync(owner.User, spammer, "Cheap pills 2");
        var quote = await MailScenario.WaitInInboxAsync(owner.Browser, owner.Id, "Quote please");
        await MailScenario.WaitInInboxAsync(owner.Browser, owner.Id, "Cheap pills 2");
        await MailScenario.WaitInInboxAsync(owner.Browser, owner.Id, "Cheap pills 1");

        // The summary's shape.
        Assert.Equal(["authorFound", "customerId", "date", "direction", "from", "hasAttachments", "id", "mailboxId", "snippet", "subject", "to"],
            quote.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("in", quote.GetProperty("direction").GetString());
        Assert.Equal(alice, quote.GetProperty("from").GetProperty("address").GetString());
        Assert.Equal(owner.User.Address, quote.GetProperty("to")[0].GetProperty("address").GetString());
        Assert.True(quote.GetProperty("hasAttachments").GetBoolean());
        Assert.False(quote.GetProperty("authorFound").GetBoolean());
        var quoteId = quote.GetProperty("id").GetString()!;

        // Listing the mailboxes: own and delegated, with status; the stranger only their own.
        // The mailbox goes back to idle once the import that brought the message (or a Sent-folder check) ends.
        var ownerList = await Eventually.ReturnsAsync(async () => (await owner.Browser.GetAsync("/api/mailboxes")).Json.EnumerateArray().ToList(),
            list => list.Count == 1 && list[0].GetProperty("status").GetProperty("state").GetString() == "idle",
            MailScenario.SyncTimeout, "the owner's mailbox listed as idle");
        Assert.Equal([owner.Id], ownerList.Select(item => item.GetProperty("adminId").GetString()));
        Assert.True(ownerList[0].GetProperty("own").GetBoolean());
        Assert.Equal("idle", ownerList[0].GetProperty("status").GetProperty("state").GetString());
        var assistantList = (await assistant.Browser.GetAsync("/api/mailboxes")).Json.EnumerateArray().ToList();
        Assert.Contains(assistantList, item => item.GetProperty("adminId").GetString() == owner.Id && !item.GetProperty("own").GetBoolean()
            && item.GetProperty("name").GetString()!.StartsWith("Admin ", StringComparison.Ordinal));
        Assert.DoesNotContain((await stranger.GetAsync("/api/mailboxes")).Json.EnumerateArray(), item => item.GetProperty("adminId").GetString() == owner.Id);

        // Filters, paging and bad parameters.
        var firstPage = await owner.Browser.GetAsync(mine + "?limit=2");
        Assert.Equal(2, firstPage.Json.GetProperty("items").GetArrayLength());
        var next = firstPage.Json.GetProperty("next").GetString()!;
        var lastPage = await owner.Browser.GetAsync(mine + "?limit=2&before=" + Uri.EscapeDataString(next));
        Assert.Equal(1, lastPage.Json.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, lastPage.Json.GetProperty("next").ValueKind);
        Assert.Equal(3, (await owner.Browser.GetAsync(mine + "?author=unknown")).Json.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await owner.Browser.GetAsync(mine + "?author=known")).Json.GetProperty("items").GetArrayLength());
        Assert.Equal(0, (await owner.Browser.GetAsync(mine + "?to=2000-01-01")).Json.GetProperty("items").GetArrayLength());
        Assert.Equal(3, (await owner.Browser.GetAsync(mine + "?from=2000-01-01")).Json.GetProperty("items").GetArrayLength());
        Assert.Equal(["before"], (await owner.Browser.GetAsync(mine + "?before=garbage!")).ErrorFields);
        Assert.Equal(["author", "from", "limit"], (await owner.Browser.GetAsync(mine + "?author=some&from=yesterday&limit=500")).ErrorFields.Order());

        // The view and the attachment, for owner and delegate; never for the stranger.
        foreach (var reader in new[] { owner.Browser, assistant.Browser })
        {
            var view = await reader.GetAsync($"{mine}/{quoteId}");
            Assert.True(view.Status == HttpStatusCode.OK, view.ToString());
            Assert.Contains("Body of Quote please", view.Json.GetProperty("textBody").GetString(), StringComparison.Ordinal);
            foreach (var field in new[] { "cc", "messageId", "inReplyTo", "htmlBody", "attachments" })
            {
                Assert.True(view.Json.TryGetProperty(field, out _), field);
            }
            var attachment = view.Json.GetProperty("attachments")[0];
            Assert.Equal("price list.txt", attachment.GetProperty("fileName").GetString());
            var bytes = await reader.GetAsync($"{mine}/{quoteId}/attachments/{attachment.GetProperty("id").GetString()}");
            Assert.Equal(HttpStatusCode.OK, bytes.Status);
            Assert.Equal("text/plain", bytes.ContentType);
            Assert.Equal("attachment", bytes.Response.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Contains("price list.txt", bytes.Response.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
            Assert.Equal("price list: 42 EUR", bytes.Body);
        }
        foreach (var path in new[] { mine, $"{mine}/{quoteId}", $"{mine}/{quoteId}/attachments/1" })
        {
            var refused = await stranger.GetAsync(path);
            Assert.True(refused.Status == HttpStatusCode.Forbidden, $"{path}: {refused}");
            Assert.DoesNotContain("Quote please", refused.Body, StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync($"{mine}/{quoteId}/pair", new { customerId = "x" })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.DeleteAsync($"{mine}/{quoteId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync("/api/mailboxes/no-such-admin/messages")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync($"{mine}/999999999")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync($"{mine}/not-an-id")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync($"{mine}/{quoteId}/attachments/999999999")).Status);

        // Add a customer from the message (delegate), then again: the address is taken.
        var created = await assistant.Browser.PostAsync($"{mine}/{quoteId}/add-customer", new { name = "Alice Ltd", category = "lead" });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        Assert.Equal("lead", created.Json.GetProperty("category").GetString());
        Assert.Equal([alice], created.Json.GetProperty("emails").EnumerateArray().Select(e => e.GetString()));
        var customerId = created.Json.GetProperty("id").GetString()!;
        Assert.Equal(32, customerId.Length);
        var again = await owner.Browser.PostAsync($"{mine}/{quoteId}/add-customer", new { name = "Alice again", category = "customer" });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Contains(alice, again.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(["category", "name"], (await owner.Browser.PostAsync($"{mine}/{quoteId}/add-customer", new { category = "vip" })).ErrorFields.Order());
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync($"{mine}/{quoteId}")).Json.GetProperty("customerId").GetString() == customerId,
            MailScenario.SyncTimeout, "the message to be paired");

        // Pair a spam message to that customer; an unknown customer is a 404.
        var pills = (await owner.Browser.GetAsync(mine + "?q=pills")).Json.GetProperty("items")[0].GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.PostAsync($"{mine}/{pills}/pair", new { customerId = "no-such-customer" })).Status);
        Assert.Equal(["customerId"], (await owner.Browser.PostAsync($"{mine}/{pills}/pair", new { })).ErrorFields);
        var paired = await assistant.Browser.PostAsync($"{mine}/{pills}/pair", new { customerId });
        Assert.True(paired.Status == HttpStatusCode.OK, paired.ToString());
        Assert.Contains(spammer, paired.Json.GetProperty("emails").EnumerateArray().Select(e => e.GetString()));

        // Block: the owner only; the sender's messages vanish and the hub says so.
        Assert.Equal(HttpStatusCode.Forbidden, (await assistant.Browser.PostAsync($"{mine}/{pills}/block")).Status);
        var blocked = await owner.Browser.PostAsync($"{mine}/{pills}/block");
        Assert.True(blocked.Status == HttpStatusCode.OK, blocked.ToString());
        Assert.Equal(spammer, blocked.Json.GetProperty("address").GetString());
        var remaining = (await owner.Browser.GetAsync(mine)).Json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([quoteId], remaining.Select(item => item.GetProperty("id").GetString()));
        var removed = await ownerHub.WaitForAsync("messageRemoved", payload => payload.GetProperty("id").GetString() == pills);
        Assert.Equal(owner.Id, removed.GetProperty("mailboxId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync($"{mine}/{pills}")).Status);

        // Delete by the delegate: 204, then gone.
        Assert.Equal(HttpStatusCode.NoContent, (await assistant.Browser.DeleteAsync($"{mine}/{quoteId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.DeleteAsync($"{mine}/{quoteId}")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync($"{mine}/{quoteId}")).Status);
    }

    [Fact]
    public async Task Customers_are_created_edited_and_listed_and_their_communication_shows_only_readable_mailboxes()
    {
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: true);
        var (stranger, _, _) = await host.NewAdminAsync();
        using var _1 = owner.Browser;
        using var _2 = stranger;
        var bob = MailScenario.NewSender();
        var bobOther = MailScenario.NewSender();

        var created = await owner.Browser.PostAsync("/api/customers", new { name = "Bob Networks", category = "customer", emails = new[] { bob.ToUpperInvariant() } });
        Assert.True(created.Status == HttpStatusCode.Created, created.ToString());
        var id = created.Json.GetProperty("id").GetString()!;
        Assert.Equal(["category", "emails", "id", "name"], created.Json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal([bob], created.Json.GetProperty("emails").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal($"/api/customers/{id}", created.Response.Headers.Location?.AbsolutePath);

        Assert.Equal(["category"], (await owner.Browser.PostAsync("/api/customers", new { name = "X", category = "vip", emails = Array.Empty<string>() })).ErrorFields);
        Assert.Equal(["emails[0]", "name"], (await owner.Browser.PostAsync("/api/customers", new { name = "", category = "lead", emails = NotAnAddress })).ErrorFields.Order());
        var taken = await owner.Browser.PostAsync("/api/customers", new { name = "Copycat", category = "lead", emails = new[] { bob } });
        Assert.Equal(HttpStatusCode.Conflict, taken.Status);
        Assert.Equal("application/problem+json", taken.ContentType);

        Assert.Equal("Bob Networks", (await stranger.GetAsync($"/api/customers/{id}")).Json.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.GetAsync("/api/customers/no-such")).Status);
        Assert.Contains((await owner.Browser.GetAsync("/api/customers?q=bob networks")).Json.EnumerateArray(), c => c.GetProperty("id").GetString() == id);
        Assert.Contains((await owner.Browser.GetAsync("/api/customers?q=" + bob[..20])).Json.EnumerateArray(), c => c.GetProperty("id").GetString() == id);

        var updated = await owner.Browser.PutAsync($"/api/customers/{id}", new { name = "Bob Networks Ltd", category = "lead", emails = new[] { bob, bobOther } });
        Assert.True(updated.Status == HttpStatusCode.OK, updated.ToString());
        Assert.Equal("lead", updated.Json.GetProperty("category").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Browser.PutAsync("/api/customers/no-such", new { name = "x", category = "lead", emails = Array.Empty<string>() })).Status);
        Assert.Equal(["emails[0]"], (await owner.Browser.PutAsync($"/api/customers/{id}", new { name = "x", category = "lead", emails = NotAnAddress })).ErrorFields);
        var other = await owner.Browser.PostAsync("/api/customers", new { name = "Other", category = "lead", emails = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Conflict,
            (await owner.Browser.PutAsync($"/api/customers/{other.Json.GetProperty("id").GetString()}", new { name = "Other", category = "lead", emails = new[] { bobOther } })).Status);

        await MailScenario.DeliverAsync(owner.User, bob, "Router broken");
        await MailScenario.DeliverAsync(owner.User, bobOther, "Router still broken");
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync($"/api/customers/{id}/communication")).Json.GetProperty("items").GetArrayLength() == 2,
            MailScenario.SyncTimeout, "both messages in the communication");
        var page = (await owner.Browser.GetAsync($"/api/customers/{id}/communication?limit=1")).Json;
        var item = page.GetProperty("items")[0];
        Assert.Equal(id, item.GetProperty("customerId").GetString());
        Assert.True(item.GetProperty("authorFound").GetBoolean());
        Assert.False(string.IsNullOrEmpty(item.GetProperty("threadId").GetString()));
        Assert.NotEqual(JsonValueKind.Null, page.GetProperty("next").ValueKind);
        Assert.Equal(["before"], (await owner.Browser.GetAsync($"/api/customers/{id}/communication?before=zzz")).ErrorFields);

        // Someone who may not read the owner's mailbox sees the customer but none of its mail.
        var strangers = await stranger.GetAsync($"/api/customers/{id}/communication");
        Assert.Equal(HttpStatusCode.OK, strangers.Status);
        Assert.Equal(0, strangers.Json.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync("/api/customers/no-such/communication")).Status);
    }
}

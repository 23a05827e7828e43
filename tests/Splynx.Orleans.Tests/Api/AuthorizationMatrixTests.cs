using System.Net;
using System.Text.Json;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>
/// Every endpoint that reads or changes one owner's mailbox, called by six kinds of caller (C4, S6, I6), plus the
/// hub and revocation. Every response passes <see cref="ApiHost.CheckNoSecretIn"/> (all passwords used are remembered).
/// </summary>
public sealed class AuthorizationMatrixTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);

    private enum Caller { Anonymous, Owner, Delegate, DelegateWithoutImap, Unrelated, SuperAdmin }

    private static readonly Caller[] Everyone = Enum.GetValues<Caller>();

    private sealed class Scenario : IDisposable
    {
        public required MailAdmin Owner { get; init; }
        public required MailAdmin Delegate { get; init; }
        public required MailAdmin Unrelated { get; init; }
        public required Browser DelegateWithoutImap { get; init; }
        public required string DelegateWithoutImapId { get; init; }
        public required Browser SuperAdmin { get; init; }
        public required Browser Anonymous { get; init; }

        public Browser Of(Caller caller) => caller switch
        {
            Caller.Anonymous => Anonymous,
            Caller.Owner => Owner.Browser,
            Caller.Delegate => Delegate.Browser,
            Caller.DelegateWithoutImap => DelegateWithoutImap,
            Caller.Unrelated => Unrelated.Browser,
            _ => SuperAdmin,
        };

        public string Messages => $"/api/mailboxes/{Owner.Id}/messages";

        public void Dispose()
        {
            Owner.Browser.Dispose();
            Delegate.Browser.Dispose();
            Unrelated.Browser.Dispose();
            DelegateWithoutImap.Dispose();
            SuperAdmin.Dispose();
            Anonymous.Dispose();
        }
    }

    private async Task<Scenario> NewScenarioAsync()
    {
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var assistant = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var unrelated = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var (noImap, noImapAdmin, _) = await host.NewAdminAsync();
        var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var noImapId = noImapAdmin.GetProperty("id").GetString()!;
        await owner.SaveSettingsAsync(tracking: true, [assistant.Id, noImapId]);
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
            MailScenario.SyncTimeout, "the owner's mailbox to be idle");
        // The super-admin is not a delegate: the owner's list names exactly the two delegates.
        var settings = await owner.Browser.GetAsync("/api/me/mail-settings");
        Assert.Equal(new[] { assistant.Id, noImapId }.Order(), settings.Json.GetProperty("access").GetProperty("adminIds").EnumerateArray().Select(e => e.GetString()).Order());
        return new Scenario
        {
            Owner = owner, Delegate = assistant, Unrelated = unrelated, DelegateWithoutImap = noImap, DelegateWithoutImapId = noImapId,
            SuperAdmin = boss, Anonymous = host.NewBrowser(),
        };
    }

    private static HttpStatusCode ReadRule(Caller caller, HttpStatusCode allowed) => caller switch
    {
        Caller.Anonymous => HttpStatusCode.Unauthorized,
        Caller.Owner or Caller.Delegate => allowed,
        _ => HttpStatusCode.Forbidden,
    };

    private static HttpStatusCode OwnerOnlyRule(Caller caller, HttpStatusCode allowed) => caller switch
    {
        Caller.Anonymous => HttpStatusCode.Unauthorized,
        Caller.Owner => allowed,
        _ => HttpStatusCode.Forbidden,
    };

    /// <summary>Runs one request per caller; the callers that must be refused go first so that destructive requests come last.</summary>
    private static async Task<List<string>> CheckAsync(Scenario s, string name, Func<Caller, HttpStatusCode> expected,
        Func<Caller, Browser, Task<ApiAnswer>> request, params string[] mustNotLeak)
    {
        var failures = new List<string>();
        foreach (var caller in Everyone.OrderBy(c => (int)expected(c) is >= 200 and < 300 ? 1 : 0))
        {
            var answer = await request(caller, s.Of(caller));
            var want = expected(caller);
            if (answer.Status != want)
            {
                failures.Add($"{name} as {caller}: expected {(int)want}, got {answer}");
            }
            if ((int)want >= 400)
            {
                foreach (var secret in mustNotLeak)
                {
                    if (answer.Body.Contains(secret, StringComparison.Ordinal))
                    {
                        failures.Add($"{name} as {caller}: a refused answer contains '{secret}': {answer}");
                    }
                }
            }
        }
        return failures;
    }

    [Fact]
    public async Task Every_mailbox_endpoint_answers_exactly_per_caller_and_communication_shows_the_owners_mail_to_owner_and_delegate_only()
    {
        using var s = await NewScenarioAsync();
        var alice = MailScenario.NewSender();
        var bob1 = MailScenario.NewSender();
        var bob2 = MailScenario.NewSender();
        var spammer = MailScenario.NewSender();
        await MailScenario.DeliverAsync(s.Owner.User, alice, "Matrix quote", withAttachment: true);
        await MailScenario.DeliverAsync(s.Owner.User, bob1, "Matrix new 1");
        await MailScenario.DeliverAsync(s.Owner.User, bob2, "Matrix new 2");
        await MailScenario.DeliverAsync(s.Owner.User, spammer, "Matrix spam");
        await MailScenario.DeliverAsync(s.Owner.User, MailScenario.NewSender(), "Matrix delete 1");
        await MailScenario.DeliverAsync(s.Owner.User, MailScenario.NewSender(), "Matrix delete 2");
        string Id(JsonElement e) => e.GetProperty("id").GetString()!;
        var quote = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix quote"));
        var new1 = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix new 1"));
        var new2 = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix new 2"));
        var spam = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix spam"));
        var delete1 = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix delete 1"));
        var delete2 = Id(await MailScenario.WaitInInboxAsync(s.Owner.Browser, s.Owner.Id, "Matrix delete 2"));
        var view = await s.Owner.Browser.GetAsync($"{s.Messages}/{quote}");
        var attachment = view.Json.GetProperty("attachments")[0].GetProperty("id").GetString()!;

        // A customer exists (made by the super-admin: customers are shared by all admins).
        var customer = await s.SuperAdmin.PostAsync("/api/customers", new { name = "Matrix customer", category = "customer", emails = new[] { MailScenario.NewSender() } });
        Assert.True(customer.Status == HttpStatusCode.Created, customer.ToString());
        var customerId = customer.Json.GetProperty("id").GetString()!;

        string[] content = ["Matrix quote", "price list", alice];
        var failures = new List<string>();

        // GET /api/mailboxes: every admin 200, anonymous 401; only owner and delegate see the owner's mailbox.
        failures.AddRange(await CheckAsync(s, "GET /api/mailboxes", c => c == Caller.Anonymous ? HttpStatusCode.Unauthorized : HttpStatusCode.OK,
            (_, b) => b.GetAsync("/api/mailboxes")));
        foreach (var caller in Everyone.Where(c => c != Caller.Anonymous))
        {
            var list = await s.Of(caller).GetAsync("/api/mailboxes");
            var listed = list.Status == HttpStatusCode.OK && list.Json.EnumerateArray().Any(item => item.GetProperty("adminId").GetString() == s.Owner.Id);
            var shouldList = caller is Caller.Owner or Caller.Delegate;
            if (listed != shouldList)
            {
                failures.Add($"GET /api/mailboxes as {caller}: owner's mailbox listed={listed}, expected {shouldList}: {list}");
            }
        }

        failures.AddRange(await CheckAsync(s, "GET inbox", c => ReadRule(c, HttpStatusCode.OK), (_, b) => b.GetAsync(s.Messages), content));
        failures.AddRange(await CheckAsync(s, "GET inbox ?q=&author=unknown", c => ReadRule(c, HttpStatusCode.OK),
            (_, b) => b.GetAsync(s.Messages + "?author=unknown&q=Matrix&limit=5"), content));
        failures.AddRange(await CheckAsync(s, "GET message", c => ReadRule(c, HttpStatusCode.OK), (_, b) => b.GetAsync($"{s.Messages}/{quote}"), content));
        failures.AddRange(await CheckAsync(s, "GET attachment", c => ReadRule(c, HttpStatusCode.OK),
            (_, b) => b.GetAsync($"{s.Messages}/{quote}/attachments/{attachment}"), content));
        failures.AddRange(await CheckAsync(s, "POST pair", c => ReadRule(c, HttpStatusCode.OK),
            (_, b) => b.PostAsync($"{s.Messages}/{quote}/pair", new { customerId }), content));
        // add-customer: each allowed caller on a message of its own (an address belongs to one customer only).
        failures.AddRange(await CheckAsync(s, "POST add-customer", c => ReadRule(c, HttpStatusCode.Created),
            (c, b) => b.PostAsync($"{s.Messages}/{(c == Caller.Delegate ? new2 : new1)}/add-customer", new { name = "Matrix lead " + c, category = "lead" }), content));
        failures.AddRange(await CheckAsync(s, "DELETE message", c => ReadRule(c, HttpStatusCode.NoContent),
            (c, b) => b.DeleteAsync($"{s.Messages}/{(c == Caller.Delegate ? delete2 : delete1)}"), content));
        failures.AddRange(await CheckAsync(s, "POST block", c => OwnerOnlyRule(c, HttpStatusCode.OK),
            (_, b) => b.PostAsync($"{s.Messages}/{spam}/block"), content));

        // Communication: the paired message shows to owner and delegate only; everyone else gets nothing of it.
        foreach (var caller in Everyone)
        {
            var communication = await s.Of(caller).GetAsync($"/api/customers/{customerId}/communication");
            if (caller == Caller.Anonymous)
            {
                if (communication.Status != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"GET communication as {caller}: expected 401, got {communication}");
                }
                continue;
            }
            var shows = communication.Status == HttpStatusCode.OK
                && communication.Json.GetProperty("items").EnumerateArray().Any(item => item.GetProperty("id").GetString() == quote);
            var should = caller is Caller.Owner or Caller.Delegate;
            if (communication.Status != HttpStatusCode.OK || shows != should)
            {
                failures.Add($"GET communication as {caller}: expected 200 showing the owner's message={should}, got shows={shows}: {communication}");
            }
            if (!should && communication.Body.Contains("Matrix quote", StringComparison.Ordinal))
            {
                failures.Add($"GET communication as {caller}: contains the owner's subject: {communication}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task The_hub_pushes_the_owners_mail_to_owner_and_delegate_only_and_revocation_acts_at_once()
    {
        using var s = await NewScenarioAsync();

        await using (var anonymousConnection = HubListener.Build(host.Url, new CookieContainer()))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymousConnection.StartAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var ownerHub = await HubListener.ConnectAsync(s.Owner.Browser);
        await using var delegateHub = await HubListener.ConnectAsync(s.Delegate.Browser);
        await using var noImapHub = await HubListener.ConnectAsync(s.DelegateWithoutImap);
        await using var unrelatedHub = await HubListener.ConnectAsync(s.Unrelated.Browser);
        await using var bossHub = await HubListener.ConnectAsync(s.SuperAdmin);

        await MailScenario.DeliverAsync(s.Owner.User, MailScenario.NewSender(), "Hub matrix 1");
        await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("Hub matrix 1"));
        await delegateHub.WaitForAsync("messageReceived", HubListener.Subject("Hub matrix 1"));
        await Task.Delay(QuietPeriod);
        var failures = new List<string>();
        foreach (var (name, hub) in new[] { ("delegate without own IMAP", noImapHub), ("unrelated admin", unrelatedHub), ("super-admin", bossHub) })
        {
            if (hub.Got("messageReceived", payload => payload.TryGetProperty("mailboxId", out var m) && m.GetString() == s.Owner.Id))
            {
                failures.Add($"hub: the {name} received messageReceived of the owner's mailbox");
            }
            if (hub.Got("mailboxStatus", payload => payload.TryGetProperty("mailboxId", out var m) && m.GetString() == s.Owner.Id))
            {
                failures.Add($"hub: the {name} received mailboxStatus of the owner's mailbox");
            }
        }

        // Revocation: only the access list changes, the rest is kept.
        var before = (await s.Owner.Browser.GetAsync("/api/me/mail-settings")).Json;
        var revoked = await s.Owner.Browser.PutAsync("/api/me/mail-settings", new { access = new { adminIds = Array.Empty<string>() } });
        Assert.True(revoked.Status == HttpStatusCode.OK, revoked.ToString());
        Assert.Empty(revoked.Json.GetProperty("access").GetProperty("adminIds").EnumerateArray());
        Assert.Equal(before.GetProperty("imap").GetRawText(), revoked.Json.GetProperty("imap").GetRawText());
        Assert.Equal(before.GetProperty("tracking").GetRawText(), revoked.Json.GetProperty("tracking").GetRawText());
        Assert.True(revoked.Json.GetProperty("credentials").GetProperty("hasPassword").GetBoolean());

        var inbox = await s.Delegate.Browser.GetAsync(s.Messages);
        if (inbox.Status != HttpStatusCode.Forbidden)
        {
            failures.Add($"GET inbox as revoked delegate: expected 403, got {inbox}");
        }
        if (inbox.Body.Contains("Hub matrix 1", StringComparison.Ordinal))
        {
            failures.Add("GET inbox as revoked delegate: contains the owner's mail");
        }
        var list = await s.Delegate.Browser.GetAsync("/api/mailboxes");
        if (list.Json.EnumerateArray().Any(item => item.GetProperty("adminId").GetString() == s.Owner.Id))
        {
            failures.Add($"GET /api/mailboxes as revoked delegate still lists the owner's mailbox: {list}");
        }

        await MailScenario.DeliverAsync(s.Owner.User, MailScenario.NewSender(), "Hub matrix 2");
        await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("Hub matrix 2"));
        await Task.Delay(QuietPeriod);
        if (delegateHub.Got("messageReceived", HubListener.Subject("Hub matrix 2")))
        {
            failures.Add("hub: the revoked delegate's live connection received messageReceived after revocation");
        }
        foreach (var (name, hub) in new[] { ("delegate without own IMAP", noImapHub), ("unrelated admin", unrelatedHub), ("super-admin", bossHub) })
        {
            if (hub.Got("messageReceived", HubListener.Subject("Hub matrix 2")))
            {
                failures.Add($"hub: the {name} received the second message");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}

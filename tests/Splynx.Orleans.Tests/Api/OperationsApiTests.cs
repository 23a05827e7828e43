using System.Text.Json;
using System.Net;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>What the operator sees: Prometheus metrics and the super-admin's overview of every mailbox.</summary>
public sealed class OperationsApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Metrics_answer_prometheus_text_without_a_login_with_http_and_push_figures()
    {
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: true);
        using var _ = owner.Browser;
        await using var hub = await HubListener.ConnectAsync(owner.Browser);
        var subject = "Metered " + Guid.NewGuid().ToString("N")[..8];
        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), subject);
        await hub.WaitForAsync("messageReceived", HubListener.Subject(subject), MailScenario.SyncTimeout);

        using var scraper = host.NewBrowser();
        var metrics = await Eventually.ReturnsAsync(() => scraper.GetAsync("/metrics"),
            answer => answer.Status == HttpStatusCode.OK && answer.Body.Contains("splynx_push_latency", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15), "the push latency on /metrics");

        Assert.Equal("text/plain", metrics.ContentType);
        Assert.Contains("http_server_request_duration_seconds", metrics.Body, StringComparison.Ordinal);
        Assert.Contains("splynx_push_latency_milliseconds_count", metrics.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_mailbox_overview_lists_every_admin_for_super_admins_only()
    {
        var syncing = await MailScenario.NewMailAdminAsync(host, tracking: true);
        var (idle, idleAdmin, _) = await host.NewAdminAsync();
        using var _1 = syncing.Browser;
        using var _2 = idle;
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);

        var overview = await boss.GetAsync("/api/admin/mailboxes");

        Assert.True(overview.Status == HttpStatusCode.OK, overview.ToString());
        var rows = await AllPagesAsync(boss, "/api/admin/mailboxes?limit=2");
        Assert.Contains(rows.Values, row => row.GetProperty("login").GetString() == ApiHost.BossLogin);
        var live = rows[syncing.Id];
        Assert.Equal(["adminId", "error", "errorKind", "lastSyncAt", "login", "messages", "name", "quarantined", "silo", "state"],
            live.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(live.GetProperty("state").GetString() is "syncing" or "idle", live.ToString());
        Assert.Matches(@"^127\.0\.0\.1:\d+$", live.GetProperty("silo").GetString());
        Assert.Equal("disabled", rows[idleAdmin.GetProperty("id").GetString()!].GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await idle.GetAsync("/api/admin/mailboxes")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await idle.GetAsync("/api/admin/silos")).Status);
        using var anonymous = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/mailboxes")).Status);
    }

    [Fact]
    public async Task The_overview_filters_by_state_and_pages_without_waking_a_single_mailbox()
    {
        var syncing = await MailScenario.NewMailAdminAsync(host, tracking: true);
        using var _ = syncing.Browser;
        var quiet = new List<string>();
        for (var index = 0; index < 12; index++)
        {
            var (browser, admin, _) = await host.NewAdminAsync();
            browser.Dispose();
            quiet.Add(admin.GetProperty("id").GetString()!);
        }
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        await Eventually.TrueAsync(async () => (await AllPagesAsync(boss, "/api/admin/mailboxes?state=idle")).ContainsKey(syncing.Id),
            MailScenario.SyncTimeout, "the syncing mailbox listed as idle");
        var activationsBefore = await MailboxActivationsAsync(boss);

        var all = await AllPagesAsync(boss, "/api/admin/mailboxes?limit=5");
        var disabled = await AllPagesAsync(boss, "/api/admin/mailboxes?state=disabled&limit=5");
        var idle = await AllPagesAsync(boss, "/api/admin/mailboxes?state=idle");

        Assert.All(quiet, id => Assert.Equal("disabled", all[id].GetProperty("state").GetString()));
        Assert.All(quiet, id => Assert.Contains(id, disabled.Keys));
        Assert.DoesNotContain(syncing.Id, disabled.Keys);
        Assert.Contains(syncing.Id, idle.Keys);
        Assert.All(idle.Values, row => Assert.Equal("idle", row.GetProperty("state").GetString()));
        // Not one of the quiet admins' grains was activated to answer.
        Assert.Equal(activationsBefore, await MailboxActivationsAsync(boss));

        var silos = await boss.GetAsync("/api/admin/silos");
        Assert.True(silos.Status == HttpStatusCode.OK, silos.ToString());
        var silo = Assert.Single(silos.Json.EnumerateArray());
        Assert.Equal(all[syncing.Id].GetProperty("silo").GetString(), silo.GetProperty("silo").GetString());
        Assert.True(silo.GetProperty("mailboxes").GetInt32() >= 1, silos.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await boss.GetAsync("/api/admin/mailboxes?state=sleeping")).Status);
    }

    /// <summary>Follows <c>next</c> to the last page; an admin listed twice fails the test.</summary>
    private static async Task<Dictionary<string, JsonElement>> AllPagesAsync(Browser browser, string path)
    {
        var rows = new Dictionary<string, JsonElement>();
        string? next = null;
        do
        {
            var page = await browser.GetAsync(next is null ? path : $"{path}&before={Uri.EscapeDataString(next)}");
            Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
            foreach (var row in page.Json.GetProperty("items").EnumerateArray())
            {
                rows.Add(row.GetProperty("adminId").GetString()!, row.Clone());
            }
            next = page.Json.GetProperty("next").GetString();
        }
        while (next is not null);
        return rows;
    }

    /// <summary>Mailbox grains alive in the cluster, from the Orleans figures on /metrics (other grains come and go on their own).</summary>
    private static async Task<string> MailboxActivationsAsync(Browser browser)
    {
        var metrics = await browser.GetAsync("/metrics");
        var figures = metrics.Body.Split('\n').Where(line => line.StartsWith("orleans_catalog_activation", StringComparison.Ordinal)
            && line.Contains("\"mailbox\"", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(figures);
        return string.Join("\n", figures);
    }
}

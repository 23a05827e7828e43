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
        var rows = overview.Json.EnumerateArray().ToDictionary(row => row.GetProperty("adminId").GetString()!);
        Assert.Contains(rows.Values, row => row.GetProperty("login").GetString() == ApiHost.BossLogin);
        var live = rows[syncing.Id];
        Assert.Equal(["adminId", "error", "errorKind", "lastSyncAt", "login", "messages", "name", "quarantined", "silo", "state"],
            live.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(live.GetProperty("state").GetString() is "syncing" or "idle", live.ToString());
        Assert.Matches(@"^127\.0\.0\.1:\d+$", live.GetProperty("silo").GetString());
        Assert.Equal("disabled", rows[idleAdmin.GetProperty("id").GetString()!].GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, (await idle.GetAsync("/api/admin/mailboxes")).Status);
        using var anonymous = host.NewBrowser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/admin/mailboxes")).Status);
    }
}

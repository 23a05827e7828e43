using System.Net;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>The SignalR hub <c>/hubs/mail</c>: live mail for the owner and delegates only, access changes acting at once.</summary>
public sealed class RealtimeTests(ApiHost host) : IClassFixture<ApiHost>
{
    // Long enough to be sure a push that should not come has had every chance to.
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Owner_and_delegate_get_new_mail_live_a_stranger_never_and_a_revoked_delegate_loses_it_at_once()
    {
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var assistant = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var (stranger, _, _) = await host.NewAdminAsync();
        using var _1 = owner.Browser;
        using var _2 = assistant.Browser;
        using var _3 = stranger;
        await owner.SaveSettingsAsync(tracking: true, [assistant.Id]);
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
            MailScenario.SyncTimeout, "the owner's mailbox to be idle");

        await using var ownerHub = await HubListener.ConnectAsync(owner.Browser);
        await using var assistantHub = await HubListener.ConnectAsync(assistant.Browser);
        await using var strangerHub = await HubListener.ConnectAsync(stranger);

        var mine = $"/api/mailboxes/{owner.Id}/messages";
        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), "Live one");
        var pushed = await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("Live one"));
        await assistantHub.WaitForAsync("messageReceived", HubListener.Subject("Live one"));
        Assert.Equal(owner.Id, pushed.GetProperty("mailboxId").GetString());
        Assert.Equal("in", pushed.GetProperty("direction").GetString());
        Assert.Equal(["authorFound", "customerId", "date", "direction", "from", "hasAttachments", "id", "mailboxId", "snippet", "subject", "to"],
            pushed.EnumerateObject().Select(p => p.Name).Order());
        var inbox = (await assistant.Browser.GetAsync(mine)).Json.GetProperty("items");
        Assert.Contains(inbox.EnumerateArray(), item => item.GetProperty("id").GetString() == pushed.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync(mine)).Status);

        // Revoking acts at once: REST says 403 and the delegate's open connection gets nothing more.
        await owner.SaveSettingsAsync(tracking: true, []);
        var revoked = await assistant.Browser.GetAsync(mine);
        Assert.Equal(HttpStatusCode.Forbidden, revoked.Status);
        Assert.DoesNotContain("Live one", revoked.Body, StringComparison.Ordinal);

        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), "After revocation");
        await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("After revocation"));
        await Task.Delay(QuietPeriod);
        Assert.False(assistantHub.Got("messageReceived", HubListener.Subject("After revocation")), "the revoked delegate still got mail");
        Assert.False(strangerHub.Got("messageReceived", _ => true), "a stranger got mail");
        Assert.False(strangerHub.Got("mailboxStatus", _ => true), "a stranger got a mailbox's status");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_delegate_connected_to_another_web_host_gets_the_mail_of_a_mailbox_synced_in_the_cluster(bool secondHostCoHostsASilo)
    {
        // The second web host either runs a silo of its own or is a pure Orleans client of the cluster's silos.
        var secondHost = await host.StartAnotherWebHostAsync(secondHostCoHostsASilo);
        var owner = await MailScenario.NewMailAdminAsync(host, tracking: false);
        var assistant = await MailScenario.NewMailAdminAsync(host, tracking: false);
        using var _1 = owner.Browser;
        using var _2 = assistant.Browser;
        await owner.SaveSettingsAsync(tracking: true, [assistant.Id]);
        await Eventually.TrueAsync(async () => (await owner.Browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
            MailScenario.SyncTimeout, "the owner's mailbox to be idle");

        // The delegate's browser talks to the second web host only (same cookie keys, same cluster).
        using var assistantOnB = host.NewBrowser(webHost: secondHost);
        assistantOnB.Cookies.Add(assistant.Browser.Cookies.GetAllCookies());
        Assert.Equal(HttpStatusCode.OK, (await assistantOnB.GetAsync($"/api/mailboxes/{owner.Id}/messages")).Status);
        await using var ownerHub = await HubListener.ConnectAsync(owner.Browser);
        await using var assistantHub = await HubListener.ConnectAsync(assistantOnB);

        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), "Across hosts");
        await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("Across hosts"));
        var onB = await assistantHub.WaitForAsync("messageReceived", HubListener.Subject("Across hosts"));
        Assert.Equal(owner.Id, onB.GetProperty("mailboxId").GetString());

        // Revoked on host A: host B checks access before it forwards, so the next mail does not reach B's delegate.
        await owner.SaveSettingsAsync(tracking: true, []);
        Assert.Equal(HttpStatusCode.Forbidden, (await assistantOnB.GetAsync($"/api/mailboxes/{owner.Id}/messages")).Status);
        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), "Across hosts, revoked");
        await ownerHub.WaitForAsync("messageReceived", HubListener.Subject("Across hosts, revoked"));
        await Task.Delay(QuietPeriod);
        Assert.False(assistantHub.Got("messageReceived", HubListener.Subject("Across hosts, revoked")), "the revoked delegate on host B still got mail");
    }
}

using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>Operations: the super-admin watches every mailbox and the silos, updating without a reload.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperationsBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task A_mailbox_that_starts_syncing_appears_under_its_state_without_a_reload_and_the_silo_counts_it()
    {
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword, "/operations?state=idle");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Operations" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("State")).ToHaveValueAsync("idle");
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Live" })).ToBeVisibleAsync();
        var mailboxes = page.GetByRole(AriaRole.Table, new() { Name = "Mailboxes" });
        var silos = page.GetByRole(AriaRole.Table, new() { Name = "Silos" });
        await Expect(silos.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);

        var admin = await MailScenario.NewMailAdminAsync(app.Host, tracking: true);
        using var _ = admin.Browser;
        var login = (await admin.Browser.GetAsync("/api/me")).Json.GetProperty("login").GetString()!;

        var row = mailboxes.GetByRole(AriaRole.Row).Filter(new() { HasText = login });
        await Expect(row).ToContainTextAsync("Idle", new() { Timeout = 30_000 });
        await Expect(row).ToContainTextAsync("127.0.0.1:");
        await Expect(silos.GetByRole(AriaRole.Row).Nth(1)).Not.ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"active\s*0$"));
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "operations");

        // The filter is kept in the address: Disabled lists the boss (no mailbox), not the syncing admin.
        await page.GetByLabel("State").SelectOptionAsync(new SelectOptionValue { Label = "Disabled" });
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"state=disabled"));
        await Expect(mailboxes.GetByRole(AriaRole.Row).Filter(new() { HasText = ApiHost.BossLogin })).ToBeVisibleAsync();
        await Expect(mailboxes.GetByRole(AriaRole.Row).Filter(new() { HasText = login })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}

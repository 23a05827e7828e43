using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>The inbox as its owner and a delegate see it, with mail delivered through Postfix while they look.</summary>
[Collection(BrowserCollection.Name)]
public sealed class InboxBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task New_mail_appears_without_reload_and_a_delegate_reads_it_under_a_banner()
    {
        var (reader, readerLogin, readerPassword) = await MailAdminAsync(tracking: false, delegates: []);
        var (owner, ownerLogin, ownerPassword) = await MailAdminAsync(tracking: true, delegates: [reader.Id]);

        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ownerLogin, ownerPassword, "/inbox");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/inbox/" + owner.Id));
        await Expect(page.GetByText("No mail here yet.")).ToBeVisibleAsync();

        var subject = "Fibre in Oak Street? " + Guid.NewGuid().ToString("N")[..6];
        await MailScenario.DeliverAsync(owner.User, MailScenario.NewSender(), subject, withAttachment: true);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(row).ToContainTextAsync("Author not found");
        await Expect(row).ToContainTextAsync("Has attachments");
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "inbox");

        await page.GetByLabel("Author").SelectOptionAsync(new SelectOptionValue { Label = "Known" });
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("author=known"));
        await Expect(page.GetByText("No messages match.")).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var delegatePage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(delegatePage, readerLogin, readerPassword, "/inbox");
        await Expect(delegatePage).ToHaveURLAsync(BrowserApp.Words("/inbox/" + reader.Id));
        var ownerName = "Admin " + ownerLogin;
        await delegatePage.GetByLabel("Mailbox").SelectOptionAsync(new SelectOptionValue { Label = ownerName });
        await Expect(delegatePage.GetByText($"You are reading {ownerName}'s mailbox")).ToBeVisibleAsync();
        await Expect(delegatePage.GetByRole(AriaRole.Row).Filter(new() { HasText = subject })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(delegatePage);
        await BrowserApp.ScreenshotAsync(delegatePage, "inbox-delegate");
        await delegatePage.Context.CloseAsync();
    }

    private async Task<(MailAdmin Admin, string Login, string Password)> MailAdminAsync(bool tracking, string[] delegates)
    {
        var (browser, admin, password) = await app.Host.NewAdminAsync();
        var user = await LocalStack.CreateMailUserAsync("inb");
        app.Host.RememberSecret(user.Password);
        var mailAdmin = new MailAdmin(browser, admin.GetProperty("id").GetString()!, user);
        await mailAdmin.SaveSettingsAsync(tracking, delegates);
        if (tracking)
        {
            await Eventually.TrueAsync(async () => (await browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("state").GetString() == "idle",
                MailScenario.SyncTimeout, "the mailbox to be idle");
        }
        return (mailAdmin, admin.GetProperty("login").GetString()!, password);
    }
}

using System.Diagnostics;
using System.Net;
using Microsoft.Playwright;
using MailKit;
using MimeKit;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>
/// The inbox as its owner and a delegate see it at the same time, with mail delivered through Postfix while they
/// look: live rows, the delegation banner, revocation, filters, paging and the "N new messages" button.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class InboxBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task Mail_appears_live_for_owner_and_delegate_and_revoking_the_delegate_removes_the_mailbox_at_once()
    {
        var reader = await InboxPeople.MailAdminAsync(app, tracking: false, delegates: []);
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: [reader.Admin.Id]);

        var ownerPage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(ownerPage, owner.Login, owner.Password, "/inbox");
        await Expect(ownerPage).ToHaveURLAsync(BrowserApp.Words("/inbox/" + owner.Admin.Id));
        await Expect(ownerPage.GetByText("No mail here yet.")).ToBeVisibleAsync();

        var delegatePage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(delegatePage, reader.Login, reader.Password, "/inbox");
        await Expect(delegatePage).ToHaveURLAsync(BrowserApp.Words("/inbox/" + reader.Admin.Id));
        // The own mailbox first, then the delegated one, each with its state.
        var options = delegatePage.GetByLabel("Mailbox").Locator("option");
        await Expect(options).ToHaveCountAsync(2);
        await Expect(options.Nth(0)).ToHaveTextAsync(BrowserApp.Words(reader.Name + " (you) ·"));
        await Expect(options.Nth(1)).ToHaveTextAsync(BrowserApp.Words(owner.Name + " · idle"));
        await delegatePage.GetByLabel("Mailbox").SelectOptionAsync(owner.Admin.Id);
        await Expect(delegatePage.GetByText($"You are reading {owner.Name}'s mailbox")).ToBeVisibleAsync();
        await Expect(ownerPage.GetByText($"You are reading")).ToHaveCountAsync(0);

        var subject = "Fibre in Oak Street? " + Guid.NewGuid().ToString("N")[..6];
        await MailScenario.DeliverAsync(owner.Admin.User, MailScenario.NewSender(), subject, withAttachment: true);
        var accepted = Stopwatch.StartNew();
        var ownerRow = ownerPage.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        var delegateRow = delegatePage.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Expect(ownerRow).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var ownerDelay = accepted.Elapsed;
        await Expect(delegateRow).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Console.WriteLine($"SMTP accept → row in the DOM: owner {ownerDelay.TotalMilliseconds:F0} ms, delegate {accepted.Elapsed.TotalMilliseconds:F0} ms");
        await Expect(ownerRow).ToContainTextAsync("Author not found");
        await Expect(ownerRow).ToContainTextAsync("Has attachments");
        await BrowserApp.AssertAccessibleAsync(ownerPage);
        await BrowserApp.ScreenshotAsync(ownerPage, "inbox");
        await BrowserApp.AssertAccessibleAsync(delegatePage);
        await BrowserApp.ScreenshotAsync(delegatePage, "inbox-delegate");

        // The delegate reads the message; then the owner takes the access back.
        await delegateRow.ClickAsync();
        await Expect(delegatePage.GetByRole(AriaRole.Heading, new() { Name = subject })).ToBeVisibleAsync();
        await owner.Admin.SaveSettingsAsync(tracking: true, delegates: []);
        await Expect(delegatePage.GetByText($"Your access to {owner.Name}'s mailbox ended")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(delegatePage.GetByRole(AriaRole.Heading, new() { Name = subject })).ToHaveCountAsync(0);
        await Expect(delegatePage.GetByLabel("Mailbox").Locator($"option[value='{owner.Admin.Id}']")).ToHaveCountAsync(0);
        await Expect(delegatePage.GetByLabel("Mailbox").Locator($"option[value='{reader.Admin.Id}']")).ToHaveCountAsync(1);
        await BrowserApp.AssertAccessibleAsync(delegatePage);
        await BrowserApp.ScreenshotAsync(delegatePage, "inbox-access-ended");
        var refused = await delegatePage.APIRequest.GetAsync($"/api/mailboxes/{owner.Admin.Id}/messages");
        Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);

        await ownerPage.Context.CloseAsync();
        await delegatePage.Context.CloseAsync();
    }

    [Fact]
    public async Task Filters_live_in_the_address_and_scrolling_pages_without_duplicates_while_new_mail_waits_behind_a_button()
    {
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: []);
        var tag = Guid.NewGuid().ToString("N")[..6];
        // Three pages of 50, appended straight into the IMAP inbox (much faster than 130 SMTP deliveries).
        var subjects = Enumerable.Range(0, 130).Select(index => $"Ticket {index:D3} {tag}").ToList();
        using (var imap = await MailClients.ImapAsync(owner.Admin.User))
        {
            var start = new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero);
            var requests = subjects.Select((subject, index) =>
            {
                var message = MailClients.Message(MailScenario.NewSender(), owner.Admin.User.Address, subject);
                message.Date = start.AddMinutes(index);
                if (index == 7)
                {
                    message.Body = new TextPart("plain") { Text = "The router in the attic blinks orange " + tag };
                }
                return (IAppendRequest)new AppendRequest(message, MessageFlags.None);
            }).ToList();
            await imap.Inbox.AppendAsync(requests);
            await imap.DisconnectAsync(quit: true);
        }
        await Eventually.TrueAsync(async () =>
            (await owner.Admin.Browser.GetAsync($"/api/mailboxes/{owner.Admin.Id}/messages?limit=200")).Json.GetProperty("items").GetArrayLength() == 130,
            MailScenario.SyncTimeout, "130 messages stored");

        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, owner.Login, owner.Password, "/inbox");
        var table = page.GetByRole(AriaRole.Table);
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = subjects[^1] })).ToBeVisibleAsync();

        // Scroll to the end, a step at a time, noting every row drawn (only the visible ones exist).
        var seen = new Dictionary<string, string>();
        var late = "Late arrival " + tag;
        var deliveredLate = false;
        for (var step = 0; step < 80; step++)
        {
            foreach (var (index, text) in await VisibleRowsAsync(page))
            {
                var subject = text;
                Assert.True(!seen.TryGetValue(subject, out var at) || at == index, $"'{subject}' drawn at row {at} and at row {index}");
                seen[subject] = index;
            }
            if (!deliveredLate && step == 3)
            {
                // New mail while the reader has scrolled: it waits behind the button instead of moving the rows.
                await MailScenario.DeliverAsync(owner.Admin.User, MailScenario.NewSender(), late);
                deliveredLate = true;
            }
            if (seen.Keys.Any(key => key.StartsWith("Ticket 000", StringComparison.Ordinal)))
            {
                break;
            }
            await page.Locator(".message-list").EvaluateAsync("list => list.scrollBy(0, 600)");
            await page.WaitForTimeoutAsync(50); // one frame for the window of rows to follow the scroll
        }
        Assert.Equal(130, seen.Keys.Count(key => key.StartsWith("Ticket", StringComparison.Ordinal)));
        var newMessages = page.GetByRole(AriaRole.Button, new() { Name = "1 new message" });
        await Expect(newMessages).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = late })).ToHaveCountAsync(0);
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "inbox-new-messages");
        await newMessages.ClickAsync();
        var first = table.GetByRole(AriaRole.Row).Nth(1);
        await Expect(first).ToContainTextAsync(late);
        await Expect(first).ToBeFocusedAsync();

        // Search reads bodies; the address keeps the filters, so a reload shows the same.
        await page.GetByLabel("Search").FillAsync("attic " + tag);
        await page.GetByLabel("Search").PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("q=attic"));
        await Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        await Expect(table.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync(subjects[7]);
        await page.ReloadAsync();
        await Expect(page.GetByLabel("Search")).ToHaveValueAsync("attic " + tag);
        await Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);
        // A new message that does not match the search does not appear.
        var unmatched = "Unrelated " + tag;
        await MailScenario.DeliverAsync(owner.Admin.User, MailScenario.NewSender(), unmatched);
        await MailScenario.WaitInInboxAsync(owner.Admin.Browser, owner.Admin.Id, unmatched);
        // The browser heard of it (the live region announced it), and left it out of the searched list.
        await Expect(page.Locator("[aria-live=polite]")).ToContainTextAsync(unmatched, new() { Timeout = 30_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("new message") })).ToHaveCountAsync(0);
        await Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);

        await page.GetByLabel("Search").FillAsync("");
        await page.GetByLabel("Search").PressAsync("Enter");
        await page.GetByLabel("Author").SelectOptionAsync(new SelectOptionValue { Label = "Known" });
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("author=known"));
        await Expect(page.GetByText("No messages match.")).ToBeVisibleAsync();
        await page.GetByLabel("Author").SelectOptionAsync(new SelectOptionValue { Label = "Not found" });
        await page.GetByLabel("From date").FillAsync("2026-01-01");
        await page.GetByLabel("To date").FillAsync("2026-01-01");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("to=2026-01-01"));
        // 08:00 to 10:09 on the first of January: all 130 tickets, and nothing delivered today.
        await Expect(table.GetByRole(AriaRole.Row).Nth(1)).ToContainTextAsync(subjects[^1]);
        await Expect(table.GetByRole(AriaRole.Row).Filter(new() { HasText = late })).ToHaveCountAsync(0);
        await page.GetByLabel("To date").FillAsync("2025-12-31");
        await Expect(page.GetByText("No messages match.")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    private static async Task<IReadOnlyList<(string Index, string Text)>> VisibleRowsAsync(IPage page) =>
        (await page.Locator(".message-rows [role=row][aria-rowindex]").EvaluateAllAsync<string[][]>(
            "rows => rows.map(row => [row.getAttribute('aria-rowindex'), row.querySelector('.subject').textContent])"))
        .Select(row => (row[0], row[1])).ToList();
}

/// <summary>Admins with a mailbox on the local stack, signed in through the API, for the browser tests of the inbox.</summary>
internal sealed record InboxPerson(MailAdmin Admin, string Login, string Password)
{
    public string Name => "Admin " + Login;
}

internal static class InboxPeople
{
    public static async Task<InboxPerson> MailAdminAsync(BrowserApp app, bool tracking, string[] delegates)
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
        return new InboxPerson(mailAdmin, admin.GetProperty("login").GetString()!, password);
    }
}

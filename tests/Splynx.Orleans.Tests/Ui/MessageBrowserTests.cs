using System.Collections.Concurrent;
using Microsoft.Playwright;
using MimeKit;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>
/// The message view and the actions on messages, in Chromium against the real stack: a hostile message that can do
/// nothing, each action seen at once in the owner's and the delegate's browsers, and triage with the keyboard alone.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MessageBrowserTests(BrowserApp app)
{
    private const string HostileHtml = """
        <html><head>
        <meta http-equiv="refresh" content="0;url=http://refresh.remote.test/">
        <link rel="stylesheet" href="http://css.remote.test/sheet.css">
        <style>body { background: url(http://style.remote.test/bg.png); } @import url(http://import.remote.test/x.css);</style>
        <script>alert('script tag'); parent.document.title = 'owned';</script>
        </head><body>
        <p>Hostile body marker</p>
        <img src="x" onerror="alert('onerror')">
        <img src="http://pixel.remote.test/open.gif" width="1" height="1">
        <div style="background-image: url(http://inline.remote.test/bg.png)">Styled text</div>
        <a href="javascript:alert('link')">Click for a prize</a>
        <a href="https://bank.remote.test/login">Your bank</a>
        <form action="http://form.remote.test/steal" method="post"><input name="password"><button>Send</button></form>
        <iframe src="http://frame.remote.test/"></iframe>
        <svg onload="alert('svg')"></svg>
        </body></html>
        """;

    [Fact]
    public async Task A_hostile_message_shows_its_text_but_runs_nothing_and_fetches_nothing_from_elsewhere()
    {
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: []);
        var subject = "You won " + Guid.NewGuid().ToString("N")[..6];
        var message = MailClients.Message(MailScenario.NewSender(), owner.Admin.User.Address, subject);
        message.Body = new BodyBuilder { HtmlBody = HostileHtml, TextBody = "text part" }.ToMessageBody();
        await MailClients.DeliverAsync(message);
        await MailScenario.WaitInInboxAsync(owner.Admin.Browser, owner.Admin.Id, subject);

        var page = await app.NewPageAsync();
        var webHost = new Uri(app.Host.Url.ToString());
        var foreign = new ConcurrentBag<string>();
        // Every request of the whole profile (frames and new tabs included) passes here; only the web host's are let through.
        await page.Context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "http" or "https" && url.Authority != webHost.Authority)
            {
                foreign.Add(route.Request.Url);
                await route.AbortAsync();
                return;
            }
            await route.ContinueAsync();
        });
        var dialogs = new ConcurrentBag<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        var bodyLoads = new ConcurrentBag<int>();
        page.Response += (_, response) =>
        {
            if (response.Url.EndsWith("/body", StringComparison.Ordinal))
            {
                bodyLoads.Add(response.Status);
            }
        };
        var consoleErrors = new ConcurrentBag<string>();
        page.Console += (_, entry) =>
        {
            // Playwright itself tries to run its helpers in every frame; in this one Chromium refuses and says so. The
            // document holds no script of its own (asserted below), so that refusal is the only one it can show.
            if (entry.Type == "error" && !entry.Text.StartsWith("Blocked script execution in", StringComparison.Ordinal))
            {
                consoleErrors.Add(entry.Text);
            }
        };

        await BrowserApp.SignInAsync(page, owner.Login, owner.Password, "/inbox");
        consoleErrors.Clear(); // the 401 of the page asking who is signed in, before signing in
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = subject })).ToBeVisibleAsync();
        var frameElement = page.Locator("iframe[title='Message body']");
        await Expect(frameElement).ToHaveAttributeAsync("sandbox", "allow-popups allow-popups-to-escape-sandbox");
        // Playwright cannot look inside a frame that may run no script: that the frame loaded its document is read from
        // the responses, and what the document holds from the same address below.
        await Eventually.TrueAsync(() => Task.FromResult(bodyLoads.Contains(200)), TimeSpan.FromSeconds(15), "the message body loaded in its frame");
        Assert.Contains(page.Frames, frame => frame.Url.EndsWith("/body", StringComparison.Ordinal));

        // The frame's document as the web host serves it: nothing active left, its own policy, sandboxed even when opened alone.
        var served = await page.APIRequest.GetAsync(await frameElement.GetAttributeAsync("src") ?? "");
        Assert.Equal(200, served.Status);
        var html = await served.TextAsync();
        foreach (var forbidden in new[] { "<script", "onerror", "onload", "<form", "<iframe", "javascript:", "remote.test/open.gif", "http-equiv", "<link", "url(" })
        {
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Contains("target=\"_blank\"", html, StringComparison.Ordinal);
        Assert.Contains("Hostile body marker", html, StringComparison.Ordinal);
        Assert.Contains("Styled text", html, StringComparison.Ordinal);
        Assert.Contains("Your bank</a><span class=\"link-host\"> (bank.remote.test)</span>", html, StringComparison.Ordinal);
        var policy = served.Headers["content-security-policy"];
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("sandbox allow-popups allow-popups-to-escape-sandbox", policy, StringComparison.Ordinal);
        // Its unseen layout copy (measured by the app) keeps the app's origin, so it must run nothing at all.
        var layoutElement = page.Locator("iframe.message-frame-layout");
        await Expect(layoutElement).ToHaveAttributeAsync("sandbox", "allow-same-origin");
        var layoutCopy = await page.APIRequest.GetAsync(await layoutElement.GetAttributeAsync("src") ?? "");
        Assert.Equal(html, await layoutCopy.TextAsync());
        var layoutPolicy = layoutCopy.Headers["content-security-policy"];
        Assert.Contains("default-src 'none'", layoutPolicy, StringComparison.Ordinal);
        Assert.EndsWith("sandbox allow-same-origin", layoutPolicy, StringComparison.Ordinal);
        // Nothing the message tried reached the app's page (its title, its dialogs).
        Assert.DoesNotContain("owned", await page.TitleAsync(), StringComparison.Ordinal);

        await BrowserApp.AssertAccessibleAsync(page, framesToo: false);
        await BrowserApp.ScreenshotAsync(page, "message-hostile");
        await page.ReloadAsync();
        bodyLoads.Clear();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = subject })).ToBeVisibleAsync();
        await Eventually.TrueAsync(() => Task.FromResult(bodyLoads.Contains(200)), TimeSpan.FromSeconds(15), "the message body loaded again after a reload");
        Assert.Empty(dialogs);
        Assert.Empty(foreign);
        Assert.Empty(consoleErrors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_message_frame_is_as_tall_as_its_content_and_the_message_scrolls_as_one()
    {
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: []);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (longSubject, shortSubject) = ("Long newsletter " + tag, "Short note " + tag);
        // Long paragraphs, so that any change of width changes the number of lines.
        var paragraphs = string.Concat(Enumerable.Range(1, 8).Select(n => $"<p style=\"margin: 0 0 12px\">Paragraph {n} of the newsletter. {string.Concat(Enumerable.Repeat("Fibre reaches your street this spring, and the new routers are on their way. ", 30))}</p>"));
        foreach (var (subject, html) in new[] { (longSubject, paragraphs + "<p>Last paragraph</p>"), (shortSubject, "<p>Just one line.</p>") })
        {
            var message = MailClients.Message(MailScenario.NewSender(), owner.Admin.User.Address, subject);
            message.Body = new BodyBuilder { HtmlBody = html }.ToMessageBody();
            await MailClients.DeliverAsync(message);
            await MailScenario.WaitInInboxAsync(owner.Admin.Browser, owner.Admin.Id, subject);
        }
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, owner.Login, owner.Password, "/inbox");
        var frame = page.Locator("iframe[title='Message body']");

        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = longSubject }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = longSubject })).ToBeVisibleAsync();
        // The newsletter is far taller than the pane: the frame takes all of it, and the message scrolls instead.
        var longHeight = await Eventually.ReturnsAsync(() => FrameHeightAsync(frame), height => height > 1500, TimeSpan.FromSeconds(15),
            "the long message's frame sized to its content");
        Assert.Equal(await LayoutHeightAsync(page), longHeight, 1.0);
        var heights = await page.Locator("article.message").EvaluateAsync<int[]>("article => [article.scrollHeight, article.clientHeight]");
        Assert.True(heights[0] > heights[1] + 1000, $"the message should scroll as one: {heights[0]} of {heights[1]}");
        await BrowserApp.ScreenshotAsync(page, "message-long");

        // Another width wraps the paragraphs otherwise: measured again.
        var width = (await frame.BoundingBoxAsync())!.Width;
        await page.SetViewportSizeAsync(1800, 900);
        var resized = await Eventually.ReturnsAsync(() => FrameHeightAsync(frame), height => Math.Abs(height - longHeight) > 100, TimeSpan.FromSeconds(15),
            $"the frame measured again at another width ({width} px, then {(await frame.BoundingBoxAsync())!.Width} px; layout copy {await LayoutHeightAsync(page)} px)");
        Assert.Equal(await LayoutHeightAsync(page), resized, 1.0);

        await page.GoBackAsync();
        await page.GetByRole(AriaRole.Row).Filter(new() { HasText = shortSubject }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = shortSubject })).ToBeVisibleAsync();
        // One line: no screenful of white under it.
        await Eventually.ReturnsAsync(() => FrameHeightAsync(frame), height => height is > 20 and < 120, TimeSpan.FromSeconds(15),
            "the short message's frame sized to its one line");
        await BrowserApp.ScreenshotAsync(page, "message-short");
        await page.Context.CloseAsync();
    }

    private static async Task<double> FrameHeightAsync(ILocator frame) => (await frame.BoundingBoxAsync())?.Height ?? 0;

    /// <summary>The height of the layout copy's document, which the app may read (same origin, no script inside).</summary>
    private static Task<double> LayoutHeightAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.querySelector('iframe.message-frame-layout').contentDocument.documentElement.scrollHeight");

    [Fact]
    public async Task Pair_add_block_and_delete_act_at_once_in_the_owners_and_the_delegates_browser()
    {
        var reader = await InboxPeople.MailAdminAsync(app, tracking: false, delegates: []);
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: [reader.Admin.Id]);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var customerName = "Oak Street Flats " + tag;
        var created = await owner.Admin.Browser.PostAsync("/api/customers", new { name = customerName, category = "customer", emails = Array.Empty<string>() });
        Assert.True((int)created.Status == 201, created.ToString());

        var (toPair, toAdd, spammer, toDelete) = ($"tenant-{tag}@example.test", $"newcomer-{tag}@example.test", $"spam-{tag}@example.test", $"old-{tag}@example.test");
        var mail = new (string From, string Subject)[]
        {
            (toPair, "Pair me " + tag), ($"Nora Newcomer <{toAdd}>", "Add me " + tag), (spammer, "Spam one " + tag), (spammer, "Spam two " + tag),
            (toDelete, "Delete me " + tag),
        };
        foreach (var (from, subject) in mail)
        {
            await MailClients.DeliverAsync(MailClients.Message(from, owner.Admin.User.Address, subject));
        }

        var ownerPage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(ownerPage, owner.Login, owner.Password, "/inbox");
        var delegatePage = await app.NewPageAsync();
        await BrowserApp.SignInAsync(delegatePage, reader.Login, reader.Password, $"/inbox/{owner.Admin.Id}");
        ILocator Row(IPage page, string subject) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        foreach (var (_, subject) in mail)
        {
            await Expect(Row(ownerPage, subject)).ToBeVisibleAsync(new() { Timeout = 60_000 });
            await Expect(Row(delegatePage, subject)).ToBeVisibleAsync(new() { Timeout = 60_000 });
        }

        // Pair to a customer, from the row menu; the delegate's row loses its badge too.
        await Row(ownerPage, "Pair me").GetByRole(AriaRole.Button, new() { Name = "Actions" }).ClickAsync();
        await Expect(ownerPage.GetByRole(AriaRole.Menu)).ToBeVisibleAsync();
        await BrowserApp.ScreenshotAsync(ownerPage, "inbox-actions-menu");
        await ownerPage.GetByRole(AriaRole.Menuitem, new() { Name = "Pair to a customer" }).ClickAsync();
        var pair = ownerPage.GetByRole(AriaRole.Dialog, new() { Name = "Pair to a customer" });
        await pair.GetByLabel("Search customers and leads").FillAsync("Flats " + tag);
        await pair.GetByRole(AriaRole.Radio, new() { NameRegex = new System.Text.RegularExpressions.Regex(customerName) }).CheckAsync();
        await BrowserApp.AssertAccessibleAsync(ownerPage);
        await BrowserApp.ScreenshotAsync(ownerPage, "dialog-pair");
        await pair.GetByRole(AriaRole.Button, new() { Name = "Pair", Exact = true }).ClickAsync();
        await Expect(pair).ToHaveCountAsync(0);
        await Expect(Row(ownerPage, "Pair me")).Not.ToContainTextAsync("Author not found");
        await Expect(Row(delegatePage, "Pair me")).Not.ToContainTextAsync("Author not found");

        // Add a customer, by the delegate this time, with the name taken from the sender.
        await Row(delegatePage, "Add me").GetByRole(AriaRole.Button, new() { Name = "Actions" }).ClickAsync();
        await Expect(delegatePage.GetByRole(AriaRole.Menuitem, new() { Name = "Block email" })).ToHaveCountAsync(0);
        await delegatePage.GetByRole(AriaRole.Menuitem, new() { Name = "Add a customer" }).ClickAsync();
        var add = delegatePage.GetByRole(AriaRole.Dialog, new() { Name = "Add a customer" });
        await Expect(add.GetByLabel("Name")).ToHaveValueAsync("Nora Newcomer");
        await add.GetByLabel("Category").SelectOptionAsync("customer");
        await BrowserApp.AssertAccessibleAsync(delegatePage);
        await BrowserApp.ScreenshotAsync(delegatePage, "dialog-add-customer");
        await add.GetByRole(AriaRole.Button, new() { Name = "Add customer" }).ClickAsync();
        await Expect(add).ToHaveCountAsync(0);
        await Expect(Row(delegatePage, "Add me")).Not.ToContainTextAsync("Author not found");
        await Expect(Row(ownerPage, "Add me")).Not.ToContainTextAsync("Author not found");
        var customers = await owner.Admin.Browser.GetAsync("/api/customers?q=Nora");
        Assert.Contains(customers.Json.EnumerateArray(), customer => customer.GetProperty("emails").EnumerateArray().Any(email => email.GetString() == toAdd));

        // Block email, from the open message: every message of the sender leaves both browsers, and their next mail never shows.
        await Row(ownerPage, "Spam one").ClickAsync();
        await Expect(ownerPage.GetByRole(AriaRole.Heading, new() { Name = "Spam one " + tag })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(ownerPage);
        await BrowserApp.ScreenshotAsync(ownerPage, "message");
        await ownerPage.GetByRole(AriaRole.Button, new() { Name = "Block email" }).ClickAsync();
        var block = ownerPage.GetByRole(AriaRole.Dialog, new() { Name = "Block email" });
        await Expect(block).ToContainTextAsync(spammer);
        await BrowserApp.AssertAccessibleAsync(ownerPage);
        await BrowserApp.ScreenshotAsync(ownerPage, "dialog-block");
        await block.GetByRole(AriaRole.Button, new() { Name = "Block email" }).ClickAsync();
        foreach (var page in new[] { ownerPage, delegatePage })
        {
            await Expect(Row(page, "Spam one")).ToHaveCountAsync(0);
            await Expect(Row(page, "Spam two")).ToHaveCountAsync(0);
        }
        await MailClients.DeliverAsync(MailClients.Message(spammer, owner.Admin.User.Address, "Spam three " + tag));
        await MailClients.DeliverAsync(MailClients.Message(MailScenario.NewSender(), owner.Admin.User.Address, "After the block " + tag));
        await Expect(Row(ownerPage, "After the block")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(Row(ownerPage, "Spam three")).ToHaveCountAsync(0);

        // Delete message, from the row menu of the delegate: gone in both browsers, and after a reload.
        await Row(delegatePage, "Delete me").GetByRole(AriaRole.Button, new() { Name = "Actions" }).ClickAsync();
        await delegatePage.GetByRole(AriaRole.Menuitem, new() { Name = "Delete message" }).ClickAsync();
        var delete = delegatePage.GetByRole(AriaRole.Dialog, new() { Name = "Delete message" });
        await Expect(delete).ToContainTextAsync("for good");
        await BrowserApp.AssertAccessibleAsync(delegatePage);
        await BrowserApp.ScreenshotAsync(delegatePage, "dialog-delete");
        await delete.GetByRole(AriaRole.Button, new() { Name = "Delete message" }).ClickAsync();
        await Expect(Row(delegatePage, "Delete me")).ToHaveCountAsync(0);
        await Expect(Row(ownerPage, "Delete me")).ToHaveCountAsync(0);
        await ownerPage.ReloadAsync();
        await Expect(Row(ownerPage, "After the block")).ToBeVisibleAsync();
        await Expect(Row(ownerPage, "Delete me")).ToHaveCountAsync(0);
        await Expect(Row(ownerPage, "Spam")).ToHaveCountAsync(0);

        await ownerPage.Context.CloseAsync();
        await delegatePage.Context.CloseAsync();
    }

    [Fact]
    public async Task Three_messages_are_triaged_with_the_keyboard_alone()
    {
        var owner = await InboxPeople.MailAdminAsync(app, tracking: true, delegates: []);
        var tag = Guid.NewGuid().ToString("N")[..6];
        string[] subjects = ["First " + tag, "Second " + tag, "Third " + tag];
        foreach (var subject in subjects)
        {
            await MailClients.DeliverAsync(MailClients.Message($"Sam Sender <sam-{subject[..5].ToLowerInvariant()}-{tag}@example.test>", owner.Admin.User.Address, subject));
            await MailScenario.WaitInInboxAsync(owner.Admin.Browser, owner.Admin.Id, subject); // so that they arrive in this order
        }
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, owner.Login, owner.Password, "/inbox");
        ILocator Row(string subject) => page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Expect(Row(subjects[0])).ToBeVisibleAsync();
        await page.Locator("body").FocusAsync();
        await page.EvaluateAsync("() => document.activeElement && document.activeElement.blur()");

        // j to the newest, Enter opens it beside the list, # and Enter delete it; focus lands on the next one.
        await page.Keyboard.PressAsync("j");
        await Expect(Row(subjects[2])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/inbox/" + owner.Admin.Id + "/"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = subjects[2] })).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("#");
        var delete = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete message" });
        await Expect(delete.GetByRole(AriaRole.Button, new() { Name = "Delete message" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(Row(subjects[2])).ToHaveCountAsync(0);
        await Expect(Row(subjects[1])).ToBeFocusedAsync();

        // The second: Enter opens, Esc goes back to the list with the focus on its row.
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = subjects[1] })).ToBeVisibleAsync();
        await BrowserApp.ScreenshotAsync(page, "message-reading-pane");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = subjects[1] })).ToHaveCountAsync(0);
        await Expect(Row(subjects[1])).ToBeFocusedAsync();

        // The third: k/j move, Tab reaches its menu, arrows pick "Add a customer", Enter submits the prefilled dialog.
        await page.Keyboard.PressAsync("j");
        await Expect(Row(subjects[0])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("k");
        await Expect(Row(subjects[1])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(Row(subjects[0])).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Tab");
        await Expect(Row(subjects[0]).GetByRole(AriaRole.Button, new() { Name = "Actions" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "View" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Add a customer" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        var add = page.GetByRole(AriaRole.Dialog, new() { Name = "Add a customer" });
        await Expect(add.GetByLabel("Name")).ToBeFocusedAsync();
        await Expect(add.GetByLabel("Name")).ToHaveValueAsync("Sam Sender");
        await page.Keyboard.PressAsync("Enter");
        await Expect(add).ToHaveCountAsync(0);
        await Expect(Row(subjects[0])).Not.ToContainTextAsync("Author not found");
        await Expect(Row(subjects[0])).ToBeFocusedAsync();

        // ? lists the inbox's keys; Esc closes the list.
        await page.Keyboard.PressAsync("?");
        var shortcuts = page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });
        await Expect(shortcuts).ToContainTextAsync("Delete the message");
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "inbox-shortcuts");
        await page.Keyboard.PressAsync("Escape");
        await Expect(shortcuts).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}

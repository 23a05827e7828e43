using System.Globalization;
using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>My Profile → Mail, filled in by a person against the local Dovecot and Postfix.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MailSettingsBrowserTests(BrowserApp app)
{
    private static readonly string Port = LocalStack.ImapPort.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_admin_sets_up_imap_through_the_form_and_the_status_strip_reaches_idle_without_reload()
    {
        var (page, user) = await SignedInAdminWithStackMailboxAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Email tracking" })).ToBeVisibleAsync();
        foreach (var section in new[] { "Access settings", "Credentials", "IMAP settings", "SMTP settings" })
        {
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = section })).ToBeVisibleAsync();
        }
        await Expect(page.GetByTestId("mailbox-state")).ToHaveTextAsync("Disabled");
        await BrowserApp.AssertAccessibleAsync(page);

        await page.GetByLabel("Username").FillAsync(user.Login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("a-wrong-password");
        await page.GetByLabel("IMAP server").FillAsync(LocalStack.MailHost);
        await page.GetByLabel("IMAP port").FillAsync(Port);
        await page.GetByLabel("Use SSL").SelectOptionAsync(new SelectOptionValue { Label = "STARTTLS" });
        await page.GetByLabel("Don't validate certificate").CheckAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Authentication failed" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Check the username and the password")).ToBeVisibleAsync();
        await BrowserApp.ScreenshotAsync(page, "profile-mail-wrong-password");

        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(user.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Load" }).ClickAsync();
        await Expect(page.GetByLabel("Folder of sent emails")).ToHaveValueAsync("Sent");
        await page.GetByRole(AriaRole.Button, new() { Name = "Test connection" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Connection works" })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Switch, new() { Name = "Enable inbox processing" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByText("Saved", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Password", new() { Exact = true })).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("A password is saved"));

        // Pushed over SignalR: the page is never reloaded.
        await Expect(page.GetByTestId("mailbox-state")).ToHaveTextAsync("Idle", new() { Timeout = 60_000 });
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "profile-mail");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_bad_deny_list_line_shows_its_error_beside_the_field_naming_the_line()
    {
        var (page, _) = await SignedInAdminWithStackMailboxAsync();
        var denyList = page.GetByLabel("Deny list");
        await denyList.FillAsync("spam.example\n\nfoo@\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();

        await Expect(denyList).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(denyList).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("line 3: 'foo@' is not an address or a domain"));
        await Expect(page.GetByText("Not saved")).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);
        await denyList.ScrollIntoViewIfNeededAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserApp.ScreenshotFolder, "profile-mail-deny-list-error.png") });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Send_test_email_from_the_form_arrives_in_the_stack_mailbox()
    {
        var (page, user) = await SignedInAdminWithStackMailboxAsync();
        var recipient = await LocalStack.CreateMailUserAsync("brw");
        app.Host.RememberSecret(recipient.Password);

        await page.GetByLabel("Username").FillAsync(user.Login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(user.Password);
        await page.GetByLabel("IMAP server").FillAsync(LocalStack.MailHost);
        await page.GetByLabel("IMAP port").FillAsync(Port);
        await page.GetByLabel("Use SSL").SelectOptionAsync(new SelectOptionValue { Label = "STARTTLS" });
        await page.GetByLabel("Enable sending").CheckAsync();
        await page.GetByLabel("Use system SMTP").UncheckAsync();
        await page.GetByLabel("SMTP server").FillAsync(LocalStack.MailHost);
        await page.GetByLabel("SMTP port").FillAsync(LocalStack.SubmissionPort.ToString(CultureInfo.InvariantCulture));
        await page.GetByLabel("SMTP security mode").SelectOptionAsync(new SelectOptionValue { Label = "STARTTLS" });
        await page.GetByLabel("SMTP authentication type").SelectOptionAsync(new SelectOptionValue { Label = "PLAIN" });
        await page.GetByLabel("Don't validate the SMTP certificate").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByText("Saved", new() { Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Test SMTP connection" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "SMTP connection works" })).ToBeVisibleAsync();
        await page.GetByLabel("Test email to").FillAsync(recipient.Address);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send test email" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Test email sent to " + recipient.Address })).ToBeVisibleAsync();

        await Eventually.TrueAsync(async () => (await MailClients.InboxSubjectsAsync(recipient)).Any(subject => subject.Contains("Test email", StringComparison.OrdinalIgnoreCase)),
            MailScenario.SyncTimeout, "the test email in the recipient's INBOX");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_settings_form_is_filled_and_saved_with_the_keyboard_alone()
    {
        var (page, user) = await SignedInAdminWithStackMailboxAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "My Profile → Mail" }).ClickAsync();

        // Tab from the top of the page through the form, typing into the fields a person would fill.
        var typed = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Username"] = user.Login,
            ["Password"] = user.Password,
            ["IMAP server"] = LocalStack.MailHost,
            ["IMAP port"] = Port,
        };
        var visited = new List<string>();
        string? security = null;
        for (var step = 0; step < 80; step++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await FocusedNameAsync(page);
            visited.Add(focused);
            if (typed.Remove(focused, out var text))
            {
                await page.Keyboard.PressAsync("Control+A");
                await page.Keyboard.TypeAsync(text);
            }
            if (focused == "Use SSL")
            {
                // A select changes with the arrow keys.
                await page.Keyboard.PressAsync("ArrowDown");
                security = await page.GetByLabel("Use SSL").InputValueAsync();
            }
            if (focused == "Save")
            {
                break;
            }
        }
        Assert.True(typed.Count == 0, "Not reached with Tab: " + string.Join(", ", typed.Keys) + "\nVisited: " + string.Join(" → ", visited));
        Assert.Equal("Save", visited[^1]);
        var outline = await page.EvaluateAsync<string>("() => getComputedStyle(document.activeElement).outlineStyle");
        Assert.NotEqual("none", outline);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByText("Saved", new() { Exact = true })).ToBeVisibleAsync();

        await page.ReloadAsync();
        await Expect(page.GetByLabel("Username")).ToHaveValueAsync(user.Login);
        await Expect(page.GetByLabel("IMAP port")).ToHaveValueAsync(Port);
        await Expect(page.GetByLabel("Use SSL")).ToHaveValueAsync(security ?? "(never reached)");
        await page.Context.CloseAsync();
    }

    /// <summary>The accessible name of the focused control: its label, or its text for a button.</summary>
    private static Task<string> FocusedNameAsync(IPage page) => page.EvaluateAsync<string>("""
        () => {
          const element = document.activeElement;
          if (!element) return "";
          const label = element.labels && element.labels[0];
          return (label ? label.textContent : element.textContent || "").trim();
        }
        """);

    private async Task<(IPage Page, MailUser User)> SignedInAdminWithStackMailboxAsync()
    {
        var (api, admin, password) = await app.Host.NewAdminAsync();
        api.Dispose();
        var user = await LocalStack.CreateMailUserAsync("brw");
        app.Host.RememberSecret(user.Password);
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, admin.GetProperty("login").GetString()!, password, "/profile/mail");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "IMAP settings" })).ToBeVisibleAsync();
        return (page, user);
    }
}

using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

[Collection(BrowserCollection.Name)]
public sealed class SignInBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task Signing_in_shows_who_is_signed_in_and_the_live_channel_and_signing_out_returns_to_sign_in()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/login"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "sign-in");

        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword);
        var main = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "Inbox" })).ToBeVisibleAsync();
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "Customers" })).ToBeVisibleAsync();
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "My Profile" })).ToBeVisibleAsync();
        await Expect(page.GetByText("Signed in as")).ToContainTextAsync(ApiHost.BossLogin);
        await Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Connected" })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "shell");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        // The session is over on the server too: a page that needs it goes back to sign-in.
        await page.GotoAsync("/profile/mail");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_deep_link_asks_to_sign_in_and_then_opens_the_page_asked_for()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/profile/mail");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/login?next=%2Fprofile%2Fmail"));

        await page.GetByLabel("Login").FillAsync(ApiHost.BossLogin);
        await page.GetByLabel("Password").FillAsync(ApiHost.BossPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/profile/mail"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "IMAP settings" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Keyboard_shortcuts_are_listed_under_a_question_mark_and_move_between_screens()
    {
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword, "/admins");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Admins" })).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Shift+Slash");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Keyboard shortcuts" });
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog.GetByRole(AriaRole.Row).Filter(new() { HasText = "Go to the inbox" })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "keyboard-shortcuts");
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);

        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("p");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/profile/mail"));
        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("i");
        await Expect(page).ToHaveURLAsync(BrowserApp.Words("/inbox"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_password_says_so_and_signs_nobody_in()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/login");
        await page.GetByLabel("Login").FillAsync(ApiHost.BossLogin);
        await page.GetByLabel("Password").FillAsync("not-the-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Wrong login or password");
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToHaveCountAsync(0);
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "sign-in-wrong-password");
        await page.Context.CloseAsync();
    }
}

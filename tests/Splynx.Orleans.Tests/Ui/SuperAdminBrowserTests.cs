using System.Net;
using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>Config → Email and Admins: there for super-admins, absent (and refused by the API) for others.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SuperAdminBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task A_super_admin_sets_the_system_smtp_and_it_stays_saved_without_showing_the_password()
    {
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Config → Email" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Config → Email" })).ToBeVisibleAsync();

        const string smtpPassword = "system-smtp-secret-5b1e";
        app.Host.RememberSecret(smtpPassword);
        await page.GetByLabel("SMTP server").FillAsync("smtp.isp.example");
        await page.GetByLabel("SMTP port").FillAsync("2525");
        await page.GetByLabel("SMTP security mode").SelectOptionAsync(new SelectOptionValue { Label = "STARTTLS" });
        await page.GetByLabel("SMTP authentication type").SelectOptionAsync(new SelectOptionValue { Label = "LOGIN" });
        await page.GetByLabel("Username").FillAsync("mailer");
        await page.GetByLabel("Password").FillAsync(smtpPassword);
        await page.GetByLabel("Sender's email").FillAsync("not-an-address");
        await page.GetByLabel("Sender's name").FillAsync("Example ISP");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByLabel("Sender's email")).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("is not an email address"));

        await page.GetByLabel("Sender's email").FillAsync("noc@isp.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByText("Saved. Admins who use the system SMTP")).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "config-email");

        await page.ReloadAsync();
        await Expect(page.GetByLabel("SMTP server")).ToHaveValueAsync("smtp.isp.example");
        await Expect(page.GetByLabel("SMTP port")).ToHaveValueAsync("2525");
        await Expect(page.GetByLabel("SMTP authentication type")).ToHaveValueAsync("login");
        await Expect(page.GetByLabel("Password")).ToHaveValueAsync("");
        await Expect(page.GetByLabel("Password")).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("A password is saved"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_super_admin_creates_an_admin_in_a_dialog_and_the_new_admin_can_sign_in()
    {
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Admins" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Admins" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = ApiHost.BossLogin })).ToBeVisibleAsync();
        await BrowserApp.AssertAccessibleAsync(page);

        await page.GetByRole(AriaRole.Button, new() { Name = "New admin" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New admin" });
        await Expect(dialog).ToBeVisibleAsync();
        // Esc closes a dialog without creating anything.
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "New admin" }).ClickAsync();
        var login = "carla" + Guid.NewGuid().ToString("N")[..6];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        app.Host.RememberSecret(password);
        await dialog.GetByLabel("Login").FillAsync(login);
        await dialog.GetByLabel("Password").FillAsync("short");
        await dialog.GetByLabel("Name").FillAsync("Carla Mendes");
        await dialog.GetByLabel("Email").FillAsync(login + "@isp.example");
        await dialog.GetByLabel("Role").SelectOptionAsync(new SelectOptionValue { Label = "Admin" });
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create admin" }).ClickAsync();
        await Expect(dialog.GetByLabel("Password")).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("must be at least"));
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "admins-new-admin-dialog");

        await dialog.GetByLabel("Password").FillAsync(password);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create admin" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Carla Mendes" })).ToContainTextAsync(login);
        await BrowserApp.ScreenshotAsync(page, "admins");
        await page.Context.CloseAsync();

        var newcomer = await app.NewPageAsync();
        await BrowserApp.SignInAsync(newcomer, login, password);
        await Expect(newcomer.GetByText("Signed in as")).ToContainTextAsync("Carla Mendes");
        await newcomer.Context.CloseAsync();
    }

    [Fact]
    public async Task A_plain_admin_sees_neither_config_nor_admins_and_the_api_refuses_them()
    {
        var (api, admin, password) = await app.Host.NewAdminAsync();
        api.Dispose();
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, admin.GetProperty("login").GetString()!, password);

        var main = page.GetByRole(AriaRole.Navigation, new() { Name = "Main" });
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "My Profile" })).ToBeVisibleAsync();
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "Config → Email" })).ToHaveCountAsync(0);
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "Admins" })).ToHaveCountAsync(0);
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "Operations" })).ToHaveCountAsync(0);

        await page.GotoAsync("/config/email");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Sender's email")).ToHaveCountAsync(0);
        await page.GotoAsync("/admins");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "New admin" })).ToHaveCountAsync(0);

        var smtp = await page.APIRequest.GetAsync("/api/system/smtp");
        Assert.Equal((int)HttpStatusCode.Forbidden, smtp.Status);
        var create = await page.APIRequest.PostAsync("/api/admins", new() { DataObject = new { login = "x", password = "y", name = "z", email = "z@example.test", role = "admin" } });
        Assert.Equal((int)HttpStatusCode.Forbidden, create.Status);
        await page.Context.CloseAsync();
    }
}

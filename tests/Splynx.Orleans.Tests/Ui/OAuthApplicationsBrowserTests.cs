using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>Config → Email → OAuth applications: a super-admin registers a provider, with the redirect URI to copy.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OAuthApplicationsBrowserTests(BrowserApp app)
{
    [Fact]
    public async Task A_super_admin_registers_an_openid_connect_provider_and_its_secret_is_never_shown_again()
    {
        var page = await app.NewPageAsync();
        await BrowserApp.SignInAsync(page, ApiHost.BossLogin, ApiHost.BossPassword);
        await page.GetByRole(AriaRole.Link, new() { Name = "Config → Email" }).ClickAsync();
        await Expect(page.GetByLabel("Redirect URI")).ToHaveValueAsync(new Uri(app.Host.Url, "/api/oauth/callback").ToString());

        var name = "Staff SSO " + Guid.NewGuid().ToString("N")[..6];
        var secret = "oidc-client-secret-" + Guid.NewGuid().ToString("N");
        app.Host.RememberSecret(secret);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add OAuth application" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Form, new() { Name = "New OAuth application" });
        await form.GetByLabel("Provider").SelectOptionAsync(new SelectOptionValue { Label = "OpenID Connect provider" });
        await form.GetByLabel("Name on the sign-in button").FillAsync(name);
        await form.GetByLabel("Authority").FillAsync("http://sso.isp.example/realms/staff");
        await form.GetByLabel("Client id").FillAsync("splynx-mail");
        await form.GetByLabel("Client secret").FillAsync(secret);
        await form.GetByRole(AriaRole.Button, new() { Name = "Save application" }).ClickAsync();
        await Expect(form.GetByLabel("Authority")).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("must use https"));
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "config-email-oauth-application-error");

        await form.GetByLabel("Authority").FillAsync("https://sso.isp.example/realms/staff");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save application" }).ClickAsync();
        await Expect(page.GetByText($"{name} saved.")).ToBeVisibleAsync();
        var row = page.GetByRole(AriaRole.Table, new() { Name = "OAuth applications" }).GetByRole(AriaRole.Row).Filter(new() { HasText = name });
        await Expect(row).ToContainTextAsync("OpenID Connect provider");
        await Expect(row).ToContainTextAsync("splynx-mail");
        await BrowserApp.AssertAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "config-email-oauth-applications");

        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit {name}" }).ClickAsync();
        var edit = page.GetByRole(AriaRole.Form, new() { Name = $"Edit {name}" });
        await Expect(edit.GetByLabel("Authority")).ToHaveValueAsync("https://sso.isp.example/realms/staff");
        await Expect(edit.GetByLabel("Client secret")).ToHaveValueAsync("");
        await Expect(edit.GetByLabel("Client secret")).ToHaveAccessibleDescriptionAsync(BrowserApp.Words("A secret is saved"));
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}

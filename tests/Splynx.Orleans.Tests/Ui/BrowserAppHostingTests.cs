using System.Net;
using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using static Microsoft.Playwright.Assertions;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>How the web host serves the app: deep links, the server's own paths, and the security headers.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserAppHostingTests(BrowserApp app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/inbox/some-admin/some-message")]
    [InlineData("/customers/42")]
    [InlineData("/profile/mail")]
    public async Task Every_browser_path_gets_the_app_page(string path)
    {
        using var browser = app.Host.NewBrowser();
        var page = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.ContentType);
        Assert.Contains("<div id=\"root\"></div>", page.Body, StringComparison.Ordinal);
        Assert.Equal("no-cache", page.Response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/api/no-such-thing")]
    [InlineData("/hubs/nothing")]
    [InlineData("/assets/missing.js")]
    public async Task Unknown_server_paths_are_a_404_problem_not_the_app(string path)
    {
        using var browser = app.Host.NewBrowser();
        var answer = await browser.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
    }

    [Fact]
    public async Task An_empty_post_to_an_api_endpoint_reaches_the_api_not_the_app_fallback()
    {
        using var boss = app.Host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        // No body and so no Content-Type: the endpoint's body is optional (the saved settings are tried).
        var answer = await boss.PostAsync("/api/me/mail-settings/imap/test");
        Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, answer.ToString());
    }

    [Fact]
    public async Task Health_metrics_openapi_and_the_api_answer_as_before()
    {
        using var browser = app.Host.NewBrowser();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/healthz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/readyz")).Status);
        Assert.Equal("application/json", (await browser.GetAsync("/openapi/v1.json")).ContentType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).Status);
        var metrics = await browser.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.Contains("service_name=\"splynx-webhost\"", metrics.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_and_answers_carry_a_policy_that_forbids_inline_and_foreign_script_and_framing()
    {
        using var browser = app.Host.NewBrowser();
        foreach (var path in new[] { "/", "/login", "/api/me" })
        {
            var answer = await browser.GetAsync(path);
            var policy = answer.Response.Headers.GetValues("Content-Security-Policy").Single();
            var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
            Assert.Equal("script-src 'self'", directives["script-src"]);
            Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
            Assert.Equal("object-src 'none'", directives["object-src"]);
            Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", answer.Response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", answer.Response.Headers.GetValues("Referrer-Policy").Single());
        }
    }

    [Fact]
    public async Task Chromium_refuses_an_inline_script_injected_into_the_app()
    {
        var page = await app.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Add(message.Text);
            }
        };
        await page.GotoAsync("/login");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();

        var ran = await page.EvaluateAsync<bool>("""
            async () => {
              const script = document.createElement("script");
              script.textContent = "window.injected = true";
              document.body.appendChild(script);
              await new Promise(resolve => setTimeout(resolve, 200));
              return window.injected === true;
            }
            """);
        Assert.False(ran, "An inline script ran in the app's origin.");
        Assert.NotEmpty(violations);
        await page.Context.CloseAsync();
    }
}

using System.Net;
using System.Net.Http.Headers;

namespace Splynx.Orleans.Tests.Api;

/// <summary>Logging in and out, the login throttle, admins, and what the API answers anonymous callers.</summary>
public sealed class AuthAndAdminsApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task Login_answers_the_admin_and_sets_an_http_only_strict_cookie_that_me_accepts()
    {
        using var browser = host.NewBrowser();
        var login = await browser.LoginAsync("BOSS", ApiHost.BossPassword);

        Assert.Equal("boss", login.Json.GetProperty("login").GetString());
        Assert.Equal("superadmin", login.Json.GetProperty("role").GetString());
        var cookie = Assert.Single(login.Response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);

        var me = await browser.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.Status);
        Assert.Equal(login.Json.GetProperty("id").GetString(), me.Json.GetProperty("id").GetString());
        Assert.Equal(["email", "id", "login", "name", "role"], me.Json.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task A_wrong_password_or_an_unknown_login_answers_401_problem_details()
    {
        using var browser = host.NewBrowser(IPAddress.Parse("127.0.0.5"));
        foreach (var (login, password) in new[] { ("boss", "wrong-password"), ("nobody-here", "whatever1") })
        {
            var answer = await browser.PostAsync("/api/auth/login", new { login, password });
            Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
            Assert.Equal("application/problem+json", answer.ContentType);
            Assert.Equal(401, answer.Json.GetProperty("status").GetInt32());
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/me")).Status);
    }

    [Fact]
    public async Task Five_failures_for_one_login_from_one_address_answer_429_while_other_logins_and_addresses_still_log_in()
    {
        var (victim, admin, password) = await host.NewAdminAsync();
        victim.Dispose();
        var login = admin.GetProperty("login").GetString()!;
        var attacker = IPAddress.Parse("127.0.0.3");
        using var fromAttacker = host.NewBrowser(attacker);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await fromAttacker.PostAsync("/api/auth/login", new { login, password = "guess-" + attempt })).Status);
        }
        // Blocked now, even with the right password (so the throttle cannot confirm a guess).
        var blocked = await fromAttacker.PostAsync("/api/auth/login", new { login = login.ToUpperInvariant(), password });
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.Status);
        Assert.Equal("application/problem+json", blocked.ContentType);
        Assert.True(blocked.Response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 without Retry-After");

        // Another login from the same address, and the same login from another address, are not blocked.
        using var sameAddress = host.NewBrowser(attacker);
        await sameAddress.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        using var otherAddress = host.NewBrowser(IPAddress.Parse("127.0.0.4"));
        await otherAddress.LoginAsync(login, password);
    }

    [Fact]
    public async Task After_logout_the_cookie_no_longer_opens_the_api()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        using (browser)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/me")).Status);
            Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/auth/logout")).Status);
            var me = await browser.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.Unauthorized, me.Status);
        }
    }

    [Fact]
    public async Task Failed_logins_count_on_every_web_host_together()
    {
        var (victim, admin, password) = await host.NewAdminAsync();
        victim.Dispose();
        var login = admin.GetProperty("login").GetString()!;
        var attacker = IPAddress.Parse("127.0.0.5");
        var otherWebHost = await host.StartAnotherWebHostAsync(coHosted: false);
        using var onFirst = host.NewBrowser(attacker);
        using var onSecond = host.NewBrowser(attacker, otherWebHost);

        // Spread over the two hosts as a load balancer would: five failures in all.
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var browser = attempt % 2 == 0 ? onSecond : onFirst;
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsync("/api/auth/login", new { login, password = "guess-" + attempt })).Status);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await onSecond.PostAsync("/api/auth/login", new { login, password })).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await onFirst.PostAsync("/api/auth/login", new { login, password })).Status);
        using var fromElsewhere = host.NewBrowser(IPAddress.Parse("127.0.0.6"), otherWebHost);
        Assert.Equal(HttpStatusCode.OK, (await fromElsewhere.LoginAsync(login, password)).Status);
    }

    [Fact]
    public async Task Logout_ends_the_session_for_every_copy_of_the_cookie()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        using (browser)
        using (var copy = host.NewBrowser())
        {
            // The same cookie in another client: another tab, or someone who took it.
            copy.Cookies.Add(copy.BaseAddress, browser.Cookies.GetCookies(browser.BaseAddress));
            Assert.Equal(HttpStatusCode.OK, (await copy.GetAsync("/api/me")).Status);

            Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("/api/auth/logout")).Status);

            Assert.Equal(HttpStatusCode.Unauthorized, (await copy.GetAsync("/api/me")).Status);
        }
    }

    [Theory]
    [InlineData("GET", "/api/me")]
    [InlineData("GET", "/api/admins")]
    [InlineData("GET", "/api/me/mail-settings")]
    [InlineData("GET", "/api/me/mailbox/status")]
    [InlineData("POST", "/api/auth/logout")]
    public async Task Anonymous_api_calls_answer_401_problem_details_never_a_redirect(string method, string path)
    {
        using var browser = host.NewBrowser();
        var answer = await browser.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Null(answer.Response.Headers.Location);
        Assert.Equal("application/problem+json", answer.ContentType);
        Assert.Equal(401, answer.Json.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_super_admin_creates_an_admin_that_the_list_shows_and_its_location_answers()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var login = "new" + Guid.NewGuid().ToString("N")[..8];
        const string password = "created-admin-password-1";
        host.RememberSecret(password);

        var created = await boss.PostAsync("/api/admins", new { login, password, name = "New Admin", email = "new@example.test", role = "admin" });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(["email", "id", "login", "name", "role"], created.Json.EnumerateObject().Select(p => p.Name).Order());
        var location = created.Response.Headers.Location!;
        Assert.Equal(HttpStatusCode.OK, (await boss.GetAsync(location.ToString())).Status);
        var list = await boss.GetAsync("/api/admins");
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Contains(list.Json.EnumerateArray(), admin => admin.GetProperty("login").GetString() == login);
        Assert.Contains(list.Json.EnumerateArray(), admin => admin.GetProperty("login").GetString() == ApiHost.BossLogin);
        Assert.NotEqual(password, await host.Database.ScalarAsync<string>($"SELECT password_hash FROM admins WHERE login = '{login}'"));

        using var newcomer = host.NewBrowser();
        await newcomer.LoginAsync(login, password);
        Assert.Equal(HttpStatusCode.OK, (await newcomer.GetAsync("/api/admins")).Status);
    }

    [Fact]
    public async Task A_plain_admin_may_not_create_admins()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        using (browser)
        {
            var answer = await browser.PostAsync("/api/admins", new { login = "sneaky", password = "sneaky-password", name = "S", email = "s@example.test", role = "superadmin" });
            Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
            Assert.Equal("application/problem+json", answer.ContentType);
        }
    }

    [Fact]
    public async Task A_login_that_exists_in_any_case_is_a_409()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var answer = await boss.PostAsync("/api/admins", new { login = "BoSS", password = "another-password", name = "B", email = "b@example.test", role = "admin" });
        Assert.Equal(HttpStatusCode.Conflict, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
    }

    [Fact]
    public async Task Invalid_admin_fields_are_a_400_naming_each_field()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var answer = await boss.PostAsync("/api/admins", new { login = "has space", password = "short", name = "X", email = "not-an-email", role = "owner" });
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(["email", "login", "password", "role"], answer.ErrorFields.Order());

        var empty = await boss.PostAsync("/api/admins", new { });
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
        Assert.Contains("login", empty.ErrorFields);
    }

    [Fact]
    public async Task The_openapi_document_is_served_anonymously_and_lists_the_login()
    {
        using var browser = host.NewBrowser();
        var answer = await browser.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(answer.Json.GetProperty("paths").TryGetProperty("/api/auth/login", out _), answer.Body[..Math.Min(answer.Body.Length, 500)]);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        using var browser = host.NewBrowser();
        var huge = new string('x', 2 * 1024 * 1024);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login")
        {
            Content = new StringContent($"{{\"login\":\"boss\",\"password\":\"{huge}\"}}", System.Text.Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        var answer = await browser.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.Status);
        Assert.Equal("application/problem+json", answer.ContentType);
    }
}

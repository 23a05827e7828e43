using System.Net;
using System.Text.Json;
using Npgsql;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>The caller's mail settings, IMAP checks, mailbox status and quarantine, against the local Dovecot.</summary>
public sealed class MailSettingsApiTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(60);
    private static readonly string[] OidcScopes = ["openid", "email"];

    [Fact]
    public async Task A_new_admin_gets_the_default_settings_without_a_password()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        using (browser)
        {
            var answer = await browser.GetAsync("/api/me/mail-settings");

            Assert.Equal(HttpStatusCode.OK, answer.Status);
            var settings = answer.Json;
            Assert.False(settings.GetProperty("tracking").GetProperty("enabled").GetBoolean());
            Assert.Equal("all", settings.GetProperty("tracking").GetProperty("process").GetString());
            Assert.Equal(JsonValueKind.Null, settings.GetProperty("tracking").GetProperty("historicFrom").ValueKind);
            Assert.Empty(settings.GetProperty("tracking").GetProperty("denyList").EnumerateArray());
            Assert.Empty(settings.GetProperty("access").GetProperty("adminIds").EnumerateArray());
            Assert.False(settings.GetProperty("credentials").GetProperty("hasPassword").GetBoolean());
            Assert.False(settings.GetProperty("credentials").TryGetProperty("password", out _));
            Assert.Equal(993, settings.GetProperty("imap").GetProperty("port").GetInt32());
            Assert.Equal("ssl", settings.GetProperty("imap").GetProperty("security").GetString());
            Assert.Equal("starttls", settings.GetProperty("smtp").GetProperty("security").GetString());
            Assert.Equal("plain", settings.GetProperty("smtp").GetProperty("auth").GetString());
        }
    }

    [Fact]
    public async Task Valid_settings_are_saved_without_returning_the_password_and_invalid_ones_are_refused_naming_each_field()
    {
        var (browser, _, _) = await host.NewAdminAsync();
        var (other, otherAdmin, _) = await host.NewAdminAsync();
        other.Dispose();
        var delegateId = otherAdmin.GetProperty("id").GetString()!;
        var user = await LocalStack.CreateMailUserAsync("api");
        host.RememberSecret(user.Password);
        using (browser)
        {
            var saved = await browser.PutAsync("/api/me/mail-settings", Settings(user, enabled: false, denyList: ["Spam.Example", "x@y.example"], adminIds: [delegateId]));

            Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
            Assert.True(saved.Json.GetProperty("credentials").GetProperty("hasPassword").GetBoolean());
            Assert.False(saved.Json.GetProperty("credentials").TryGetProperty("password", out _));
            Assert.Equal(user.Login, saved.Json.GetProperty("credentials").GetProperty("username").GetString());
            Assert.Equal("starttls", saved.Json.GetProperty("imap").GetProperty("security").GetString());
            Assert.Equal("cram-md5", saved.Json.GetProperty("smtp").GetProperty("auth").GetString());
            Assert.Equal("2024-01-31", saved.Json.GetProperty("tracking").GetProperty("historicFrom").GetString());
            Assert.Equal([delegateId], saved.Json.GetProperty("access").GetProperty("adminIds").EnumerateArray().Select(id => id.GetString()));

            // The settings of the grain and the checks of the web host, all at once.
            var invalid = await browser.PutAsync("/api/me/mail-settings",
                Settings(user, enabled: false, denyList: ["ok.example", "foo@"], adminIds: [delegateId, "no-such-admin"], imapPort: 70000));
            Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
            Assert.Equal("application/problem+json", invalid.ContentType);
            Assert.Equal(["access.adminIds[1]", "imap.port", "tracking.denyList[1]"], invalid.ErrorFields.Order());
            Assert.Contains("line 2", invalid.Json.GetProperty("errors").GetProperty("tracking.denyList[1]")[0].GetString(), StringComparison.Ordinal);

            var me = (await browser.GetAsync("/api/me")).Json.GetProperty("id").GetString()!;
            var self = await browser.PutAsync("/api/me/mail-settings", Settings(user, enabled: false, adminIds: [me]));
            Assert.Equal(["access.adminIds[0]"], self.ErrorFields);

            var wrongEnum = await browser.SendRawAsync(HttpMethod.Put, "/api/me/mail-settings", """{"tracking":{"process":"sometimes"}}""");
            Assert.Equal(HttpStatusCode.BadRequest, wrongEnum.Status);
            Assert.Equal(["tracking.process"], wrongEnum.ErrorFields);
            Assert.Contains("all, unread", wrongEnum.Json.GetProperty("errors").GetProperty("tracking.process")[0].GetString(), StringComparison.Ordinal);

            var wrongType = await browser.SendRawAsync(HttpMethod.Put, "/api/me/mail-settings", """{"imap":{"port":"x"}}""");
            Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);
            Assert.Equal(["imap.port"], wrongType.ErrorFields);

            var malformed = await browser.SendRawAsync(HttpMethod.Put, "/api/me/mail-settings", """{"imap": {""");
            Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
            Assert.Equal("application/problem+json", malformed.ContentType);
            Assert.Single(malformed.ErrorFields);

            // Nothing of the refused requests was saved.
            var current = (await browser.GetAsync("/api/me/mail-settings")).Json;
            Assert.Equal(LocalStack.ImapPort, current.GetProperty("imap").GetProperty("port").GetInt32());
            Assert.Equal("all", current.GetProperty("tracking").GetProperty("process").GetString());
            Assert.Equal(["spam.example", "x@y.example"], current.GetProperty("tracking").GetProperty("denyList").EnumerateArray().Select(line => line.GetString()));
            Assert.Equal([delegateId], current.GetProperty("access").GetProperty("adminIds").EnumerateArray().Select(id => id.GetString()));

            // Leaving the password out keeps it.
            var again = await browser.PutAsync("/api/me/mail-settings", Settings(user with { Password = null! }, enabled: false));
            Assert.Equal(HttpStatusCode.OK, again.Status);
            Assert.True(again.Json.GetProperty("credentials").GetProperty("hasPassword").GetBoolean());
        }
    }

    [Fact]
    public async Task Imap_test_and_folders_try_a_body_merged_with_the_saved_settings_and_enabling_makes_the_mailbox_idle()
    {
        var (browser, _, adminPassword) = await host.NewAdminAsync();
        var user = await LocalStack.CreateMailUserAsync("api");
        host.RememberSecret(user.Password);
        using (browser)
        {
            Assert.Equal(HttpStatusCode.OK, (await browser.PutAsync("/api/me/mail-settings", Settings(user, enabled: false))).Status);

            var savedOk = await browser.PostAsync("/api/me/mail-settings/imap/test");
            Assert.True(savedOk.Json.GetProperty("ok").GetBoolean(), savedOk.ToString());

            const string wrongPassword = "definitely-wrong-password";
            host.RememberSecret(wrongPassword);
            var wrong = await browser.PostAsync("/api/me/mail-settings/imap/test", new { credentials = new { password = wrongPassword } });
            Assert.Equal(HttpStatusCode.OK, wrong.Status);
            Assert.False(wrong.Json.GetProperty("ok").GetBoolean());
            Assert.Equal("auth", wrong.Json.GetProperty("errorKind").GetString());

            var folders = await browser.PostAsync("/api/me/mail-settings/imap/folders");
            Assert.Equal(HttpStatusCode.OK, folders.Status);
            Assert.Equal("Sent", folders.Json.GetProperty("sentFolder").GetString());
            Assert.Contains(folders.Json.GetProperty("folders").EnumerateArray(), folder => folder.GetProperty("name").GetString() == "INBOX");

            var disabled = await browser.GetAsync("/api/me/mailbox/status");
            Assert.Equal("disabled", disabled.Json.GetProperty("state").GetString());

            Assert.Equal(HttpStatusCode.OK, (await browser.PutAsync("/api/me/mail-settings", Settings(user, enabled: true))).Status);
            var idle = await Eventually.ReturnsAsync(async () => (await browser.GetAsync("/api/me/mailbox/status")).Json,
                status => status.GetProperty("state").GetString() == "idle", SyncTimeout, "the mailbox to be idle");
            Assert.Equal(["asOf", "error", "errorKind", "lastSyncAt", "messages", "quarantined", "silo", "state"], idle.EnumerateObject().Select(p => p.Name).Order());
            Assert.Contains(':', idle.GetProperty("silo").GetString()!);
            var askedAt = DateTime.UtcNow;
            var asOf = (await browser.GetAsync("/api/me/mailbox/status")).Json.GetProperty("asOf").GetDateTime().ToUniversalTime();
            Assert.InRange(asOf, askedAt.AddSeconds(-1), DateTime.UtcNow.AddSeconds(1));
            Assert.True(asOf > idle.GetProperty("asOf").GetDateTime().ToUniversalTime(), "a later reading carries a later asOf");

            var quarantine = await browser.GetAsync("/api/me/mailbox/quarantine");
            Assert.Equal(HttpStatusCode.OK, quarantine.Status);
            Assert.Empty(quarantine.Json.EnumerateArray());
            Assert.Equal(HttpStatusCode.NotFound, (await browser.PostAsync("/api/me/mailbox/quarantine/nothing/retry")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await browser.DeleteAsync("/api/me/mailbox/quarantine/nothing")).Status);

            // The database holds no password in clear: not in grain state, not in the admins table.
            foreach (var secret in new[] { user.Password, adminPassword, ApiHost.BossPassword })
            {
                Assert.Equal(0, await CountAsync("SELECT count(*) FROM orleans_storage WHERE position(convert_to(@secret, 'UTF8') in payload) > 0", secret));
                Assert.Equal(0, await CountAsync("SELECT count(*) FROM admins WHERE position(@secret in password_hash) > 0", secret));
            }
            Assert.True(await host.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_storage WHERE payload IS NOT NULL") > 0);
        }
    }

    private async Task<long> CountAsync(string sql, string secret)
    {
        await using var dataSource = host.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("secret", secret));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Oauth_credentials_name_a_registered_application_need_a_sign_in_to_sync_and_come_back_without_any_secret()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var clientSecret = "oidc-secret-" + Guid.NewGuid().ToString("N");
        host.RememberSecret(clientSecret);
        var application = await boss.PostAsync("/api/system/oauth-applications", new
        {
            kind = "openIdConnect", displayName = "Staff SSO " + Guid.NewGuid().ToString("N")[..6],
            authority = "https://login.isp.example/realms/staff", clientId = "splynx-mail", clientSecret, scopes = OidcScopes,
        });
        Assert.True(application.Status == HttpStatusCode.Created, application.ToString());
        var applicationId = application.Json.GetProperty("id").GetString()!;
        var (browser, _, _) = await host.NewAdminAsync();
        using (browser)
        {
            var unknown = await browser.PutAsync("/api/me/mail-settings", new
            {
                credentials = new { username = "alice@isp.example", kind = "oauth", oauthApplicationId = "no-such-application" },
            });
            Assert.True(unknown.Status == HttpStatusCode.BadRequest, unknown.ToString());
            Assert.True(unknown.Json.GetProperty("errors").TryGetProperty("credentials.oauthApplicationId", out _), unknown.ToString());

            // Syncing needs the grant, which only the provider's sign-in gives.
            var unsigned = await browser.PutAsync("/api/me/mail-settings", new
            {
                tracking = new { enabled = true, historicFrom = (string?)null },
                credentials = new { username = "alice@isp.example", kind = "oauth", oauthApplicationId = applicationId },
                imap = new { server = "127.0.0.1", port = LocalStack.ImapPort, security = "starttls", sentFolder = (string?)null },
            });
            Assert.True(unsigned.Status == HttpStatusCode.BadRequest, unsigned.ToString());
            var problem = unsigned.Json.GetProperty("errors").GetProperty("credentials.oauthApplicationId")[0].GetString();
            Assert.Contains("Sign in", problem);
            Assert.False(unsigned.Json.GetProperty("errors").TryGetProperty("credentials.password", out _), unsigned.ToString());

            var saved = await browser.PutAsync("/api/me/mail-settings", new
            {
                credentials = new { username = "alice@isp.example", kind = "oauth", oauthApplicationId = applicationId },
            });
            Assert.True(saved.Status == HttpStatusCode.OK, saved.ToString());
            var credentials = (await browser.GetAsync("/api/me/mail-settings")).Json.GetProperty("credentials");
            Assert.Equal("oauth", credentials.GetProperty("kind").GetString());
            Assert.Equal(applicationId, credentials.GetProperty("oauthApplicationId").GetString());
            Assert.False(credentials.GetProperty("hasGrant").GetBoolean());
            Assert.False(credentials.TryGetProperty("refreshToken", out _));

            var back = await browser.PutAsync("/api/me/mail-settings", new { credentials = new { kind = "password" } });
            Assert.True(back.Status == HttpStatusCode.OK, back.ToString());
            Assert.Equal("password", back.Json.GetProperty("credentials").GetProperty("kind").GetString());
            Assert.Equal(JsonValueKind.Null, back.Json.GetProperty("credentials").GetProperty("oauthApplicationId").ValueKind);
        }
    }

    private static object Settings(MailUser user, bool enabled, string[]? denyList = null, string[]? adminIds = null, int? imapPort = null) => new
    {
        tracking = new { enabled, process = "all", historicFrom = "2024-01-31", markAsRead = false, denyList = denyList ?? [] },
        access = new { adminIds = adminIds ?? [] },
        credentials = new { username = user.Login, password = user.Password },
        imap = new { server = "127.0.0.1", port = imapPort ?? LocalStack.ImapPort, security = "starttls", dontValidateCertificate = true, sentFolder = (string?)null },
        smtp = new { enabled = false, replyTo = (string?)null, useSystem = true, server = (string?)null, port = 587, security = "starttls", auth = "cram-md5", dontValidateCertificate = false },
    };
}

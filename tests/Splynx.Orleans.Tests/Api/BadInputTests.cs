using System.Net;
using System.Text.Json;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>
/// Every write endpoint fed what it must refuse: the right 4xx as problem details, 400s naming the field, and nothing stored.
/// Failures are collected so one run names every misbehaving case.
/// </summary>
public sealed class BadInputTests(ApiHost host) : IClassFixture<ApiHost>
{
    private static readonly HttpMethod Put = HttpMethod.Put;
    private static readonly HttpMethod Post = HttpMethod.Post;

    private static async Task Expect(List<string> failures, Browser browser, HttpMethod method, string path, string body,
        HttpStatusCode status, params string[] fields)
    {
        var what = $"{method} {path} {(body.Length > 120 ? body[..60] + "…(" + body.Length + " chars)" : body)}";
        try
        {
            // Oversized bodies announce themselves first (Expect: 100-continue), so that the server's early 413 is read
            // rather than racing the upload of a body it will not take.
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.ExpectContinue = body.Length > 1024 * 1024;
            ProblemAssert.Is(await browser.SendAsync(request), status, what, fields);
        }
        catch (Xunit.Sdk.XunitException exception)
        {
            failures.Add(exception.Message);
        }
        catch (HttpRequestException exception)
        {
            failures.Add($"{what}: the connection failed: {exception.Message}");
        }
    }

    private async Task<long> CountAsync(string table) => await host.Database.ScalarAsync<long>($"SELECT count(*) FROM {table}");

    private static void Done(List<string> failures) => Assert.True(failures.Count == 0, string.Join("\n", failures));

    [Fact]
    public async Task Login_refuses_bad_bodies_as_problem_details()
    {
        using var anonymous = host.NewBrowser();
        var failures = new List<string>();
        const string path = "/api/auth/login";
        await Expect(failures, anonymous, Post, path, "{}", HttpStatusCode.BadRequest, "login", "password");
        await Expect(failures, anonymous, Post, path, """{"login":"boss"}""", HttpStatusCode.BadRequest, "password");
        await Expect(failures, anonymous, Post, path, """{"login":42,"password":"x"}""", HttpStatusCode.BadRequest, "login");
        await Expect(failures, anonymous, Post, path, """{"login":"boss","password":["x"]}""", HttpStatusCode.BadRequest, "password");
        await Expect(failures, anonymous, Post, path, """{"login":"boss",""", HttpStatusCode.BadRequest);
        await Expect(failures, anonymous, Post, path, "[]", HttpStatusCode.BadRequest);
        await Expect(failures, anonymous, Post, path, ProblemAssert.OversizedJson("login"), HttpStatusCode.RequestEntityTooLarge);
        // None of these made a session.
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/me")).Status);
        Done(failures);
    }

    [Fact]
    public async Task Creating_an_admin_refuses_bad_bodies_and_stores_nothing()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var before = await CountAsync("admins");
        var listBefore = (await boss.GetAsync("/api/admins")).Json.GetArrayLength();
        var failures = new List<string>();
        const string path = "/api/admins";
        const string pw = "bad-input-pw-1234";
        host.RememberSecret(pw);
        await Expect(failures, boss, Post, path, "{}", HttpStatusCode.BadRequest, "login", "password", "email", "role");
        await Expect(failures, boss, Post, path, $$"""{"login":123,"password":"{{pw}}","email":"x@example.test","role":"admin"}""", HttpStatusCode.BadRequest, "login");
        await Expect(failures, boss, Post, path, $$"""{"login":"badin1","password":"{{pw}}","email":"not-an-address","role":"admin"}""", HttpStatusCode.BadRequest, "email");
        await Expect(failures, boss, Post, path, $$"""{"login":"badin2","password":"{{pw}}","email":"a@@example.test","role":"admin"}""", HttpStatusCode.BadRequest, "email");
        await Expect(failures, boss, Post, path, $$"""{"login":"badin3","password":"{{pw}}","email":"x@example.test","role":"root"}""", HttpStatusCode.BadRequest, "role");
        await Expect(failures, boss, Post, path, $$"""{"login":"badin4","password":"short","email":"x@example.test","role":"admin"}""", HttpStatusCode.BadRequest, "password");
        await Expect(failures, boss, Post, path, $$"""{"login":"bad in","password":"{{pw}}","email":"x@example.test","role":"admin"}""", HttpStatusCode.BadRequest, "login");
        await Expect(failures, boss, Post, path, """{"login":"badin5","password":{"a":1},"email":"x@example.test","role":"admin"}""", HttpStatusCode.BadRequest, "password");
        await Expect(failures, boss, Post, path, """{"login":"badin6",""", HttpStatusCode.BadRequest);
        await Expect(failures, boss, Post, path, ProblemAssert.OversizedJson("name"), HttpStatusCode.RequestEntityTooLarge);
        await Expect(failures, boss, Post, path, $$"""{"login":"boss","password":"{{pw}}","email":"x@example.test","role":"admin"}""", HttpStatusCode.Conflict);
        Assert.Equal(before, await CountAsync("admins"));
        Assert.Equal(listBefore, (await boss.GetAsync("/api/admins")).Json.GetArrayLength());
        Done(failures);
    }

    [Fact]
    public async Task Mail_settings_and_their_imap_checks_refuse_bad_bodies_and_store_nothing()
    {
        var admin = await MailScenario.NewMailAdminAsync(host, tracking: false);
        using var _ = admin.Browser;
        var browser = admin.Browser;
        var saved = (await browser.GetAsync("/api/me/mail-settings")).Body;
        var accessRows = await CountAsync("mailbox_access");
        var failures = new List<string>();
        const string path = "/api/me/mail-settings";

        foreach (var port in new[] { "0", "65536", "-1" })
        {
            await Expect(failures, browser, Put, path, $$$"""{"imap":{"port":{{{port}}}}}""", HttpStatusCode.BadRequest, "imap.port");
            await Expect(failures, browser, Put, path, $$$"""{"smtp":{"port":{{{port}}}}}""", HttpStatusCode.BadRequest, "smtp.port");
        }
        await Expect(failures, browser, Put, path, """{"imap":{"port":"993"}}""", HttpStatusCode.BadRequest, "imap.port");
        await Expect(failures, browser, Put, path, """{"imap":{"port":99999999999}}""", HttpStatusCode.BadRequest, "imap.port");
        await Expect(failures, browser, Put, path, """{"imap":{"security":"tls"}}""", HttpStatusCode.BadRequest, "imap.security");
        await Expect(failures, browser, Put, path, """{"smtp":{"auth":"kerberos"}}""", HttpStatusCode.BadRequest, "smtp.auth");
        await Expect(failures, browser, Put, path, """{"tracking":{"enabled":"yes"}}""", HttpStatusCode.BadRequest, "tracking.enabled");
        await Expect(failures, browser, Put, path, """{"tracking":{"historicFrom":"31/01/2024"}}""", HttpStatusCode.BadRequest, "tracking.historicFrom");
        await Expect(failures, browser, Put, path, """{"tracking":{"denyList":"spam.test"}}""", HttpStatusCode.BadRequest, "tracking.denyList");
        await Expect(failures, browser, Put, path, """{"tracking":{"denyList":["ok.example.test","not a domain!",""]}}""", HttpStatusCode.BadRequest, "tracking.denyList[1]");
        await Expect(failures, browser, Put, path, """{"tracking":{"denyList":["a@@b.test"]}}""", HttpStatusCode.BadRequest, "tracking.denyList[0]");
        await Expect(failures, browser, Put, path, """{"smtp":{"replyTo":"not-an-address"}}""", HttpStatusCode.BadRequest, "smtp.replyTo");
        await Expect(failures, browser, Put, path, """{"access":{"adminIds":["no-such-admin"]}}""", HttpStatusCode.BadRequest, "access.adminIds[0]");
        await Expect(failures, browser, Put, path, $$$"""{"access":{"adminIds":["{{{admin.Id}}}"]}}""", HttpStatusCode.BadRequest, "access.adminIds[0]");
        await Expect(failures, browser, Put, path, """{"access":{"adminIds":[5]}}""", HttpStatusCode.BadRequest, "access.adminIds[0]");
        await Expect(failures, browser, Put, path, """{"credentials":{"username":7}}""", HttpStatusCode.BadRequest, "credentials.username");
        await Expect(failures, browser, Put, path, """{"imap":{"server":"bad host!"}}""", HttpStatusCode.BadRequest, "imap.server");
        await Expect(failures, browser, Put, path, """{"imap":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Put, path, ProblemAssert.OversizedJson("imap"), HttpStatusCode.RequestEntityTooLarge);
        // Several problems at once: all named, none saved (the valid parts neither).
        await Expect(failures, browser, Put, path, """{"tracking":{"denyList":["bad line!"]},"imap":{"port":0,"server":"mail.example.test"}}""",
            HttpStatusCode.BadRequest, "tracking.denyList[0]", "imap.port");

        foreach (var check in new[] { "/api/me/mail-settings/imap/test", "/api/me/mail-settings/imap/folders" })
        {
            foreach (var port in new[] { "0", "65536", "-1" })
            {
                await Expect(failures, browser, Post, check, $$$"""{"imap":{"port":{{{port}}}}}""", HttpStatusCode.BadRequest, "imap.port");
            }
            await Expect(failures, browser, Post, check, """{"imap":{"port":"143"}}""", HttpStatusCode.BadRequest, "imap.port");
            await Expect(failures, browser, Post, check, """{"imap":{"security":"tls"}}""", HttpStatusCode.BadRequest, "imap.security");
            await Expect(failures, browser, Post, check, """{"imap":{"server":"bad host!"}}""", HttpStatusCode.BadRequest, "imap.server");
            await Expect(failures, browser, Post, check, """{"imap":""", HttpStatusCode.BadRequest);
            await Expect(failures, browser, Post, check, ProblemAssert.OversizedJson("imap"), HttpStatusCode.RequestEntityTooLarge);
        }

        // Controls: what the body leaves out means the saved values, so a valid partial body (or none) tests the saved account.
        foreach (var check in new[] { "/api/me/mail-settings/imap/test", "/api/me/mail-settings/imap/folders" })
        {
            foreach (var body in new[] { "{}", "{\"imap\":{\"port\":" + LocalStack.ImapPort + "}}" })
            {
                var answer = await browser.SendRawAsync(Post, check, body);
                if (answer.Status != HttpStatusCode.OK || !answer.Json.GetProperty("ok").GetBoolean())
                {
                    failures.Add($"control POST {check} {body}: expected 200 with ok=true (saved account), got {answer}");
                }
            }
        }

        const string testEmail = "/api/me/mail-settings/smtp/test-email";
        await Expect(failures, browser, Post, testEmail, "{}", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, testEmail, """{"to":"nope@"}""", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, testEmail, """{"to":"a b@example.test"}""", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, testEmail, """{"to":5}""", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, testEmail, """{"to":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Post, testEmail, ProblemAssert.OversizedJson("to"), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(saved, (await browser.GetAsync("/api/me/mail-settings")).Body);
        Assert.Equal(accessRows, await CountAsync("mailbox_access"));
        Done(failures);
    }

    [Fact]
    public async Task System_smtp_refuses_bad_bodies_and_stores_nothing()
    {
        using var boss = host.NewBrowser();
        await boss.LoginAsync(ApiHost.BossLogin, ApiHost.BossPassword);
        var saved = (await boss.GetAsync("/api/system/smtp")).Body;
        var failures = new List<string>();
        const string path = "/api/system/smtp";
        string Valid(string port = "587", string sender = "\"noreply@example.test\"", string server = "\"smtp.example.test\"") =>
            $$"""{"server":{{server}},"port":{{port}},"security":"starttls","auth":"plain","dontValidateCertificate":false,"username":"u","password":"system-bad-input-pw","senderEmail":{{sender}},"senderName":"ISP"}""";
        host.RememberSecret("system-bad-input-pw");
        foreach (var port in new[] { "0", "65536", "-1" })
        {
            await Expect(failures, boss, Put, path, Valid(port: port), HttpStatusCode.BadRequest, "port");
        }
        await Expect(failures, boss, Put, path, Valid(port: "\"587\""), HttpStatusCode.BadRequest, "port");
        await Expect(failures, boss, Put, path, Valid(port: "587.5"), HttpStatusCode.BadRequest, "port");
        await Expect(failures, boss, Put, path, Valid(sender: "\"not-an-address\""), HttpStatusCode.BadRequest, "senderEmail");
        await Expect(failures, boss, Put, path, Valid(sender: "42"), HttpStatusCode.BadRequest, "senderEmail");
        await Expect(failures, boss, Put, path, Valid(server: "\"bad host!\""), HttpStatusCode.BadRequest, "server");
        await Expect(failures, boss, Put, path, """{"security":"tls"}""", HttpStatusCode.BadRequest, "security");
        await Expect(failures, boss, Put, path, """{"auth":"ntlm"}""", HttpStatusCode.BadRequest, "auth");
        await Expect(failures, boss, Put, path, """{"dontValidateCertificate":"no"}""", HttpStatusCode.BadRequest, "dontValidateCertificate");
        await Expect(failures, boss, Put, path, "{}", HttpStatusCode.BadRequest);
        await Expect(failures, boss, Put, path, """{"server":""", HttpStatusCode.BadRequest);
        await Expect(failures, boss, Put, path, ProblemAssert.OversizedJson("server"), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(saved, (await boss.GetAsync("/api/system/smtp")).Body);
        Done(failures);
    }

    [Fact]
    public async Task Customers_emails_pair_and_add_customer_refuse_bad_bodies_and_unknown_ids_and_store_nothing()
    {
        var admin = await MailScenario.NewMailAdminAsync(host, tracking: true);
        using var _ = admin.Browser;
        var browser = admin.Browser;
        var sender = MailScenario.NewSender();
        await MailScenario.DeliverAsync(admin.User, sender, "Bad input subject");
        var message = (await MailScenario.WaitInInboxAsync(browser, admin.Id, "Bad input subject")).GetProperty("id").GetString()!;
        var taken = MailScenario.NewSender();
        var existing = await browser.PostAsync("/api/customers", new { name = "Existing", category = "customer", emails = new[] { taken } });
        Assert.True(existing.Status == HttpStatusCode.Created, existing.ToString());
        var customerId = existing.Json.GetProperty("id").GetString()!;
        var customerBefore = (await browser.GetAsync($"/api/customers/{customerId}")).Body;
        var customers = await CountAsync("customers");
        var customerEmails = await CountAsync("customer_emails");
        var outbox = await CountAsync("mail_outbox");
        var listBefore = (await browser.GetAsync("/api/customers")).Json.GetArrayLength();
        var failures = new List<string>();

        const string create = "/api/customers";
        await Expect(failures, browser, Post, create, "{}", HttpStatusCode.BadRequest, "category");
        await Expect(failures, browser, Post, create, """{"category":"customer","emails":[]}""", HttpStatusCode.BadRequest, "name");
        await Expect(failures, browser, Post, create, """{"name":"X","category":"vip","emails":[]}""", HttpStatusCode.BadRequest, "category");
        await Expect(failures, browser, Post, create, """{"name":"X","category":"customer","emails":["nope@"]}""", HttpStatusCode.BadRequest, "emails[0]");
        await Expect(failures, browser, Post, create, """{"name":"X","category":"customer","emails":["ok@example.test","a b@example.test"]}""", HttpStatusCode.BadRequest, "emails[1]");
        await Expect(failures, browser, Post, create, """{"name":"X","category":"customer","emails":"x@example.test"}""", HttpStatusCode.BadRequest, "emails");
        await Expect(failures, browser, Post, create, """{"name":5,"category":"customer","emails":[]}""", HttpStatusCode.BadRequest, "name");
        await Expect(failures, browser, Post, create, """{"name":"X","category":"customer","emails":[1]}""", HttpStatusCode.BadRequest, "emails[0]");
        await Expect(failures, browser, Post, create, $$"""{"name":"X","category":"customer","emails":["{{taken.ToUpperInvariant()}}"]}""", HttpStatusCode.Conflict);
        await Expect(failures, browser, Post, create, """{"name":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Post, create, ProblemAssert.OversizedJson("name"), HttpStatusCode.RequestEntityTooLarge);

        var update = $"/api/customers/{customerId}";
        await Expect(failures, browser, Put, "/api/customers/no-such-customer", """{"name":"X","category":"customer","emails":[]}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Put, update, """{"name":"","category":"customer","emails":[]}""", HttpStatusCode.BadRequest, "name");
        await Expect(failures, browser, Put, update, """{"name":"Y","category":"vip","emails":[]}""", HttpStatusCode.BadRequest, "category");
        await Expect(failures, browser, Put, update, """{"name":"Y","category":"lead","emails":["nope@"]}""", HttpStatusCode.BadRequest, "emails[0]");
        await Expect(failures, browser, Put, update, """{"name":"Y","category":"lead","emails":{}}""", HttpStatusCode.BadRequest, "emails");
        await Expect(failures, browser, Put, update, """{"name":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Put, update, ProblemAssert.OversizedJson("name"), HttpStatusCode.RequestEntityTooLarge);

        var emails = $"/api/customers/{customerId}/emails";
        await Expect(failures, browser, Post, "/api/customers/no-such-customer/emails", """{"subject":"Hi","text":"Hello"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, emails, """{"subject":"Hi","text":"Hello","to":"nope@"}""", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, emails, """{"subject":"Hi","text":"Hello","to":"stranger@example.test"}""", HttpStatusCode.BadRequest, "to");
        await Expect(failures, browser, Post, emails, """{"subject":5,"text":"Hello"}""", HttpStatusCode.BadRequest, "subject");
        await Expect(failures, browser, Post, emails, """{"subject":"Hi","text":["Hello"]}""", HttpStatusCode.BadRequest, "text");
        await Expect(failures, browser, Post, emails, """{"text":"Hello"}""", HttpStatusCode.BadRequest, "subject");
        await Expect(failures, browser, Post, emails, """{"subject":"Hi","text":"Hello","inReplyToId":"no-such-message"}""", HttpStatusCode.BadRequest, "inReplyToId");
        await Expect(failures, browser, Post, emails, """{"subject":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Post, emails, ProblemAssert.OversizedJson("text"), HttpStatusCode.RequestEntityTooLarge);

        var messages = $"/api/mailboxes/{admin.Id}/messages";
        await Expect(failures, browser, Post, $"{messages}/{message}/pair", "{}", HttpStatusCode.BadRequest, "customerId");
        await Expect(failures, browser, Post, $"{messages}/{message}/pair", """{"customerId":5}""", HttpStatusCode.BadRequest, "customerId");
        await Expect(failures, browser, Post, $"{messages}/{message}/pair", """{"customerId":"no-such-customer"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, $"{messages}/no-such-message/pair", $$"""{"customerId":"{{customerId}}"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, $"/api/mailboxes/no-such-admin/messages/{message}/pair", $$"""{"customerId":"{{customerId}}"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, $"{messages}/{message}/pair", """{"customerId":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Post, $"{messages}/{message}/pair", ProblemAssert.OversizedJson("customerId"), HttpStatusCode.RequestEntityTooLarge);

        await Expect(failures, browser, Post, $"{messages}/{message}/add-customer", "{}", HttpStatusCode.BadRequest, "name", "category");
        await Expect(failures, browser, Post, $"{messages}/{message}/add-customer", """{"name":"Z","category":"vip"}""", HttpStatusCode.BadRequest, "category");
        await Expect(failures, browser, Post, $"{messages}/{message}/add-customer", """{"name":7,"category":"lead"}""", HttpStatusCode.BadRequest, "name");
        await Expect(failures, browser, Post, $"{messages}/no-such-message/add-customer", """{"name":"Z","category":"lead"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, $"/api/mailboxes/no-such-admin/messages/{message}/add-customer", """{"name":"Z","category":"lead"}""", HttpStatusCode.NotFound);
        await Expect(failures, browser, Post, $"{messages}/{message}/add-customer", """{"name":""", HttpStatusCode.BadRequest);
        await Expect(failures, browser, Post, $"{messages}/{message}/add-customer", ProblemAssert.OversizedJson("name"), HttpStatusCode.RequestEntityTooLarge);

        // Nothing stored: no customer, no address, no queued email, the existing customer and the message unchanged.
        Assert.Equal(customers, await CountAsync("customers"));
        Assert.Equal(customerEmails, await CountAsync("customer_emails"));
        Assert.Equal(outbox, await CountAsync("mail_outbox"));
        Assert.Equal(listBefore, (await browser.GetAsync("/api/customers")).Json.GetArrayLength());
        Assert.Equal(customerBefore, (await browser.GetAsync($"/api/customers/{customerId}")).Body);
        var view = await browser.GetAsync($"{messages}/{message}");
        Assert.Equal(JsonValueKind.Null, view.Json.GetProperty("customerId").ValueKind);
        Done(failures);
    }
}

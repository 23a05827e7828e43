using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;
using Npgsql;

namespace Splynx.Orleans.Bench;

/// <summary>
/// <c>bench inbox-ui</c>: the browser app on a real web host (co-hosted silo) whose admin has 10,000 messages, in
/// Debian's Chromium driven through the DevTools protocol (Playwright). Times, taken by the page's own clock:
/// navigation to the first rows painted, a click on a row to the message shown, and SMTP accept (the end of the
/// SMTP conversation with Postfix) to the row in the DOM.
/// </summary>
internal static class InboxUiBenchmark
{
    private const string Login = "bench";
    private const string Password = "bench-password-4c1d";
    private const int Runs = 10;
    private const int Deliveries = 20;

    // Records, in the page, when rows appear: the first row after navigation, and each subject when it first shows.
    private const string Probe = """
        (() => {
          window.__rows = {};
          new MutationObserver(() => {
            for (const row of document.querySelectorAll('.message-rows [role=row] .subject')) {
              const subject = row.textContent;
              if (!(subject in window.__rows)) window.__rows[subject] = Date.now();
              if (window.__firstRow === undefined) requestAnimationFrame(() => window.__firstRow ??= performance.now());
            }
            if (window.__clickAt !== undefined && window.__shownAt === undefined && document.querySelector('#message-subject'))
              requestAnimationFrame(() => window.__shownAt ??= performance.now());
          }).observe(document, { childList: true, subtree: true, characterData: true });
          addEventListener('click', () => { window.__clickAt = performance.now(); window.__shownAt = undefined; }, true);
        })();
        """;

    public static async Task<int> RunAsync(int messages)
    {
        var stack = StackSettings.Load();
        var database = "benchui_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(stack["STACK_PG_ADMIN_CONNECTION"]) { Database = database }.ConnectionString;
        var clusterId = "benchui" + Guid.NewGuid().ToString("N")[..8];
        using var webHost = await WebHostProcess.StartAsync(stack, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__CoHosted"] = "true",
            ["Database__MigrateOnStart"] = "true",
            ["Bootstrap__AdminLogin"] = Login,
            ["Bootstrap__AdminPassword"] = Password,
        });
        var url = webHost.Url;
        try
        {
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = url };
            (await http.PostAsJsonAsync("/api/auth/login", new { login = Login, password = Password })).EnsureSuccessStatusCode();
            var me = (await http.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("id").GetString()!;

            var user = "benchui" + Guid.NewGuid().ToString("N")[..8];
            var mailPassword = Guid.NewGuid().ToString("N");
            await stack.AddMailUserAsync(user, mailPassword);
            var address = $"{user}@{stack["STACK_MAIL_DOMAIN"]}";
            var seeding = Stopwatch.StartNew();
            await AppendAsync(stack, user, mailPassword, address, messages);
            (await http.PutAsJsonAsync("/api/me/mail-settings", new
            {
                tracking = new { enabled = true, process = "all", historicFrom = "2000-01-01", markAsRead = false, denyList = Array.Empty<string>() },
                access = new { adminIds = Array.Empty<string>() },
                credentials = new { username = user, password = mailPassword },
                imap = new { server = stack["STACK_IMAP_HOST"], port = stack.Port("STACK_IMAP_PORT"), security = "starttls", dontValidateCertificate = true, sentFolder = (string?)null },
                smtp = new { enabled = false, replyTo = (string?)null, useSystem = true, server = (string?)null, port = 587, security = "starttls", auth = "plain", dontValidateCertificate = false },
            })).EnsureSuccessStatusCode();
            await ScaleBenchmark.WaitAsync(async () =>
            {
                var status = await http.GetFromJsonAsync<JsonElement>("/api/me/mailbox/status");
                return status.GetProperty("state").GetString() == "idle" && status.GetProperty("messages").GetInt32() >= messages;
            }, TimeSpan.FromMinutes(5), $"{messages} messages imported");
            Console.WriteLine($"{messages:N0} messages in the mailbox (appended and imported in {seeding.Elapsed.TotalSeconds:N0} s)");

            using var playwright = await Playwright.CreateAsync();
            await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            });
            var context = await chromium.NewContextAsync(new BrowserNewContextOptions { BaseURL = url.ToString().TrimEnd('/'), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            await context.AddInitScriptAsync(Probe);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/login");
            await page.GetByLabel("Login").FillAsync(Login);
            await page.GetByLabel("Password").FillAsync(Password);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).WaitForAsync();

            var firstRows = new List<double>();
            var opened = new List<double>();
            for (var run = 0; run < Runs + 1; run++)
            {
                await page.GotoAsync($"/inbox/{me}");
                await page.WaitForFunctionAsync("() => window.__firstRow !== undefined");
                var painted = await page.EvaluateAsync<double>("() => window.__firstRow");
                var row = page.Locator($".message-rows [role=row][aria-rowindex='{2 + run}']");
                await row.ClickAsync();
                await page.WaitForFunctionAsync("() => window.__shownAt !== undefined");
                var shown = await page.EvaluateAsync<double>("() => window.__shownAt - window.__clickAt");
                if (run > 0) // the first run warms up the web host and the browser's caches
                {
                    firstRows.Add(painted);
                    opened.Add(shown);
                }
            }

            await page.GotoAsync($"/inbox/{me}");
            await page.WaitForFunctionAsync("() => window.__firstRow !== undefined");
            var live = new List<double>();
            for (var i = 0; i < Deliveries; i++)
            {
                var subject = $"Live {i} {Guid.NewGuid():N}"[..20];
                await DeliverAsync(stack, address, subject);
                var accepted = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                await page.WaitForFunctionAsync("subject => subject in window.__rows", subject, new() { Timeout = 60_000 });
                var inDom = await page.EvaluateAsync<double>("subject => window.__rows[subject]", subject);
                live.Add(inDom - accepted);
            }

            Console.WriteLine();
            Console.WriteLine($"{"browser (Chromium " + chromium.Version + ")",-46}{"p50",10}{"p95",10}");
            Report("navigation → first rows painted", firstRows);
            Report("click on a row → message shown", opened);
            Report("SMTP accept → row in the DOM (20 mails)", live);
            return 0;
        }
        finally
        {
            webHost.Dispose();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]);
            await admin.OpenAsync();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    private static void Report(string name, List<double> times)
    {
        times.Sort();
        double At(double quantile) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(quantile * times.Count) - 1)];
        Console.WriteLine($"{name,-46}{At(0.5),8:N0}ms{At(0.95),8:N0}ms");
    }

    private static async Task AppendAsync(StackSettings stack, string user, string password, string address, int messages)
    {
        using var imap = new ImapClient();
#pragma warning disable CA5359 // The local stack's certificate is self-signed; the benchmark measures the browser, not trust.
        imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        await imap.ConnectAsync(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAP_PORT"), SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(user, password);
        var start = DateTimeOffset.UtcNow.AddDays(-200);
        for (var batch = 0; batch < messages; batch += 500)
        {
            var requests = Enumerable.Range(batch, Math.Min(500, messages - batch)).Select(i =>
            {
                var message = new MimeMessage
                {
                    From = { new MailboxAddress($"Customer {i % 700}", $"customer{i % 700}@elsewhere.test") },
                    To = { MailboxAddress.Parse(address) },
                    Subject = $"Ticket {i}: the router in room {i % 97} keeps dropping",
                    Date = start.AddMinutes(i * 25),
                    Body = new TextPart("plain") { Text = $"Hello, since yesterday the connection of contract {i} drops every few minutes." },
                };
                return (IAppendRequest)new AppendRequest(message, MessageFlags.None) { InternalDate = start.AddMinutes(i * 25) };
            }).ToList();
            await imap.Inbox.AppendAsync(requests);
        }
        await imap.DisconnectAsync(quit: true);
    }

    private static async Task DeliverAsync(StackSettings stack, string to, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(stack["STACK_IMAP_HOST"], stack.Port("STACK_SMTP_PORT"), SecureSocketOptions.None);
        await smtp.SendAsync(new MimeMessage
        {
            From = { MailboxAddress.Parse("someone@elsewhere.test") },
            To = { MailboxAddress.Parse(to) },
            Subject = subject,
            Body = new TextPart("plain") { Text = "New mail while the inbox is open." },
        });
        await smtp.DisconnectAsync(quit: true);
    }
}

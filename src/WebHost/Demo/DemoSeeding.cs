using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using MimeKit;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Demo;

/// <summary>
/// A living demo for the local run: demo admins whose mailboxes sync from the local mail stack, customers and
/// leads, and mail from known and unknown senders. Only with <c>Demo:Seed=true</c> (set by scripts/run.sh) and
/// never in the Production environment.
/// </summary>
public static class DemoSeeding
{
    public static WebApplicationBuilder AddDemoSeed(this WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue("Demo:Seed", false) && !builder.Environment.IsProduction())
        {
            builder.Services.AddOptions<DemoOptions>().BindConfiguration("Demo");
            builder.Services.AddHostedService<DemoSeeder>();
        }
        return builder;
    }
}

/// <summary>Where the demo's mail accounts live (the local stack) and their passwords, which are also their sign-in passwords.</summary>
public sealed class DemoOptions
{
    public string MailHost { get; set; } = "127.0.0.1";

    public string MailDomain { get; set; } = "example.test";

    /// <summary>IMAP with STARTTLS.</summary>
    public int ImapPort { get; set; }

    /// <summary>Submission with STARTTLS and AUTH PLAIN.</summary>
    public int SubmissionPort { get; set; }

    /// <summary>The stack's MX: mail for the demo accounts is dropped in here without authentication.</summary>
    public int SmtpPort { get; set; }

    /// <summary>Demo admin login → password of the admin and of the mail account of the same name.</summary>
    public Dictionary<string, string> Passwords { get; set; } = new(StringComparer.Ordinal);
}

internal sealed partial class DemoSeeder(
    IOptions<DemoOptions> options,
    AdminStore admins,
    IPasswordHasher<AdminAccount> hasher,
    IClusterClient cluster,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<DemoSeeder> logger) : BackgroundService
{
    private static readonly (string Login, string Name)[] DemoAdmins = [("alice", "Alice Martin"), ("bob", "Bob Novak")];

    private static readonly (string Name, CustomerCategory Category, string Email)[] Customers =
    [
        ("Nordwind Logistics", CustomerCategory.Customer, "orders@nordwind.example"),
        ("Petra Horvat", CustomerCategory.Customer, "petra.horvat@mail.example"),
        ("Greenfield Café", CustomerCategory.Lead, "hello@greenfield.example"),
    ];

    private static readonly (string FromName, string From, string To, string Subject, string Body)[] Messages =
    [
        ("Nordwind Logistics", "orders@nordwind.example", "alice", "Upgrade to 1 Gbit for the warehouse", "Hello Alice,\n\ncould you quote the 1 Gbit plan for our warehouse line?\n\nBest regards,\nNordwind Logistics"),
        ("Petra Horvat", "petra.horvat@mail.example", "alice", "Internet down since this morning", "Hi,\n\nmy connection has been down since 7:00. The router's light is red.\n\nPetra"),
        ("Greenfield Café", "hello@greenfield.example", "bob", "Guest Wi-Fi for our café", "Dear Bob,\n\nwe are opening a café next month and need guest Wi-Fi. What do you offer?\n\nGreenfield Café"),
        ("Jan Kowalski", "jan.kowalski@unknown.example", "alice", "Moving house: can I take my contract along?", "Hello,\n\nI am moving to Oak Street 12 on the 1st. Can my contract move with me?\n\nJan"),
        ("Router Shop", "deals@routershop.example", "alice", "Spring sale on mesh routers", "Up to 30 % off mesh routers this week only."),
    ];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The cluster and the schema are there once the host has started.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task;
        }
        try
        {
            await SeedAsync(stoppingToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogFailed(logger, error);
        }
    }

    private async Task SeedAsync(CancellationToken cancellationToken)
    {
        var demo = options.Value;
        // Once per database: a database that has the first demo admin was seeded before.
        if (await admins.FindForLoginAsync(DemoAdmins[0].Login, cancellationToken) is not null)
        {
            LogAlreadySeeded(logger);
            return;
        }

        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (login, name) in DemoAdmins)
        {
            var password = demo.Passwords.GetValueOrDefault(login) ?? throw new InvalidOperationException($"Demo:Passwords:{login} is not set.");
            var admin = new Admin(Guid.CreateVersion7().ToString("N"), login, name, $"{login}@{demo.MailDomain}", AdminRoles.Admin);
            await admins.TryCreateAsync(admin, hasher.HashPassword(admin.Account, password), cancellationToken);
            ids[login] = admin.Id;
        }

        foreach (var (name, category, email) in Customers)
        {
            await cluster.GetGrain<ICustomerGrain>(Guid.NewGuid().ToString("N")).SaveAsync(name, category, [email]);
        }

        await DeliverAsync(demo, cancellationToken);

        // Alice lets Bob read her incoming mail; both import the last month, so the demo mail shows at once.
        var historicFrom = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-30);
        foreach (var (login, _) in DemoAdmins)
        {
            var delegates = login == "alice" ? new[] { ids["bob"] } : [];
            var settings = new MailSettings(
                new TrackingSettings(true, ProcessMode.All, historicFrom, false, []),
                new AccessSettings(delegates),
                new CredentialsSettings(login, demo.Passwords[login], HasPassword: false),
                new ImapSettings(demo.MailHost, demo.ImapPort, ImapSecurity.StartTls, DontValidateCertificate: true, SentFolder: null),
                new SmtpSettings(true, null, false, demo.MailHost, demo.SubmissionPort, SmtpSecurity.StartTls, SmtpAuth.Plain, DontValidateCertificate: true));
            var result = await cluster.GetGrain<IMailboxGrain>(ids[login]).UpdateSettingsAsync(settings);
            if (!result.Succeeded)
            {
                LogSettingsRefused(logger, login, string.Join("; ", result.Errors.Select(error => $"{error.Key} {string.Join(", ", error.Value)}")));
            }
        }
        LogSeeded(logger);
    }

    private async Task DeliverAsync(DemoOptions demo, CancellationToken cancellationToken)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(demo.MailHost, demo.SmtpPort, SecureSocketOptions.None, cancellationToken);
        var sentAt = time.GetUtcNow().AddHours(-Messages.Length);
        foreach (var (fromName, from, to, subject, body) in Messages)
        {
            sentAt = sentAt.AddMinutes(37);
            var message = new MimeMessage { Subject = subject, Date = sentAt, Body = new TextPart("plain") { Text = body } };
            message.From.Add(new MailboxAddress(fromName, from));
            message.To.Add(new MailboxAddress(DemoAdmins.First(admin => admin.Login == to).Name, $"{to}@{demo.MailDomain}"));
            await smtp.SendAsync(message, cancellationToken);
        }
        await smtp.DisconnectAsync(quit: true, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data is already there; nothing seeded.")]
    private static partial void LogAlreadySeeded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo seeded: admins alice and bob with their mailboxes, customers, leads and mail.")]
    private static partial void LogSeeded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The demo mail settings of {Login} were refused: {Errors}")]
    private static partial void LogSettingsRefused(ILogger logger, string login, string errors);

    [LoggerMessage(Level = LogLevel.Error, Message = "Seeding the demo failed.")]
    private static partial void LogFailed(ILogger logger, Exception error);
}

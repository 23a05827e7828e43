using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.Storage;
using Splynx.Orleans.Storage.Admins;
using Splynx.Orleans.Storage.Mailboxes;

namespace Splynx.Orleans.Silo;

/// <summary>
/// <c>dotnet Splynx.Orleans.Silo.dll audit-mailboxes</c>: lists the mailboxes whose saved mail account (IMAP server
/// and username) is also saved by another admin. Versions before the grain-state serializer fix could copy one
/// admin's settings into every mailbox read back on a silo; this tells an operator whom to ask to check their
/// settings. It only reads: nothing is changed. Exit code 0 when no account is shared, 3 when some are.
/// </summary>
internal static class AuditMailboxesCommand
{
    public const int SharedAccountsFound = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddSplynxDatabase();
        // Built, never started: it only lends the silo's own grain storage serializer and service id.
        builder.UseOrleans(silo => silo.UseSplynxCluster(builder.Configuration));
        using var host = builder.Build();
        var serializer = host.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get("Default").GrainStorageSerializer;
        var serviceId = host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();

        var logins = await new AdminStore(dataSource).LoginsByIdAsync(CancellationToken.None);
        var mailboxes = new List<(string AdminId, string Server, string Username)>();
        await foreach (var (adminId, state) in MailboxStateRows.ReadAllAsync(dataSource, serializer, serviceId))
        {
            var account = state.Settings;
            if (account.Imap.Server.Length > 0 && account.Credentials.Username.Length > 0)
            {
                mailboxes.Add((adminId, account.Imap.Server, account.Credentials.Username));
            }
        }

        var shared = mailboxes
            .GroupBy(mailbox => (Server: mailbox.Server.ToLowerInvariant(), Username: mailbox.Username.ToLowerInvariant()))
            .Where(group => group.Count() > 1)
            .ToList();
        Console.WriteLine($"{mailboxes.Count} configured mailbox(es) read; {shared.Count} account(s) saved by more than one admin.");
        foreach (var group in shared)
        {
            Console.WriteLine();
            Console.WriteLine($"Account {group.Key.Username} on {group.Key.Server}, saved by:");
            foreach (var mailbox in group.OrderBy(mailbox => mailbox.AdminId, StringComparer.Ordinal))
            {
                Console.WriteLine($"  admin {mailbox.AdminId}{(logins.TryGetValue(mailbox.AdminId, out var login) ? $" (login {login})" : "")}");
            }
        }
        if (shared.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Ask these admins to check the account in My Profile → Mail; this command changed nothing.");
        }
        return shared.Count > 0 ? SharedAccountsFound : 0;
    }
}

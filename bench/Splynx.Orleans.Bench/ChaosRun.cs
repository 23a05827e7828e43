using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Dapper;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Search;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Bench;

/// <summary>
/// <c>scripts/chaos.sh</c> (not a test): three silos and a web host on the local stack with N mailboxes (mark as read
/// on) while mail flows at a steady rate to random mailboxes; for the given minutes, faults at random (seeded): a silo
/// killed (SIGKILL) or stopped (SIGTERM) and replaced, Dovecot restarted, connections cut (the server closes the
/// sessions of a few users); and all along, every few seconds, one of the mailboxes' IMAP connections (they go through
/// the tests' <see cref="FaultProxy"/>) refused, reset, stalled, dripped, cut in a literal or in IDLE, delayed, its
/// greeting dropped or its answers lost. Then the cluster settles and the run is audited against what Postfix accepted: lost,
/// duplicated, marked read on the server but not stored, left in quarantine, mailboxes not idle. Exit code 1 on
/// any loss, duplicate or unstored \Seen.
/// </summary>
internal static class ChaosRun
{
    private const string SuperLogin = "chaos";
    private const string SuperPassword = "chaos-super-password";
    private const int SiloCount = 3;
    private static readonly TimeSpan SettleLimit = TimeSpan.FromMinutes(8);

    private enum ChaosFault { KillSilo, StopSilo, RestartDovecot, CutConnections }

    public static async Task<int> RunAsync(int minutes, int mailboxes, double messagesPerSecond, int seed)
    {
        var stack = StackSettings.Load();
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..6];
        var database = "chaos_" + run;
        var password = Guid.NewGuid().ToString("N");
        await using var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"CREATE DATABASE {database}");
        var connectionString = new NpgsqlConnectionStringBuilder(stack["STACK_PG_ADMIN_CONNECTION"]) { Database = database }.ConnectionString;
        var silos = new List<SiloProcess>();
        WebHostProcess? webHost = null;
        try
        {
            Console.WriteLine($"Chaos run {run}: {mailboxes} mailboxes, {messagesPerSecond:N1} messages/s, {minutes} min of faults, seed {seed}");
            var users = Enumerable.Range(0, mailboxes).Select(i => $"chaos{run}m{i}").ToList();
            await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, _) => await stack.AddMailUserAsync(user, password));
            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Database__MigrateOnStart"] = "true",
                ["Orleans__ClusterId"] = database,
                ["Orleans__ServiceId"] = database,
                ["Orleans__AdvertisedIP"] = "127.0.0.1",
                ["Logging__LogLevel__Default"] = "Error",
            };
            for (var i = 0; i < SiloCount; i++)
            {
                silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            }
            webHost = await WebHostProcess.StartAsync(stack, new Dictionary<string, string>(environment)
            {
                ["Orleans__CoHosted"] = "false",
                ["Bootstrap__AdminLogin"] = SuperLogin,
                ["Bootstrap__AdminPassword"] = SuperPassword,
            });
            using var clientHost = await ScaleBenchmark.ConnectClientAsync(connectionString, database);
            var grains = clientHost.Services.GetRequiredService<IGrainFactory>();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            // The mailboxes talk to Dovecot through the proxy, in plain text so that it can cut literals and IDLE.
            await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Parse(stack["STACK_IMAP_HOST"]), stack.Port("STACK_IMAP_PORT")));

            Console.WriteLine("Enabling the mailboxes (all mail, mark as read) ...");
            await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (user, _) =>
            {
                var saved = await grains.GetGrain<IMailboxGrain>(user).UpdateSettingsAsync(MailSettings.Default with
                {
                    Tracking = new TrackingSettings(true, ProcessMode.All, null, MarkAsRead: true, []),
                    Credentials = new CredentialsSettings(user, password, false),
                    Imap = new ImapSettings("127.0.0.1", proxy.Port, ImapSecurity.None, DontValidateCertificate: false, null),
                });
                if (!saved.Succeeded)
                {
                    throw new InvalidOperationException($"{user}: {string.Join("; ", saved.Errors.Keys)}");
                }
            });
            await ScaleBenchmark.WaitAsync(async () => await IdleCountAsync(dataSource) >= mailboxes, TimeSpan.FromMinutes(5), "every mailbox idle");

            // Mail flows the whole time; faults come every 15 to 45 seconds until the time is up.
            using var stopMail = new CancellationTokenSource();
            var delivered = new ConcurrentBag<(string User, string Subject)>();
            var mail = DeliverSteadilyAsync(stack, users, run, messagesPerSecond, seed, delivered, stopMail.Token);
            var faults = new Dictionary<ChaosFault, int>();
            var connectionFaults = proxy.RandomFaultsAsync(seed + 2, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(minutes));
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(minutes))
            {
                await Task.Delay(TimeSpan.FromSeconds(15 + random.Next(30)));
                var fault = (ChaosFault)random.Next(4);
                faults[fault] = faults.GetValueOrDefault(fault) + 1;
                Console.WriteLine($"  {clock.Elapsed:mm\\:ss}  {fault}  ({delivered.Count} messages accepted so far)");
                switch (fault)
                {
                    case ChaosFault.KillSilo or ChaosFault.StopSilo:
                        var victim = silos[random.Next(silos.Count)];
                        silos.Remove(victim);
                        if (fault == ChaosFault.KillSilo)
                        {
                            victim.Kill();
                        }
                        else
                        {
                            await victim.StopAsync();
                        }
                        // An operator (or an orchestrator) brings a replacement after a while.
                        await Task.Delay(TimeSpan.FromSeconds(5 + random.Next(15)));
                        silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
                        break;
                    case ChaosFault.RestartDovecot:
                        await StackCommandAsync(stack, "restart-imap");
                        break;
                    case ChaosFault.CutConnections:
                        foreach (var user in users.OrderBy(_ => random.Next()).Take(Math.Max(1, mailboxes / 10)))
                        {
                            await StackCommandAsync(stack, "kick", user);
                        }
                        break;
                }
            }
            await stopMail.CancelAsync();
            await mail;
            var onConnections = await connectionFaults;

            Console.WriteLine($"Faults over after {clock.Elapsed:mm\\:ss}; {delivered.Count} messages accepted. Waiting for the cluster to settle ...");
            var expected = delivered.ToList();
            var settle = Stopwatch.StartNew();
            while (settle.Elapsed < SettleLimit
                   && (await IdleCountAsync(dataSource) < mailboxes || (await StoredAsync(dataSource, run)).Count < expected.Count))
            {
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
            await Task.Delay(TimeSpan.FromSeconds(5)); // anything that would be stored twice has had its chance

            var stored = await StoredAsync(dataSource, run);
            var missing = expected.Count(message => !stored.ContainsKey((message.User, message.Subject)));
            var duplicated = stored.Values.Count(count => count > 1);
            var readUnstored = await SeenButNotStoredAsync(stack, users, password, run, stored);
            long quarantined;
            await using (var connection = await dataSource.OpenConnectionAsync())
            {
                quarantined = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM mail_quarantine");
            }
            var notIdle = mailboxes - await IdleCountAsync(dataSource);

            Console.WriteLine();
            Console.WriteLine($"Chaos audit: {mailboxes} mailboxes, 3 silos, {minutes} min, seed {seed}, settled in {settle.Elapsed.TotalSeconds:N0} s");
            Console.WriteLine($"{"faults",-36}{string.Join(", ", faults.OrderBy(f => f.Key).Select(f => $"{f.Key} {f.Value}"))}");
            Console.WriteLine($"{"faults on single connections",-36}{string.Join(", ", onConnections.GroupBy(f => f).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}");
            Console.WriteLine($"{"messages accepted by Postfix",-36}{expected.Count,8}");
            Console.WriteLine($"{"stored",-36}{stored.Count,8}");
            Console.WriteLine($"{"lost",-36}{missing,8}");
            Console.WriteLine($"{"duplicated",-36}{duplicated,8}");
            Console.WriteLine($"{"marked read but not stored",-36}{readUnstored,8}");
            Console.WriteLine($"{"in quarantine",-36}{quarantined,8}");
            Console.WriteLine($"{"mailboxes not idle",-36}{notIdle,8}");
            return missing + duplicated + readUnstored > 0 ? 1 : 0;
        }
        finally
        {
            webHost?.Dispose();
            foreach (var silo in silos)
            {
                silo.Kill();
            }
            NpgsqlConnection.ClearAllPools();
            await admin.ExecuteAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    /// <summary>One message at a time to a random mailbox, at the rate asked; each subject names the run and a number.</summary>
    private static async Task DeliverSteadilyAsync(StackSettings stack, List<string> users, string run, double perSecond, int seed,
        ConcurrentBag<(string User, string Subject)> delivered, CancellationToken stop)
    {
        var random = new Random(seed + 1);
        var interval = TimeSpan.FromSeconds(1 / perSecond);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var user = users[random.Next(users.Count)];
            var subject = $"chaos {run} {i}";
            var message = new MimeKit.MimeMessage();
            message.From.Add(MimeKit.MailboxAddress.Parse($"customer{i % 50}@elsewhere.test"));
            message.To.Add(MimeKit.MailboxAddress.Parse($"{user}@{stack["STACK_MAIL_DOMAIN"]}"));
            message.Subject = subject;
            message.Body = new MimeKit.TextPart("plain") { Text = $"Message {i} of chaos run {run}." };
            try
            {
                using var smtp = new SmtpClient();
                await smtp.ConnectAsync(stack["STACK_SMTP_HOST"], stack.Port("STACK_SMTP_PORT"), MailKit.Security.SecureSocketOptions.None, CancellationToken.None);
                await smtp.SendAsync(message, CancellationToken.None);
                delivered.Add((user, subject)); // accepted: from here on it must arrive
                await smtp.DisconnectAsync(true, CancellationToken.None);
            }
            catch (Exception exception) when (exception is IOException or SmtpCommandException or SmtpProtocolException)
            {
                Console.WriteLine($"  (message {i} not accepted: {exception.Message})");
            }
            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<long> IdleCountAsync(NpgsqlDataSource dataSource)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM mailbox_presence WHERE enabled AND state = 'idle'");
    }

    /// <summary>How many times each (mailbox, subject) of this run is stored (an admin's id is its mail user here).</summary>
    private static async Task<Dictionary<(string User, string Subject), int>> StoredAsync(NpgsqlDataSource dataSource, string run)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var rows = await connection.QueryAsync<(string MailboxId, string Subject, int Count)>(
            "SELECT mailbox_id, subject, count(*)::integer FROM mail_messages WHERE subject LIKE @prefix GROUP BY 1, 2",
            new { prefix = $"chaos {run} %" });
        return rows.ToDictionary(row => (row.MailboxId, row.Subject), row => row.Count);
    }

    /// <summary>Messages of this run the server has as \Seen that the service has not stored: what mark-as-read must never do.</summary>
    private static async Task<int> SeenButNotStoredAsync(StackSettings stack, List<string> users, string password, string run,
        Dictionary<(string User, string Subject), int> stored)
    {
        var count = 0;
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (user, cancellationToken) =>
        {
            using var imap = new ImapClient();
            // The stack's own self-signed certificate, on loopback.
#pragma warning disable CA5359
            imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            await imap.ConnectAsync(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAPS_PORT"), MailKit.Security.SecureSocketOptions.SslOnConnect, cancellationToken);
            await imap.AuthenticateAsync(user, password, cancellationToken);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
            var seen = await imap.Inbox.SearchAsync(SearchQuery.Seen, cancellationToken);
            if (seen.Count > 0)
            {
                foreach (var summary in await imap.Inbox.FetchAsync(seen, MessageSummaryItems.Envelope, cancellationToken))
                {
                    if (summary.Envelope?.Subject is { } subject && subject.StartsWith($"chaos {run} ", StringComparison.Ordinal)
                        && !stored.ContainsKey((user, subject)))
                    {
                        Interlocked.Increment(ref count);
                    }
                }
            }
            await imap.DisconnectAsync(true, cancellationToken);
        });
        return count;
    }

    private static async Task StackCommandAsync(StackSettings stack, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(stack.Root, "scripts", "stack.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"  (stack.sh {string.Join(' ', arguments)} exited with {process.ExitCode.ToString(CultureInfo.InvariantCulture)})");
        }
    }
}

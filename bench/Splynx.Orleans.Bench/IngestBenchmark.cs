using System.Diagnostics;
using System.Globalization;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MimeKit;
using Npgsql;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Bench;

/// <summary>
/// <c>bench ingest</c>: a mailbox of generated messages of mixed sizes in Dovecot, fetched (a) by a
/// bare MailKit client on one connection and (b) imported by the service (a silo in this process,
/// the mailbox grain's historic import into PostgreSQL). Prints messages per second and b/a.
/// </summary>
internal static class IngestBenchmark
{
    private static readonly DateTimeOffset FirstDelivery = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task<int> RunAsync(int count)
    {
        var stack = StackSettings.Load();
        var login = "bench" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await stack.AddMailUserAsync(login, password);

        Console.WriteLine($"Appending {count:N0} generated messages of mixed sizes to {login}@{stack["STACK_MAIL_DOMAIN"]} ...");
        var totalBytes = await PopulateAsync(stack, login, password, count);
        Console.WriteLine($"  {totalBytes / 1024.0 / 1024.0:N1} MiB in all, {totalBytes / count / 1024.0:N1} KiB on average");

        Console.WriteLine("Fetching them with a bare MailKit client ...");
        await BareFetchAsync(stack, login, password, count); // warms Dovecot's caches so both runs read the same way
        var bare = await BareFetchAsync(stack, login, password, count);
        var service = await ServiceImportAsync(stack, login, password, count);

        var bareRate = count / bare.Elapsed.TotalSeconds;
        var serviceRate = count / service.Elapsed.TotalSeconds;
        Console.WriteLine();
        Console.WriteLine($"(a) bare MailKit fetch, one connection: {bareRate,10:N0} messages/s  ({bare.Elapsed.TotalSeconds:N1} s)");
        Console.WriteLine($"    {bare.Cpu}");
        Console.WriteLine($"(b) service historic import to PostgreSQL: {serviceRate,7:N0} messages/s  ({service.Elapsed.TotalSeconds:N1} s)");
        Console.WriteLine($"    {service.Cpu}");
        Console.WriteLine($"b/a = {serviceRate / bareRate:N2} (target at least 0.70)");
        return 0;
    }

    private static async Task<long> PopulateAsync(StackSettings stack, string login, string password, int count)
    {
        using var imap = await ConnectAsync(stack, login, password);
        var random = new Random(42);
        long total = 0;
        var batch = new List<IAppendRequest>();
        for (var i = 0; i < count; i++)
        {
            var message = Generate(random, i, $"{login}@{stack["STACK_MAIL_DOMAIN"]}");
            total += message.EstimatedSize;
            batch.Add(new AppendRequest(message.Message, MessageFlags.None) { InternalDate = FirstDelivery.AddMinutes(i) });
            if (batch.Count == 200 || i == count - 1)
            {
                await imap.Inbox.AppendAsync(batch);
                batch.Clear();
            }
        }
        await imap.DisconnectAsync(quit: true);
        return total;
    }

    /// <summary>Mostly short notes, some HTML newsletters, a few attachments: the mix of a real support inbox.</summary>
    private static (MimeMessage Message, long EstimatedSize) Generate(Random random, int index, string to)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress($"Customer {index % 500}", $"customer{index % 500}@clients.example"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = $"Ticket {index}: connection drops in the evening";
        message.Date = FirstDelivery.AddMinutes(index);
        var roll = random.NextDouble();
        var builder = new BodyBuilder();
        long size;
        if (roll < 0.60)
        {
            builder.TextBody = Words(random, 300 + random.Next(600));
            size = builder.TextBody.Length;
        }
        else if (roll < 0.90)
        {
            var text = Words(random, 2000 + random.Next(4000));
            builder.TextBody = text;
            builder.HtmlBody = $"<html><body><p>{text.Replace("\n", "</p><p>", StringComparison.Ordinal)}</p></body></html>";
            size = text.Length * 2 + 40;
        }
        else
        {
            builder.TextBody = Words(random, 200);
            var attachment = new byte[roll < 0.99 ? 50_000 + random.Next(100_000) : 500_000 + random.Next(500_000)];
            random.NextBytes(attachment);
            builder.Attachments.Add($"scan-{index}.pdf", attachment, ContentType.Parse("application/pdf"));
            size = attachment.Length * 4 / 3;
        }
        message.Body = builder.ToMessageBody();
        return (message, size);
    }

    private static string Words(Random random, int characters)
    {
        string[] words = ["router", "signal", "invoice", "please", "the", "line", "speed", "since", "yesterday", "modem", "restart", "thanks"];
        var text = new System.Text.StringBuilder(characters + 16);
        while (text.Length < characters)
        {
            text.Append(words[random.Next(words.Length)]).Append(text.Length % 80 < 8 ? '\n' : ' ');
        }
        return text.ToString();
    }

    private static async Task<(TimeSpan Elapsed, string Cpu)> BareFetchAsync(StackSettings stack, string login, string password, int count)
    {
        var cpu = CpuAccount.Start();
        var stopwatch = Stopwatch.StartNew();
        using var imap = await ConnectAsync(stack, login, password);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var uids = await imap.Inbox.SearchAsync(MailKit.Search.SearchQuery.All);
        var fetched = 0;
        foreach (var chunk in uids.Chunk(50))
        {
            await ((ImapFolder)imap.Inbox).GetStreamsAsync(chunk, async (_, _, _, stream, token) =>
            {
                await stream.CopyToAsync(Stream.Null, token);
                fetched++;
            });
        }
        await imap.DisconnectAsync(quit: true);
        stopwatch.Stop();
        if (fetched != count)
        {
            throw new InvalidOperationException($"fetched {fetched}, expected {count}");
        }
        return (stopwatch.Elapsed, cpu.Describe());
    }

    private static async Task<(TimeSpan Elapsed, string Cpu)> ServiceImportAsync(StackSettings stack, string login, string password, int count)
    {
        var database = "bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]))
        {
            await admin.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(stack["STACK_PG_ADMIN_CONNECTION"]) { Database = database }.ConnectionString;
        try
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["Database:MigrateOnStart"] = "true",
                ["Orleans:ClusterId"] = database,
                ["Orleans:ServiceId"] = database,
                ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.AddSplynxSilo();
            using var host = builder.Build();
            await host.StartAsync();
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);

            // The bare fetch runs warm (its first run is thrown away); so does the service: a small import first
            // compiles and warms the same code, as any running silo is.
            var warmLogin = login + "w";
            await stack.AddMailUserAsync(warmLogin, password);
            // As many messages as measured: a running silo has long compiled the import's code in its final tier.
            await PopulateAsync(stack, warmLogin, password, count);
            await ImportAsync(grains, "bench-warm-up", dataSource, stack, warmLogin, password, count);
            // The runtime compiles hot code again, optimised, on a background thread a while after it became
            // hot; a running silo has done so long ago, so give it the moment before measuring.
            await Task.Delay(TimeSpan.FromSeconds(5));

            Console.WriteLine($"Importing {count:N0} messages through the service ...");
            var cpu = CpuAccount.Start();
            var stopwatch = Stopwatch.StartNew();
            await ImportAsync(grains, "bench-admin", dataSource, stack, login, password, count);
            stopwatch.Stop();
            var used = cpu.Describe();
            await host.StopAsync();
            return (stopwatch.Elapsed, used);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]);
            await admin.OpenAsync();
            // FORCE cannot end an autovacuum worker that happens to be in the database (it is not ours): try again.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
                {
                    await Task.Delay(500);
                }
            }
        }
    }


    /// <summary>Turns the mailbox's sync on (historic import of everything) and waits until all of it is stored.</summary>
    private static async Task ImportAsync(IGrainFactory grains, string adminId, NpgsqlDataSource dataSource, StackSettings stack,
        string login, string password, int count)
    {
        // Counted from the mailbox's own events (sent once a batch committed) rather than by asking the
        // database over and over, which would be work for the database that the service does not do.
        var received = new ReceivedCounter(count);
        var mailbox = grains.GetGrain<IMailboxGrain>(adminId);
        await mailbox.SubscribeAsync(grains.CreateObjectReference<IMailboxObserver>(received));
        var result = await mailbox.UpdateSettingsAsync(MailSettings.Default with
        {
            Tracking = new TrackingSettings(true, ProcessMode.All, DateOnly.FromDateTime(FirstDelivery.UtcDateTime), false, []),
            Credentials = new CredentialsSettings(login, password, false),
            Imap = new ImapSettings(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAP_PORT"), ImapSecurity.StartTls, true, null),
        });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("settings refused: " + string.Join(", ", result.Errors.Keys));
        }
        await received.AllStored;
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM mail_messages WHERE mailbox_id = @mailbox");
        command.Parameters.AddWithValue("mailbox", adminId);
        var stored = (long)(await command.ExecuteScalarAsync())!;
        if (stored != count)
        {
            throw new InvalidOperationException($"{stored} messages stored, expected {count}");
        }
    }

    private sealed class ReceivedCounter(int expected) : IMailboxObserver
    {
        private readonly TaskCompletionSource _allStored = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _received;

        public Task AllStored => _allStored.Task;

        public Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents)
        {
            if (Interlocked.Add(ref _received, messageEvents.Count(e => e.Kind == MessageEventKind.Received)) >= expected)
            {
                _allStored.TrySetResult();
            }
            return Task.CompletedTask;
        }

        public Task OnStatusChangedAsync(string mailboxId, MailboxStatus status) => Task.CompletedTask;

        public Task OnEmailStatusAsync(string senderId, global::Splynx.Orleans.Sending.EmailStatusEvent emailStatus) => Task.CompletedTask;
    }

    private static async Task<ImapClient> ConnectAsync(StackSettings stack, string login, string password)
    {
        var imap = new ImapClient();
#pragma warning disable CA5359 // The local stack's certificate is self-signed; the benchmark measures throughput, not trust.
        imap.ServerCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        await imap.ConnectAsync(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAP_PORT"), SecureSocketOptions.StartTls);
        await imap.AuthenticateAsync(login, password);
        return imap;
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Bench;

/// <summary>
/// <c>bench scale</c>: N mailboxes of distinct stack users over IMAPS on real silo processes, each figure next to a
/// bare MailKit program doing the same on the same server in the same run: (1) cold start (a fresh silo takes
/// over every mailbox of one that died), (2) RSS per idle
/// mailbox, (3) push from SMTP accept to <c>messageReceived</c> at signed-in admins' SignalR clients (and, to
/// show where time goes, to the grain observer event the web host relays) next to SMTP accept to EXISTS at bare
/// IDLE sessions, (5) the spread over three silos, (4) failover after
/// kill -9 of the fullest of the three, (5) the spread two minutes after a fourth joins the three again.
/// </summary>
internal static class ScaleBenchmark
{
    private const int BareIdleClients = 20;
    // The push goes to this many admins, each with a browser's live channel open.
    private const int SignedInAdminCount = 20;
    private const string SuperLogin = "bench";
    private const string SuperPassword = "bench-super-password";
    private const int EnablesInFlight = 64;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    /// <param name="failoverOnly">Three silos from the start, then only (4): a quicker run while working on failover.</param>
    public static async Task<int> RunAsync(int mailboxes, int deliveries, int connectsPerSecond, bool failoverOnly)
    {
        var stack = StackSettings.Load();
        var run = Guid.NewGuid().ToString("N")[..6];
        var database = "scale_" + run;
        var password = Guid.NewGuid().ToString("N");
        await using var admin = new NpgsqlConnection(stack["STACK_PG_ADMIN_CONNECTION"]);
        await admin.OpenAsync();
        await new NpgsqlCommand($"CREATE DATABASE {database}", admin).ExecuteNonQueryAsync();
        var connectionString = new NpgsqlConnectionStringBuilder(stack["STACK_PG_ADMIN_CONNECTION"]) { Database = database }.ConnectionString;
        var silos = new List<SiloProcess>();
        var table = new List<(string Figure, string Service, string Bare, string Ratio)>();
        try
        {
            Console.WriteLine($"Creating {mailboxes + BareIdleClients:N0} mail users ...");
            var users = Enumerable.Range(0, mailboxes).Select(i => $"scale{run}m{i}").ToList();
            var bareUsers = Enumerable.Range(0, BareIdleClients).Select(i => $"scale{run}b{i}").ToList();
            await Parallel.ForEachAsync(users.Concat(bareUsers), new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (user, _) => await stack.AddMailUserAsync(user, password));

            var environment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Database__MigrateOnStart"] = "true",
                ["Orleans__ClusterId"] = database,
                ["Orleans__ServiceId"] = database,
                ["Orleans__AdvertisedIP"] = "127.0.0.1",
                ["Mail__Sync__ConnectsPerSecond"] = connectsPerSecond.ToString(CultureInfo.InvariantCulture),
                // As many logins in flight as the bare program has.
                ["Mail__Cluster__ResumesInFlight"] = EnablesInFlight.ToString(CultureInfo.InvariantCulture),
                ["Logging__LogLevel__Default"] = "Warning",
            };
            var webHostEnvironment = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Database__MigrateOnStart"] = "true",
                ["Orleans__ClusterId"] = database,
                ["Orleans__ServiceId"] = database,
                ["Orleans__CoHosted"] = "false",
                ["Bootstrap__AdminLogin"] = SuperLogin,
                ["Bootstrap__AdminPassword"] = SuperPassword,
            };
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            using var clientHost = await ConnectClientAsync(connectionString, database);
            var grains = clientHost.Services.GetRequiredService<IGrainFactory>();
            await using var dataSource = NpgsqlDataSource.Create(connectionString);

            // The first mailboxes belong to admins who can sign in (the push goes to their browsers); the rest are
            // mailboxes only. An admin's id is its mailbox's id.
            IReadOnlyList<string> adminIds;
            using (var webHost = await WebHostProcess.StartAsync(stack, webHostEnvironment))
            {
                adminIds = await SignedInAdmins.CreateAsync(webHost.Url, SuperLogin, SuperPassword, $"scale{run}", Math.Min(SignedInAdminCount, mailboxes));
            }
            var userOf = users.Select((user, i) => (Id: i < adminIds.Count ? adminIds[i] : user, User: user)).ToDictionary(pair => pair.Id, pair => pair.User);
            if (failoverOnly)
            {
                silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
                silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
                Console.WriteLine($"Enabling {mailboxes:N0} mailboxes on three silos (connect limit {connectsPerSecond}/s) ...");
                await EnableAsync(stack, grains, userOf, password);
                await WaitAsync(async () => await CountAsync(dataSource, "state = 'idle'") >= mailboxes, TimeSpan.FromMinutes(15), "every mailbox idle");
                table.Add(("spread over 3 silos", Describe(await CountsAsync(dataSource, silos)), "", ""));
                await FailoverAsync(stack, dataSource, silos, await CountsAsync(dataSource, silos), userOf, run, table);
                Print(mailboxes, table);
                return 0;
            }

            // (2) memory: one silo, before and after its mailboxes are enabled and idle.
            await Task.Delay(Settle);
            var rssBefore = silos[0].Rss();
            Console.WriteLine($"Enabling {mailboxes:N0} mailboxes on one silo (connect limit {connectsPerSecond}/s) ...");
            await EnableAsync(stack, grains, userOf, password);
            await WaitAsync(async () => await CountAsync(dataSource, "state = 'idle'") >= mailboxes, TimeSpan.FromMinutes(15), "every mailbox idle");
            await Task.Delay(Settle);
            var servicePerMailbox = (silos[0].Rss() - rssBefore) / (double)mailboxes;

            // (1) cold start: the service is stopped (SIGTERM, as for maintenance) and started again; from the fresh silo's
            // joining until all are idle there. (A silo killed instead would add its death detection, which (4) measures.)
            // The bare program makes the same logins while no silo holds sessions, so the server carries N at most.
            Console.WriteLine("Cold start: the silo is stopped; the same logins with a bare MailKit program ...");
            await silos[0].StopAsync();
            silos.Clear();
            var bare = await BareIdleProgram.MeasureAsync(stack, users, password, connectsPerSecond, EnablesInFlight, Settle);
            Console.WriteLine("... and a fresh silo takes over every mailbox ...");
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            var clock = Stopwatch.StartNew();
            var fresh = silos[0].Endpoint;
            await WaitAsync(async () => await CountAsync(dataSource, $"state = 'idle' AND split_part(silo, '@', 1) = '{fresh}'") >= mailboxes,
                TimeSpan.FromMinutes(15), "every mailbox idle on the fresh silo");
            var coldStart = clock.Elapsed;
            table.Add(("cold start, all idle (s)", $"{coldStart.TotalSeconds:N1}", $"{bare.Elapsed.TotalSeconds:N1}", Ratio(coldStart.TotalSeconds, bare.Elapsed.TotalSeconds)));
            table.Add(("RSS per idle mailbox (KiB)", $"{servicePerMailbox / 1024:N0}", $"{bare.RssPerSession / 1024:N0}", Ratio(servicePerMailbox, bare.RssPerSession)));

            // (3) push.
            Console.WriteLine($"Push: {deliveries} deliveries through Postfix to {adminIds.Count} signed-in admins, and to bare IDLE sessions ...");
            PushFigures push;
            using (var webHost = await WebHostProcess.StartAsync(stack, webHostEnvironment))
            {
                push = await PushAsync(stack, grains, webHost.Url, $"scale{run}", adminIds, userOf, bareUsers, password, deliveries);
            }
            foreach (var percent in new[] { 50, 95, 99, 100 })
            {
                var name = percent == 100 ? "max" : $"p{percent}";
                table.Add(($"push {name}: SignalR (grain) (ms)", $"{push.SignalR.P(percent):N0} ({push.Grain.P(percent):N0})", $"{push.Bare.P(percent):N0}", ""));
            }
            table.Add(("push not received: SignalR (grain)", $"{push.SignalRMissed} ({push.GrainMissed})", $"{push.BareMissed}", ""));

            // (5, first half) two more silos: the mailboxes spread out.
            Console.WriteLine("Two more silos join ...");
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            var spreadClock = Stopwatch.StartNew();
            var spread = await WaitForSpreadAsync(dataSource, silos, mailboxes, TimeSpan.FromMinutes(5));
            table.Add(("spread over 3 silos", Describe(spread), $"after {spreadClock.Elapsed.TotalSeconds:N0} s", ""));

            // (4) failover, as the issue puts it: three silos, the fullest killed.
            await FailoverAsync(stack, dataSource, silos, spread, userOf, run, table);

            // (5, second half) a replacement makes three again, then a fourth joins.
            Console.WriteLine("A replacement silo joins, then a fourth; counting 2 minutes after the fourth ...");
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            await WaitForSpreadAsync(dataSource, silos, mailboxes, TimeSpan.FromMinutes(5));
            silos.Add(await SiloProcess.StartAsync(stack, environment, connectionString));
            await Task.Delay(TimeSpan.FromMinutes(2));
            table.Add(("spread 2 min after a 4th joins", Describe(await CountsAsync(dataSource, silos)), "", ""));

            Print(mailboxes, table);
            return 0;
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Kill();
            }
            NpgsqlConnection.ClearAllPools();
            await new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
        }
    }

    private static void Print(int mailboxes, List<(string Figure, string Service, string Bare, string Ratio)> table)
    {
        Console.WriteLine();
        Console.WriteLine($"{mailboxes:N0} mailboxes, IMAPS, Dovecot and PostgreSQL on this machine ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"{"figure",-36}{"service",22}{"bare MailKit",18}{"ratio",8}");
        foreach (var (figure, service, bareFigure, ratio) in table)
        {
            Console.WriteLine($"{figure,-36}{service,22}{bareFigure,18}{ratio,8}");
        }
    }

    /// <param name="userOf">Each mailbox's id and its stack mail user.</param>
    private static async Task EnableAsync(StackSettings stack, IGrainFactory grains, Dictionary<string, string> userOf, string password) =>
        await Parallel.ForEachAsync(userOf, new ParallelOptions { MaxDegreeOfParallelism = EnablesInFlight }, async (mailbox, _) =>
        {
            var result = await grains.GetGrain<IMailboxGrain>(mailbox.Key).UpdateSettingsAsync(SettingsFor(stack, mailbox.Value, password));
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"{mailbox.Key}: {string.Join("; ", result.Errors.Keys)}");
            }
        });

    /// <summary>
    /// kill -9 of the fullest silo while mail goes to 50 of its mailboxes; a line a second of where its mailboxes
    /// are (so a stall shows where it happens), then the times until membership declared it dead, until every
    /// mailbox has its reconnect under way elsewhere, and until all are idle, and the gap's mail counted.
    /// </summary>
    private static async Task FailoverAsync(StackSettings stack, NpgsqlDataSource dataSource, List<SiloProcess> silos,
        IReadOnlyDictionary<string, int> spread, Dictionary<string, string> userOf, string run, List<(string Figure, string Service, string Bare, string Ratio)> table)
    {
        var fullest = silos.OrderByDescending(silo => spread.GetValueOrDefault(silo.Endpoint)).First();
        var held = await HeldByAsync(dataSource, fullest.Endpoint);
        var sample = held.OrderBy(_ => Random.Shared.Next()).Take(Math.Min(50, held.Count)).ToList();
        Console.WriteLine($"kill -9 of {fullest.Endpoint}, which holds {held.Count:N0} mailboxes ...");
        var killClock = Stopwatch.StartNew();
        fullest.Kill();
        silos.Remove(fullest);
        var gapSubject = "gap " + run;
        var delivery = DeliverAsync(stack, sample.Select(id => userOf[id]), gapSubject);
        TimeSpan? declaredDead = null, underWay = null;
        var lastLine = TimeSpan.Zero;
        while (true)
        {
            var (elsewhere, idle) = await WhereAsync(dataSource, held, fullest.Endpoint);
            var connections = await DatabaseConnectionsAsync(dataSource);
            declaredDead ??= await DeclaredDeadAsync(dataSource, fullest.Endpoint) ? killClock.Elapsed : null;
            underWay ??= elsewhere >= held.Count ? killClock.Elapsed : null;
            if (killClock.Elapsed - lastLine >= TimeSpan.FromSeconds(1))
            {
                lastLine = killClock.Elapsed;
                Console.WriteLine($"  {killClock.Elapsed.TotalSeconds,5:N1} s  dead: {(declaredDead is null ? "no " : "yes")}  on a survivor: {elsewhere,5:N0}  idle there: {idle,5:N0} of {held.Count:N0}  database connections: {connections}");
            }
            if (idle >= held.Count)
            {
                break;
            }
            if (killClock.Elapsed > TimeSpan.FromMinutes(10))
            {
                throw new TimeoutException("The killed silo's mailboxes were not idle elsewhere after 10 minutes.");
            }
            await Task.Delay(250);
        }
        var failover = killClock.Elapsed;
        await delivery;
        await WaitAsync(async () => await StoredCountAsync(dataSource, sample, gapSubject) >= sample.Count, TimeSpan.FromMinutes(2), "the gap's mail stored");
        await Task.Delay(TimeSpan.FromSeconds(5));
        var copies = await StoredCountAsync(dataSource, sample, gapSubject);
        table.Add(("failover: declared dead (s)", $"{declaredDead?.TotalSeconds:N1}", $"{held.Count:N0} mailboxes", ""));
        table.Add(("failover: all reconnects under way (s)", $"{underWay?.TotalSeconds:N1}", "", ""));
        table.Add(("failover: all idle again (s)", $"{failover.TotalSeconds:N1}", "", ""));
        table.Add(("gap mail stored / sent", $"{copies} / {sample.Count}", "", ""));
    }

    private static async Task<long> DatabaseConnectionsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<bool> DeclaredDeadAsync(NpgsqlDataSource dataSource, string endpoint)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM orleans_membership WHERE port = @port AND status = 6");
        command.Parameters.AddWithValue("port", int.Parse(endpoint.Split(':')[1], CultureInfo.InvariantCulture));
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static string Ratio(double service, double bare) => bare > 0 ? (service / bare).ToString("N2", CultureInfo.InvariantCulture) : "";

    private static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join("/", counts.Values.Order());

    private static MailSettings SettingsFor(StackSettings stack, string user, string password) => MailSettings.Default with
    {
        Tracking = new TrackingSettings(true, ProcessMode.All, null, false, []),
        Credentials = new CredentialsSettings(user, password, false),
        Imap = new ImapSettings(stack["STACK_IMAP_HOST"], stack.Port("STACK_IMAPS_PORT"), ImapSecurity.Ssl, DontValidateCertificate: true, null),
    };

    internal static async Task<IHost> ConnectClientAsync(string connectionString, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
            // The benchmark kills silos on purpose: the client's complaints about it are expected.
            ["Logging:LogLevel:Default"] = "Error",
        });
        builder.UseOrleansClient(client => client.UseSplynxCluster(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>SMTP accept to the event at the admins' SignalR clients, to the grain's observer event (what the web host relays), and to EXISTS at a bare session.</summary>
    private sealed record PushFigures(Percentiles SignalR, int SignalRMissed, Percentiles Grain, int GrainMissed, Percentiles Bare, int BareMissed);

    private static async Task<PushFigures> PushAsync(StackSettings stack, IGrainFactory grains, Uri webHost, string prefix, IReadOnlyList<string> adminIds,
        Dictionary<string, string> userOf, List<string> bareUsers, string password, int deliveries)
    {
        var random = new Random(11);
        await using var browsers = await SignedInAdmins.ConnectAsync(webHost, prefix, adminIds);
        var watch = new PushWatch();
        var reference = grains.CreateObjectReference<IMailboxObserver>(watch);
        foreach (var id in adminIds)
        {
            await grains.GetGrain<IMailboxGrain>(id).SubscribeAsync(reference);
        }
        await using var bare = await BareIdleProgram.IdleSessionsAsync(stack, bareUsers, password);

        var accepted = new ConcurrentDictionary<string, DateTime>();
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(stack["STACK_SMTP_HOST"], stack.Port("STACK_SMTP_PORT"), MailKit.Security.SecureSocketOptions.None);
        var serviceSubjects = new List<string>();
        var bareSubjects = new List<string>();
        for (var i = 0; i < deliveries; i++)
        {
            // Every other delivery goes to a bare session, so both see the server in the same state.
            var toBare = i % 2 == 1;
            var user = toBare ? bareUsers[random.Next(bareUsers.Count)] : userOf[adminIds[random.Next(adminIds.Count)]];
            var subject = $"push {i} {Guid.NewGuid():N}";
            (toBare ? bareSubjects : serviceSubjects).Add(subject);
            var message = new MimeKit.MimeMessage();
            message.From.Add(MimeKit.MailboxAddress.Parse("customer@elsewhere.test"));
            message.To.Add(MimeKit.MailboxAddress.Parse($"{user}@{stack["STACK_MAIL_DOMAIN"]}"));
            message.Subject = subject;
            message.Body = new MimeKit.TextPart("plain") { Text = "Is the outage over?" };
            await smtp.SendAsync(message);
            accepted[subject] = DateTime.UtcNow;
            if (toBare)
            {
                bare.Accepted(user, DateTime.UtcNow);
            }
            await Task.Delay(300);
        }
        await smtp.DisconnectAsync(true);
        await Task.Delay(TimeSpan.FromSeconds(15));
        foreach (var id in adminIds)
        {
            await grains.GetGrain<IMailboxGrain>(id).UnsubscribeAsync(reference);
        }

        List<double> Latencies(ConcurrentDictionary<string, DateTime> seen) =>
            [.. serviceSubjects.Where(seen.ContainsKey).Select(subject => (seen[subject] - accepted[subject]).TotalMilliseconds)];
        var signalR = Latencies(browsers.Seen);
        var grain = Latencies(watch.Seen);
        var bareLatencies = bare.Latencies();
        return new PushFigures(new Percentiles(signalR), serviceSubjects.Count - signalR.Count, new Percentiles(grain), serviceSubjects.Count - grain.Count,
            new Percentiles(bareLatencies), bareSubjects.Count - bareLatencies.Count);
    }

    private sealed class PushWatch : IMailboxObserver
    {
        public ConcurrentDictionary<string, DateTime> Seen { get; } = new();

        public Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents)
        {
            var now = DateTime.UtcNow;
            foreach (var messageEvent in messageEvents)
            {
                if (messageEvent is { Kind: MessageEventKind.Received, Summary.Subject: { } subject })
                {
                    Seen.TryAdd(subject, now);
                }
            }
            return Task.CompletedTask;
        }

        public Task OnStatusChangedAsync(string mailboxId, MailboxStatus status) => Task.CompletedTask;

        public Task OnEmailStatusAsync(string senderId, Sending.EmailStatusEvent emailStatus) => Task.CompletedTask;
    }

    private static async Task DeliverAsync(StackSettings stack, IEnumerable<string> users, string subject)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(stack["STACK_SMTP_HOST"], stack.Port("STACK_SMTP_PORT"), MailKit.Security.SecureSocketOptions.None);
        foreach (var user in users)
        {
            var message = new MimeKit.MimeMessage();
            message.From.Add(MimeKit.MailboxAddress.Parse("customer@elsewhere.test"));
            message.To.Add(MimeKit.MailboxAddress.Parse($"{user}@{stack["STACK_MAIL_DOMAIN"]}"));
            message.Subject = subject;
            message.Body = new MimeKit.TextPart("plain") { Text = "Sent while the silo was down." };
            await smtp.SendAsync(message);
        }
        await smtp.DisconnectAsync(true);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string condition)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM mailbox_presence WHERE {condition}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<Dictionary<string, int>> CountsAsync(NpgsqlDataSource dataSource, IEnumerable<SiloProcess> silos)
    {
        var counts = silos.ToDictionary(silo => silo.Endpoint, _ => 0);
        await using var command = dataSource.CreateCommand("SELECT split_part(silo, '@', 1), count(*)::int FROM mailbox_presence WHERE enabled AND silo IS NOT NULL GROUP BY 1");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            if (counts.ContainsKey(reader.GetString(0)))
            {
                counts[reader.GetString(0)] = reader.GetInt32(1);
            }
        }
        return counts;
    }

    /// <summary>Until every silo holds within 10 % of the mean, or the time is up; the counts then.</summary>
    private static async Task<Dictionary<string, int>> WaitForSpreadAsync(NpgsqlDataSource dataSource, List<SiloProcess> silos, int total, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var counts = await CountsAsync(dataSource, silos);
            var mean = total / (double)silos.Count;
            if (counts.Values.All(count => Math.Abs(count - mean) <= 0.1 * mean) || clock.Elapsed > timeout)
            {
                return counts;
            }
            await Task.Delay(1000);
        }
    }

    private static async Task<List<string>> HeldByAsync(NpgsqlDataSource dataSource, string endpoint)
    {
        await using var command = dataSource.CreateCommand("SELECT mailbox_id FROM mailbox_presence WHERE enabled AND split_part(silo, '@', 1) = @endpoint");
        command.Parameters.AddWithValue("endpoint", endpoint);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>Of <paramref name="ids"/>, how many a silo other than <paramref name="endpoint"/> holds, and how many of those are idle.</summary>
    private static async Task<(long Elsewhere, long Idle)> WhereAsync(NpgsqlDataSource dataSource, List<string> ids, string endpoint)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*), count(*) FILTER (WHERE state = 'idle') FROM mailbox_presence WHERE mailbox_id = ANY(@ids) AND split_part(silo, '@', 1) <> @endpoint");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("endpoint", endpoint);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long> StoredCountAsync(NpgsqlDataSource dataSource, List<string> ids, string subject)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM mail_messages WHERE mailbox_id = ANY(@ids) AND subject = @subject");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        command.Parameters.AddWithValue("subject", subject);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    internal static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {timeout}.");
            }
            await Task.Delay(250);
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Latencies in milliseconds, and their percentiles (100 = the maximum).</summary>
internal sealed class Percentiles(IEnumerable<double> values)
{
    private readonly double[] _sorted = [.. values.Order()];

    public double P(int percent) => _sorted.Length == 0 ? double.NaN
        : _sorted[Math.Clamp((int)Math.Ceiling(percent / 100.0 * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using MailKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using Xunit.Abstractions;

namespace Splynx.Orleans.Tests.Cluster;

/// <summary>
/// How the silos share the mailboxes: a dead or stopped silo's mailboxes resume on the others at once, a silo that
/// joins takes its share, and the silos together keep one connect limit per mail server.
/// </summary>
public sealed class MailboxFailoverTests(ITestOutputHelper output)
{
    private const int MailboxCount = 12;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The product's failure detection, and keep-alive reminders too slow to be what brings the mailboxes back:
    /// only the takeover on a membership change can make the bound.
    /// </summary>
    private static readonly Dictionary<string, string?> ProductionFailover = new(SiloCluster.ProductionFailureDetection)
    {
        ["Mail:Sync:KeepAlivePeriod"] = "00:10:00",
        // Nothing moves for balance meanwhile, so the mailboxes a silo held when it went are the ones it held.
        ["Mail:Cluster:SpreadTolerance"] = "100",
    };

    private sealed record Box(string Id, MailUser User);

    [Fact]
    public async Task The_mailboxes_of_a_killed_silo_sync_again_on_the_survivors_within_30_seconds_and_lose_nothing()
    {
        await using var harness = await MailboxHarness.StartAsync(ProductionFailover, silos: 3);
        var boxes = await EnableMailboxesAsync(harness, MailboxCount);
        var holders = await HoldersAsync(harness, boxes);
        var victim = holders.Values.GroupBy(silo => silo).OrderByDescending(group => group.Count()).First().Key;
        var moved = boxes.Where(box => holders[box.Id] == victim).ToList();

        var clock = Stopwatch.StartNew();
        harness.Cluster.Kill(victim);
        // Mail that arrives while nobody holds the mailbox is stored once it is back.
        await Task.WhenAll(moved.Select(box => DeliverAsync(box, "during the gap")));
        // Watched in the database: asking a grain how it is would wake it, which is what is under test.
        await WaitUntilIdleElsewhereAsync(harness, moved, victim, TimeSpan.FromSeconds(45));
        var resumed = clock.Elapsed;
        output.WriteLine($"{moved.Count} mailboxes of the killed silo idle on the survivors {resumed.TotalSeconds:F1} s after kill -9");

        Assert.True(resumed <= TimeSpan.FromSeconds(30), $"{moved.Count} mailboxes took {resumed.TotalSeconds:F1} s to resume\n{harness.Cluster.Output}");
        foreach (var box in moved)
        {
            var stored = await harness.WaitForStoredAsync(box.Id, 1, Settle);
            Assert.Equal(["during the gap"], stored.Select(row => row.Subject));
        }
    }

    [Fact]
    public async Task The_mailboxes_of_a_stopped_silo_resume_on_the_others()
    {
        await using var harness = await MailboxHarness.StartAsync(ProductionFailover, silos: 2);
        var boxes = await EnableMailboxesAsync(harness, MailboxCount);
        var holders = await HoldersAsync(harness, boxes);
        var stopped = holders.Values.GroupBy(silo => silo).OrderByDescending(group => group.Count()).First().Key;
        var moved = boxes.Where(box => holders[box.Id] == stopped).ToList();

        var clock = Stopwatch.StartNew();
        await harness.Cluster.StopAsync(stopped);
        await WaitUntilIdleElsewhereAsync(harness, moved, stopped, TimeSpan.FromSeconds(30));
        output.WriteLine($"{moved.Count} mailboxes of the stopped silo idle on the other {clock.Elapsed.TotalSeconds:F1} s after SIGTERM");
        await DeliverAsync(moved[0], "after the stop");
        Assert.Equal(["after the stop"], (await harness.WaitForStoredAsync(moved[0].Id, 1, Settle)).Select(row => row.Subject));
    }

    [Fact]
    public async Task A_silo_that_joins_a_running_cluster_takes_its_share_of_the_mailboxes()
    {
        await using var harness = await MailboxHarness.StartAsync(new Dictionary<string, string?> { ["Mail:Cluster:SpreadCheckInterval"] = "00:00:05" }, silos: 2);
        var boxes = await EnableMailboxesAsync(harness, MailboxCount);

        var joined = await harness.Cluster.StartSiloAsync();
        var holders = await Eventually.ReturnsAsync(() => HoldersAsync(harness, boxes),
            current => current.Values.Count(silo => silo == joined) >= MailboxCount / 3 - 1, Settle, "the new silo to hold its share");

        output.WriteLine("mailboxes per silo: " + string.Join(", ", holders.Values.GroupBy(silo => silo).Select(group => $"{group.Key}: {group.Count()}")));
        foreach (var box in boxes)
        {
            await MailboxHarness.WaitForStateAsync(harness.Mailbox(box.Id), MailboxState.Idle, Settle);
        }
        // Moved mailboxes go on syncing where they went.
        var mover = boxes.First(box => holders[box.Id] == joined);
        await DeliverAsync(mover, "after the move");
        Assert.Equal(["after the move"], (await harness.WaitForStoredAsync(mover.Id, 1, Settle)).Select(row => row.Subject));
    }

    [Fact]
    public async Task Two_silos_share_one_connect_limit_per_mail_server()
    {
        const int perSecond = 4;
        await using var relay = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await MailboxHarness.StartAsync(
            new Dictionary<string, string?> { ["Mail:Sync:ConnectsPerSecond"] = perSecond.ToString(CultureInfo.InvariantCulture) }, silos: 2);
        var users = await CreateUsersAsync(24);

        await Task.WhenAll(users.Select((user, index) => harness.EnableAsync($"gate-{Guid.NewGuid():N}-{index}",
            MailboxHarness.SettingsFor(user, MailboxHarness.Tracking()) with
            {
                Imap = new ImapSettings("127.0.0.1", relay.Port, ImapSecurity.StartTls, DontValidateCertificate: true, null),
            })));
        await Eventually.TrueAsync(() => Task.FromResult(relay.Accepted.Count >= users.Count), Settle, "every mailbox to connect");

        var silos = (await harness.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count;
        var mostInASecond = relay.MostWithin(TimeSpan.FromSeconds(1));
        output.WriteLine($"{relay.Accepted.Count} connects from {silos} silos; at most {mostInASecond} within one second");
        Assert.Equal(2, silos);
        // One second's burst plus one second's rate, across both silos (each on its own would allow twice that).
        Assert.True(mostInASecond <= 2 * perSecond + 1, $"{mostInASecond} connects within one second");
    }

    private static async Task<List<MailUser>> CreateUsersAsync(int count)
    {
        var users = new List<MailUser>();
        for (var index = 0; index < count; index++)
        {
            users.Add(await LocalStack.CreateMailUserAsync("share"));
        }
        return users;
    }

    private static async Task<List<Box>> EnableMailboxesAsync(MailboxHarness harness, int count)
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var boxes = (await CreateUsersAsync(count)).Select((user, index) => new Box($"share-{run}-{index}", user)).ToList();
        await Task.WhenAll(boxes.Select(box => harness.EnableAsync(box.Id, MailboxHarness.SettingsFor(box.User, MailboxHarness.Tracking()))));
        foreach (var box in boxes)
        {
            await MailboxHarness.WaitForStateAsync(harness.Mailbox(box.Id), MailboxState.Idle, Settle);
        }
        return boxes;
    }

    private static async Task<Dictionary<string, string>> HoldersAsync(MailboxHarness harness, IEnumerable<Box> boxes)
    {
        var holders = new Dictionary<string, string>();
        foreach (var box in boxes)
        {
            holders[box.Id] = (await harness.Mailbox(box.Id).GetStatusAsync().WaitAsync(TimeSpan.FromSeconds(10))).Silo
                ?? throw new InvalidOperationException($"{box.Id} names no silo");
        }
        return holders;
    }

    /// <summary>What each mailbox last published about itself: (silo endpoint, state).</summary>
    private static async Task<Dictionary<string, (string? Silo, string State)>> Published(MailboxHarness harness)
    {
        await using var dataSource = harness.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand("SELECT mailbox_id, silo, state FROM mailbox_presence");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<string, (string?, string)>();
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = (reader.IsDBNull(1) ? null : reader.GetString(1).Split('@')[0], reader.GetString(2));
        }
        return rows;
    }

    private static async Task WaitUntilIdleElsewhereAsync(MailboxHarness harness, IReadOnlyList<Box> boxes, string formerSilo, TimeSpan timeout)
    {
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                var published = await Published(harness);
                return boxes.All(box => published.TryGetValue(box.Id, out var row) && row.Silo is not null && row.Silo != formerSilo && row.State == "idle");
            }, timeout, $"the mailboxes of {formerSilo} idle on another silo");
        }
        catch (TimeoutException exception)
        {
            var published = await Published(harness);
            throw new TimeoutException(exception.Message + "\n" +
                string.Join("\n", boxes.Select(box => $"{box.Id}: {published.GetValueOrDefault(box.Id)}")) + "\n" + harness.Cluster.Output, exception);
        }
    }

    private static async Task DeliverAsync(Box box, string subject)
    {
        using var imap = await MailClients.ImapAsync(box.User);
        await imap.Inbox.AppendAsync(new AppendRequest(MailClients.Message("customer@elsewhere.test", box.User.Address, subject), MessageFlags.None));
        await imap.DisconnectAsync(quit: true);
    }
}

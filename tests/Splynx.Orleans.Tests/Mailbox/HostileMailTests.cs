using System.Globalization;
using MailKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using Xunit.Abstractions;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// Mail built to hurt the parser and the database (<see cref="HostileMail"/>), APPENDed byte for byte to a real Dovecot
/// INBOX and synced: each message is stored or quarantined with a reason, and the sync goes on to the next one.
/// </summary>
public sealed class HostileMailTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Delivered = new(2025, 11, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Every_hostile_message_is_stored_or_quarantined_with_a_reason_and_the_sync_goes_on_to_the_next()
    {
        var corpus = HostileMail.Corpus();
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync("hostile");
        var uids = new Dictionary<uint, HostileMail.Sample>();
        for (var i = 0; i < corpus.Count; i++)
        {
            using var raw = new MemoryStream(corpus[i].Raw);
            uids[await HostileMail.AppendRawAsync(user, raw, Delivered.AddMinutes(i))] = corpus[i];
        }
        // After every hostile one: the sync must get this far.
        await AppendAsync(user, MailClients.Message("customer@elsewhere.test", user.Address, "plain mail after the hostile corpus"),
            deliveredAt: Delivered.AddHours(1));
        var admin = "hostile-" + Guid.NewGuid().ToString("N")[..10];

        // A deny list makes the sync fetch every envelope (Dovecot's reading of these headers) before any body.
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user,
            Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true, denyList: ["spam.example"])));

        await Eventually.TrueAsync(async () => (await StoredUidsAsync(harness, admin)).Count + (await mailbox.GetQuarantineAsync()).Count >= corpus.Count + 1,
            TimeSpan.FromSeconds(120), "every message stored or quarantined");
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var stored = await StoredUidsAsync(harness, admin);
        var quarantined = await mailbox.GetQuarantineAsync();
        foreach (var (uid, sample) in uids.OrderBy(pair => pair.Key))
        {
            var verdict = stored.TryGetValue(uid, out var subject) ? $"stored as '{Shorten(subject)}'"
                : quarantined.FirstOrDefault(item => item.Uid == uid) is { } item ? $"quarantined: {item.Error}" : "MISSING";
            output.WriteLine($"{sample.Name}: {verdict}");
        }

        Assert.Contains("plain mail after the hostile corpus", stored.Values);
        Assert.Empty(stored.Keys.Intersect(quarantined.Select(item => (uint)item.Uid)));
        foreach (var (uid, sample) in uids)
        {
            if (stored.TryGetValue(uid, out var subject))
            {
                Assert.StartsWith(sample.Name, subject, StringComparison.Ordinal);
            }
            else
            {
                Assert.False(sample.MustStore, $"{sample.Name} was not stored");
                var item = Assert.Single(quarantined, item => item.Uid == uid);
                Assert.False(string.IsNullOrWhiteSpace(item.Error), $"{sample.Name} was quarantined without a reason");
            }
        }
        // Each once, and the two sharing a Message-ID (with other contents) both.
        Assert.Equal(corpus.Count + 1, stored.Count + quarantined.Count);
        Assert.Equal(2, stored.Values.Count(subject => subject.StartsWith("same-message-id-", StringComparison.Ordinal)));
        Assert.Equal(stored.Keys.Select(uid => (long)uid).Order(), await SeenUidsAsync(user));
    }

    [Fact]
    public async Task A_100_MB_message_is_stored_while_the_silo_stays_under_its_memory_ceiling()
    {
        // The silo is a process of its own, as in production, and the whole path runs in it (MailKit's FETCH, the spool,
        // the parser, Npgsql): its peak resident memory counts every copy made anywhere, managed or native, which the
        // GC's allocation counter of an in-process silo would not.
        const long MessageSize = 100L * 1024 * 1024;
        const long CeilingAboveBaseline = 64L * 1024 * 1024;
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync("large");
        var admin = "large-" + Guid.NewGuid().ToString("N")[..10];
        await AppendAsync(user, MailClients.Message("customer@elsewhere.test", user.Address, "a small one first"), deliveredAt: Delivered);
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2025, 1, 1))));
        await harness.WaitForStoredAsync(admin, 1);
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        var silo = Assert.Single(harness.Cluster.ProcessIds);

        var path = Path.GetTempFileName();
        try
        {
            await HostileMail.WriteLargeAsync(path, "large-100-mb", MessageSize);
            // Peak memory from here on: writing 5 to clear_refs resets the kernel's high-water mark of the process.
            await File.WriteAllTextAsync($"/proc/{silo}/clear_refs", "5");
            var baseline = MemoryOf(silo, "VmRSS:");
            await using (var raw = File.OpenRead(path))
            {
                await HostileMail.AppendRawAsync(user, raw, Delivered.AddMinutes(1));
            }

            await harness.WaitForStoredAsync(admin, 2, TimeSpan.FromSeconds(180));
            var peak = MemoryOf(silo, "VmHWM:");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"silo resident memory: {baseline / 1048576.0:F0} MB before, peak {peak / 1048576.0:F0} MB while a {new FileInfo(path).Length / 1048576.0:F0} MB message was synced"));
            Assert.Equal(["a small one first", "large-100-mb"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
            Assert.True(peak - baseline < CeilingAboveBaseline,
                $"the silo's resident memory grew by {(peak - baseline) / 1048576.0:F0} MB for a 100 MB message (ceiling {CeilingAboveBaseline / 1048576} MB)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A line of /proc/PID/status, in bytes.</summary>
    private static long MemoryOf(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(line => line.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<Dictionary<uint, string>> StoredUidsAsync(MailboxHarness harness, string admin)
    {
        await using var dataSource = harness.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand("SELECT uid, coalesce(subject, '') FROM mail_messages WHERE mailbox_id = @mailbox");
        command.Parameters.AddWithValue("mailbox", admin);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new Dictionary<uint, string>();
        while (await reader.ReadAsync())
        {
            rows.Add((uint)reader.GetInt64(0), reader.GetString(1));
        }
        return rows;
    }

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + $"... ({text.Length} characters)";
}

using MailKit;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialMailServerTests
{
    /// <summary>Tests that restart the shared Dovecot run alone, after the others.</summary>
    public const string Name = "Mail server restarts";
}

/// <summary>The sync survives what goes wrong in real deployments: servers restarting, connections cut, silos dying, huge mail.</summary>
[Collection(SerialMailServerTests.Name)]
public sealed class MailboxResilienceTests
{
    private static readonly DateTimeOffset LastYear = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly HistoricFrom = new(2025, 1, 1);

    private static string Admin() => "admin-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task After_the_mail_server_restarted_mid_idle_the_mailbox_reconnects_and_misses_nothing()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await MailClients.DeliverAsync(MailClients.Message("a@elsewhere.test", user.Address, "before the restart"));
        await harness.WaitForStoredAsync(admin, 1);

        await LocalStack.RestartImapAsync();
        // Arrives while the mailbox has lost its connection (it is backing off or reconnecting).
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "during the outage"), deliveredAt: DateTimeOffset.UtcNow);

        await harness.WaitForStoredAsync(admin, 2, TimeSpan.FromSeconds(60));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        Assert.Equal(["before the restart", "during the outage"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
    }

    [Fact]
    public async Task A_connection_cut_by_the_server_is_reopened_and_mail_sent_meanwhile_is_stored_once()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        await LocalStack.KickAsync(user);
        await MailClients.DeliverAsync(MailClients.Message("a@elsewhere.test", user.Address, "after the cut"));

        await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(60));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        Assert.Equal(["after the cut"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
    }

    [Fact]
    public async Task A_silo_killed_while_syncing_300_messages_resumes_elsewhere_and_stores_each_exactly_once()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        await cluster.StartSiloAsync();
        await cluster.StartSiloAsync();
        var client = await cluster.ConnectClientAsync();
        var user = await LocalStack.CreateMailUserAsync();
        // Big enough that the import takes a few seconds, so the kill lands in the middle of it.
        await AppendManyAsync(user, 300, attachmentBytes: 256 * 1024);
        var admin = Admin();
        var mailbox = client.GetGrain<IMailboxGrain>(admin);

        Assert.True((await mailbox.UpdateSettingsAsync(SettingsFor(user, Tracking(historicFrom: HistoricFrom)))).Succeeded);
        var holder = (await mailbox.GetStatusAsync()).Silo!;
        long storedAtKill;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((storedAtKill = await CountAsync(database, admin)) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        cluster.Kill(holder);
        Assert.True(storedAtKill is > 0 and < 300, $"{storedAtKill} stored when the silo was killed: the kill must land mid-import to prove anything");

        // Nobody calls the grain: its reminder must bring it back on the surviving silo.
        await Eventually.ReturnsAsync(() => CountAsync(database, admin), count => count >= 300, TimeSpan.FromSeconds(120),
            "all 300 messages after the silo died");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(300, await CountAsync(database, admin));
        Assert.Equal(300, await database.ScalarAsync<long>(
            $"SELECT count(DISTINCT message_id) FROM mail_messages WHERE mailbox_id = '{admin}'"));
        Assert.NotEqual(holder, (await mailbox.GetStatusAsync()).Silo);
    }

    [Fact]
    public async Task A_message_with_a_20_MB_attachment_is_stored_whole()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var content = new byte[20 * 1024 * 1024];
        new Random(20).NextBytes(content);
        var message = MailClients.Message("a@elsewhere.test", user.Address, "big one");
        var builder = new BodyBuilder { TextBody = "see attached" };
        builder.Attachments.Add("big.bin", content, ContentType.Parse("application/octet-stream"));
        message.Body = builder.ToMessageBody();
        await AppendAsync(user, message, deliveredAt: LastYear);
        var admin = Admin();

        await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));

        await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(60));
        var digest = await harness.Database.ScalarAsync<byte[]>($"""
            SELECT sha256(a.content) FROM mail_attachments a JOIN mail_messages m ON m.id = a.message_id
             WHERE m.mailbox_id = '{admin}' AND a.file_name = 'big.bin'
            """);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(content), digest);
    }

    private static Task<long> CountAsync(TestDatabase database, string admin) =>
        database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}'");

    private static async Task AppendManyAsync(MailUser user, int count, int attachmentBytes)
    {
        using var imap = await MailClients.ImapAsync(user);
        var filler = new byte[attachmentBytes];
        var requests = new List<IAppendRequest>();
        for (var i = 0; i < count; i++)
        {
            var message = MailClients.Message($"customer{i}@elsewhere.test", user.Address, $"message {i:000}");
            var builder = new BodyBuilder { TextBody = $"body {i}" };
            builder.Attachments.Add($"file{i}.bin", filler, ContentType.Parse("application/octet-stream"));
            message.Body = builder.ToMessageBody();
            requests.Add(new AppendRequest(message, MessageFlags.None) { InternalDate = LastYear.AddMinutes(i) });
        }
        foreach (var chunk in requests.Chunk(50))
        {
            await imap.Inbox.AppendAsync(chunk);
        }
        await imap.DisconnectAsync(quit: true);
    }
}

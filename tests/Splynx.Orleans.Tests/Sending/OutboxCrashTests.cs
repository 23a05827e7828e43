using System.Diagnostics;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>C3: a send survives a crash without being sent twice, proved by killing the silo in the middle of a send.</summary>
public sealed class OutboxCrashTests
{
    /// <summary>The outbox's settle reminder period (<c>OutboxGrain.KeepReminderAsync</c>).</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_silo_killed_mid_send_leaves_the_email_unknown_and_it_is_never_delivered_twice()
    {
        // The server receives the whole message, then holds its "250 queued": the outcome can only be lost.
        await using var smtp = new ScriptedSmtpServer(holdDataReply: true);
        await using var database = await TestDatabase.CreateAsync();
        await using var cluster = new SiloCluster(database);
        string[] silos = [await cluster.StartSiloAsync(), await cluster.StartSiloAsync()];
        var client = await cluster.ConnectClientAsync();
        var customerAddress = $"ann-{Guid.NewGuid():N}@customer.test";
        var customerId = NewId("cust");
        Assert.NotNull((await client.GetGrain<ICustomerGrain>(customerId).SaveAsync("Ann Customer", CustomerCategory.Customer, [customerAddress])).Customer);
        var admin = NewId("admin");
        var saved = await client.GetGrain<IMailboxGrain>(admin).UpdateSettingsAsync(MailSettings.Default with
        {
            Credentials = new CredentialsSettings($"{admin}@isp.test", "secret", false),
            Smtp = new SmtpSettings(true, null, false, "127.0.0.1", smtp.Port, SmtpSecurity.None, SmtpAuth.Plain, false),
        });
        Assert.True(saved.Succeeded, string.Join("; ", saved.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
        var outbox = client.GetGrain<IOutboxGrain>(admin);
        var management = client.GetGrain<IManagementGrain>(0);

        var clock = Stopwatch.StartNew();
        // The caller hears "queued" at once; the SMTP conversation goes on in the background.
        var queued = await outbox.SendAsync(new SendRequest(customerId, null, "lost in a crash", "Your bill is fine.", null, null));
        Assert.Equal(OutgoingStatus.Queued, queued.Email!.Status);
        var received = await smtp.WaitForMessageAsync(TimeSpan.FromSeconds(30));
        var id = await database.ScalarAsync<long>($"SELECT id FROM mail_outbox WHERE admin_id = '{admin}'");
        var messageId = await database.ScalarAsync<string>($"SELECT message_id FROM mail_outbox WHERE id = {id}");
        Assert.Equal(messageId, received.MessageId);
        Assert.Equal([customerAddress], received.To);
        Assert.Equal("sending", await database.ScalarAsync<string>($"SELECT status FROM mail_outbox WHERE id = {id}"));
        // The grain answers while its send waits on the server (the API shows "sending" as queued).
        Assert.Equal(OutgoingStatus.Queued, (await outbox.GetAsync(queued.Email.Id))?.Status);
        Assert.Equal(1L, await SettleRemindersAsync(database, admin));
        var holder = (await management.GetActivationAddress(outbox))?.Endpoint.ToString();
        Assert.Contains(holder, silos);
        var survivor = silos.Single(silo => silo != holder);

        cluster.Kill(holder!);
        // Whatever the server now answers reaches nobody: the connection died with the silo.
        smtp.ReleaseDataReply();

        // Nobody calls the outbox: its reminder must bring it back on the surviving silo, which settles the email.
        await Eventually.TrueAsync(
            async () => await database.ScalarAsync<string>($"SELECT status FROM mail_outbox WHERE id = {id}") == "unknown",
            ReminderPeriod * 2 + TimeSpan.FromSeconds(30), $"the reminder to settle the interrupted send\n{cluster.Output}");
        // The activation settles the email as it starts; the reminder tick that started it then removes the reminder.
        await Eventually.ReturnsAsync(() => SettleRemindersAsync(database, admin), count => count == 0, TimeSpan.FromSeconds(30),
            "the settle reminder removed once its work was done");

        var email = await outbox.GetAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(OutgoingStatus.Unknown, email!.Status);
        Assert.Equal(messageId, email.MessageId);
        Assert.Contains("may or may not have been sent", email.Error, StringComparison.Ordinal);
        Assert.Equal(survivor, (await management.GetActivationAddress(outbox))?.Endpoint.ToString());

        // Well past two reminder periods since the send began: still that one DATA, never a retry.
        var untilTwoPeriods = ReminderPeriod * 2 + TimeSpan.FromSeconds(10) - clock.Elapsed;
        if (untilTwoPeriods > TimeSpan.Zero)
        {
            await Task.Delay(untilTwoPeriods);
        }
        Assert.True(smtp.DataCommands == 1, $"{smtp.DataCommands} DATA commands; transcript:\n{smtp.Transcript}");
        Assert.Single(smtp.Messages, message => message.MessageId == messageId);
        Assert.Equal(OutgoingStatus.Unknown, (await outbox.GetAsync(email.Id))!.Status);
        Assert.Equal(1, await database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE id = {id}"));
    }

    private static Task<long> SettleRemindersAsync(TestDatabase database, string admin) =>
        database.ScalarAsync<long>($"SELECT count(*) FROM orleans_reminders WHERE reminder_name = 'settle-outbox' AND grain_id LIKE '%{admin}'");
}

using System.Diagnostics;
using System.Net;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using Xunit.Abstractions;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// A loaded mail server now and then loses an IDLE notification and never repeats it. The mailbox must not
/// depend on it: mail is found within the idle check's interval, not at the next message or Sent check.
/// </summary>
public sealed class LostNotificationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mail_whose_idle_notification_was_lost_is_stored_within_the_idle_check()
    {
        await using var relay = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort)) { DropIdleNotifications = true };
        await using var harness = await MailboxHarness.StartAsync(new Dictionary<string, string?>
        {
            // Nothing else would bring the mailbox to look before the test gives up.
            ["Mail:Sync:SentCheckInterval"] = "00:10:00",
            ["Mail:Sync:IdleReissue"] = "00:10:00",
            ["Mail:Sync:IdleCheckInterval"] = "00:00:02",
        });
        var user = await LocalStack.CreateMailUserAsync("lost");
        var mailbox = await harness.EnableAsync("lost-" + Guid.NewGuid().ToString("N")[..8], MailboxHarness.SettingsFor(user, MailboxHarness.Tracking()) with
        {
            // Plain text on loopback, so that the relay can read the conversation.
            Imap = new ImapSettings("127.0.0.1", relay.Port, ImapSecurity.None, DontValidateCertificate: false, null),
        });
        await MailboxHarness.WaitForStateAsync(mailbox, MailboxState.Idle);

        // A delivery that lands while the mailbox is out of IDLE (its check runs every 2 s here) is announced in
        // another answer, which the relay lets through; deliver again until one announcement was lost.
        var delivered = new List<(string, string)>();
        for (var attempt = 1; attempt <= 5 && relay.NotificationsDropped == 0; attempt++)
        {
            var subject = $"announced to nobody {attempt}";
            var clock = Stopwatch.StartNew();
            await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, subject));
            delivered.Add((subject, "in"));
            await harness.WaitForStoredAsync(mailbox.GetPrimaryKeyString(), attempt, TimeSpan.FromSeconds(20));
            output.WriteLine($"'{subject}' stored {clock.Elapsed.TotalSeconds:F1} s after delivery; {relay.NotificationsDropped} IDLE notification(s) lost so far");
        }

        Assert.True(relay.NotificationsDropped >= 1, "the relay lost no notification in five deliveries, so the test proved nothing");
        Assert.Equal(delivered, (await harness.StoredAsync(mailbox.GetPrimaryKeyString())).OrderBy(row => row.Subject));
    }
}

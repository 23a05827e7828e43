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
        await using var relay = new CountingTcpRelay(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort), dropIdleNotifications: true);
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

        var clock = Stopwatch.StartNew();
        await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, "announced to nobody"));
        var stored = await harness.WaitForStoredAsync(mailbox.GetPrimaryKeyString(), 1, TimeSpan.FromSeconds(20));
        output.WriteLine($"stored {clock.Elapsed.TotalSeconds:F1} s after delivery; {relay.NotificationsDropped} IDLE notification(s) lost");

        Assert.Equal([("announced to nobody", "in")], stored);
        Assert.True(relay.NotificationsDropped >= 1, "the relay lost no notification, so the test proved nothing");
    }
}

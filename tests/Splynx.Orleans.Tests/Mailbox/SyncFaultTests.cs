using System.Globalization;
using System.Net;
using MailKit;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using Xunit.Abstractions;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// The sync against the real Dovecot through a <see cref="FaultProxy"/>: a connection that is reset, stalls, drips,
/// lags, is cut in the middle of a FETCH literal or of an IDLE, is refused or never greeted, during the historic import,
/// in IDLE and during a Sent-folder check. After each the mailbox recovers by itself within its timeout and backoff,
/// every message is stored exactly once, and \Seen is set only on stored messages.
/// </summary>
public sealed class SyncFaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan IdleCheckInterval = TimeSpan.FromSeconds(2);

    // Scheduling, logins and a silo on two busy cores: what is added to every bound below, never a claim of speed.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(8);

    private static readonly DateTimeOffset Delivered = new(2025, 11, 3, 9, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string?> FaultTiming = new()
    {
        ["Mail:Sync:CommandTimeout"] = Format(CommandTimeout),
        ["Mail:Sync:InitialBackoff"] = Format(InitialBackoff),
        ["Mail:Sync:MaxBackoff"] = Format(MaxBackoff),
        ["Mail:Sync:IdleCheckInterval"] = Format(IdleCheckInterval),
        ["Mail:Sync:SummaryBatchSize"] = "10",
        ["Mail:Sync:FetchBatchSize"] = "5",
    };

    // The body fetch of the import (MailKit's GetStreams): "A0012 UID FETCH 6:10 (UID BODY.PEEK[])".
    private const string BodyFetch = @"UID FETCH .*BODY\.PEEK\[\]";

    [Theory]
    [InlineData(Fault.CutInLiteral)]
    [InlineData(Fault.Reset)]
    [InlineData(Fault.Stall)]
    [InlineData(Fault.Drip)]
    [InlineData(Fault.Delay)]
    public async Task A_fault_during_the_historic_import_loses_nothing_duplicates_nothing_and_marks_nothing_unstored(Fault fault)
    {
        await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await StartAsync(FaultTiming);
        var user = await LocalStack.CreateMailUserAsync("fault");
        var subjects = await AppendHistoryAsync(user, 24);
        var notAMessage = await AppendNotAMessageAsync(user);
        // The second of five body fetches: some batches are stored before the fault, the rest after it.
        proxy.InjectWhenClientSends(BodyFetch, fault, occurrence: 2);
        var admin = NewId();

        var mailbox = await harness.EnableAsync(admin, Through(proxy, user, Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true)));

        await Eventually.TrueAsync(async () => (await harness.StoredAsync(admin)).Count >= subjects.Count && (await mailbox.GetQuarantineAsync()).Count >= 1,
            TimeSpan.FromSeconds(90), "the history stored and the broken message quarantined");
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        output.WriteLine(string.Join('\n', proxy.Injected));
        Assert.Contains(proxy.Injected, line => line.Contains(fault.ToString(), StringComparison.Ordinal));
        if (fault is Fault.Reset or Fault.Stall or Fault.CutInLiteral)
        {
            AssertReconnectedInTime(proxy, fault);
        }
        await AssertEachStoredOnceAndOnlyStoredSeenAsync(harness, admin, user, subjects, notAMessage);
    }

    [Theory]
    [InlineData(Fault.Refuse)]
    [InlineData(Fault.DropGreeting)]
    public async Task A_server_that_refuses_or_never_greets_is_retried_and_synced_once_it_answers(Fault fault)
    {
        await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await StartAsync(FaultTiming);
        var user = await LocalStack.CreateMailUserAsync("fault");
        var subjects = await AppendHistoryAsync(user, 3);
        proxy.Inject(fault);
        var admin = NewId();

        var mailbox = await harness.EnableAsync(admin, Through(proxy, user, Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true)));

        // Each attempt must give up within the command timeout: a greeting that never comes is not waited for minutes.
        var failed = await Eventually.ReturnsAsync(() => mailbox.GetStatusAsync(), status => status.State == MailboxState.Error,
            CommandTimeout + Slack, "the mailbox to report the failure");
        output.WriteLine($"{failed.ErrorKind}: {failed.Error}");
        Assert.Equal(fault == Fault.Refuse ? MailErrorKind.Connect : MailErrorKind.Timeout, failed.ErrorKind);
        if (fault == Fault.DropGreeting)
        {
            await Eventually.TrueAsync(() => Task.FromResult(proxy.Accepted.Count >= 2), CommandTimeout + MaxBackoff * 1.5 + Slack,
                "a second attempt after the first timed out");
        }
        Assert.Empty(await harness.StoredAsync(admin));

        var healed = DateTime.UtcNow;
        proxy.Heal();
        await harness.WaitForStoredAsync(admin, subjects.Count, CommandTimeout + MaxBackoff * 1.5 + Slack);
        output.WriteLine($"stored {(DateTime.UtcNow - healed).TotalSeconds:F1} s after the server answered again; {proxy.Accepted.Count} connects");
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await AssertEachStoredOnceAndOnlyStoredSeenAsync(harness, admin, user, subjects, notAMessage: null);
    }

    [Theory]
    [InlineData(Fault.CutInIdle)]
    [InlineData(Fault.Reset)]
    [InlineData(Fault.Stall)]
    public async Task A_fault_during_idle_is_noticed_and_mail_delivered_meanwhile_is_stored_once(Fault fault)
    {
        await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await StartAsync(FaultTiming);
        var user = await LocalStack.CreateMailUserAsync("fault");
        var admin = NewId();
        var mailbox = await harness.EnableAsync(admin, Through(proxy, user, Tracking(markAsRead: true)));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Eventually.TrueAsync(() => Task.FromResult(proxy.OpenConnections == 1), TimeSpan.FromSeconds(10), "one connection, in IDLE");
        var connects = proxy.Accepted.Count;

        proxy.Inject(fault);
        var injected = DateTime.UtcNow;
        await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, "delivered during the fault"));

        // A stalled IDLE looks like a quiet one until the next check asks something: noticed within one check and one command timeout.
        var bound = (fault == Fault.Stall ? IdleCheckInterval + CommandTimeout : TimeSpan.Zero) + InitialBackoff * 1.5 + Slack;
        await Eventually.TrueAsync(() => Task.FromResult(proxy.Accepted.Count > connects), bound, "a new connection after the fault");
        output.WriteLine($"reconnected {(proxy.Accepted[connects] - injected).TotalSeconds:F1} s after the fault\n{string.Join('\n', proxy.Injected)}");
        await harness.WaitForStoredAsync(admin, 1, bound);
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await AssertEachStoredOnceAndOnlyStoredSeenAsync(harness, admin, user, ["delivered during the fault"], notAMessage: null, seenFolder: "INBOX");
    }

    [Theory]
    [InlineData(@"STATUS ""?Sent", Fault.Stall)]
    [InlineData(@"SELECT ""?Sent", Fault.Reset)]
    [InlineData(BodyFetch, Fault.CutInLiteral)]
    public async Task A_fault_during_the_sent_check_stores_the_sent_mail_once(string command, Fault fault)
    {
        await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await StartAsync(FaultTiming);
        var user = await LocalStack.CreateMailUserAsync("fault");
        var admin = NewId();
        var mailbox = await harness.EnableAsync(admin, Through(proxy, user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        var connects = proxy.Accepted.Count;

        // Only the Sent folder gets mail from here on, so the next SELECT and body fetch are the Sent check's.
        proxy.InjectWhenClientSends(command, fault);
        await AppendAsync(user, MailClients.Message(user.Address, "customer@elsewhere.test", "sent from another client"), MessageFlags.Seen, folder: "Sent");

        await Eventually.TrueAsync(() => Task.FromResult(proxy.Injected.Any(line => line.Contains(fault.ToString(), StringComparison.Ordinal))),
            TimeSpan.FromSeconds(20), "the fault to take effect");
        await Eventually.TrueAsync(() => Task.FromResult(proxy.Accepted.Count > connects), CommandTimeout + InitialBackoff * 1.5 + Slack,
            "a new connection after the fault");
        output.WriteLine(string.Join('\n', proxy.Injected));
        var stored = await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(30));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal([("sent from another client", "out")], await harness.StoredAsync(admin));
        Assert.Single(stored);
    }

    [Fact]
    public async Task Mail_synced_under_random_faults_from_a_seed_is_stored_exactly_once_and_only_stored_mail_is_marked_read()
    {
        // A fixed seed: the same faults in the same order on every run (their moments depend on the machine).
        const int Seed = 16;
        await using var proxy = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
        await using var harness = await StartAsync(FaultTiming);
        var user = await LocalStack.CreateMailUserAsync("chaos");
        var subjects = new List<string>(await AppendHistoryAsync(user, 15));
        var admin = NewId();
        await harness.EnableAsync(admin, Through(proxy, user, Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true)));

        var faults = proxy.RandomFaultsAsync(Seed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));
        for (var i = 0; i < 10; i++)
        {
            var subject = $"delivered under faults {i}";
            await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, subject));
            subjects.Add(subject);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
        }
        var picked = await faults;
        output.WriteLine($"seed {Seed}: {string.Join(", ", picked)}\n{string.Join('\n', proxy.Injected)}");

        // Healed: within a stalled command's timeout and the longest backoff, everything is in.
        await harness.WaitForStoredAsync(admin, subjects.Count, CommandTimeout + MaxBackoff * 1.5 + IdleCheckInterval + Slack * 2);
        await WaitForStateAsync(harness.Mailbox(admin), MailboxState.Idle);
        await AssertEachStoredOnceAndOnlyStoredSeenAsync(harness, admin, user, subjects, notAMessage: null);
    }

    /// <summary>Reconnected within the command timeout (a stall is noticed only by it) and the first pause of the backoff.</summary>
    private void AssertReconnectedInTime(FaultProxy proxy, Fault fault)
    {
        var accepted = proxy.Accepted;
        Assert.True(accepted.Count >= 2, $"no reconnect after {fault}");
        var injectedAt = DateTime.ParseExact(proxy.Injected.First(line => line.Contains(fault.ToString(), StringComparison.Ordinal))[..12], "HH:mm:ss.fff",
            CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        var reconnectedAfter = accepted[1].TimeOfDay - injectedAt.TimeOfDay;
        output.WriteLine($"reconnected {reconnectedAfter.TotalSeconds:F1} s after the fault");
        var bound = (fault == Fault.Stall ? CommandTimeout : TimeSpan.Zero) + InitialBackoff * 1.5 + Slack;
        Assert.True(reconnectedAfter <= bound, $"reconnected {reconnectedAfter.TotalSeconds:F1} s after the fault; promised within {bound.TotalSeconds:F1} s");
    }

    private static async Task AssertEachStoredOnceAndOnlyStoredSeenAsync(MailboxHarness harness, string admin, MailUser user,
        IReadOnlyList<string> subjects, uint? notAMessage, string seenFolder = "INBOX")
    {
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stored = await harness.StoredAsync(admin);
        Assert.Equal(subjects.Order(StringComparer.Ordinal), stored.Select(row => row.Subject).Order(StringComparer.Ordinal));
        var quarantined = await harness.Mailbox(admin).GetQuarantineAsync();
        Assert.Equal(notAMessage is null ? [] : [(long)notAMessage.Value], quarantined.Select(item => item.Uid));

        using var imap = await MailClients.ImapAsync(user);
        var folder = await imap.GetFolderAsync(seenFolder);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await folder.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        await imap.DisconnectAsync(quit: true);
        var seen = summaries.Where(summary => summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen)).ToList();
        Assert.DoesNotContain(seen, summary => summary.UniqueId.Id == notAMessage);
        Assert.Equal(subjects.Order(StringComparer.Ordinal), seen.Select(summary => summary.Envelope?.Subject ?? "").Order(StringComparer.Ordinal));
    }

    /// <summary>Unread mail delivered over the last days, oldest first, as a mail client would APPEND it.</summary>
    private static async Task<IReadOnlyList<string>> AppendHistoryAsync(MailUser user, int count)
    {
        var subjects = new List<string>();
        using var imap = await MailClients.ImapAsync(user);
        for (var i = 0; i < count; i++)
        {
            var subject = $"history {i:00}";
            var message = MailClients.Message($"sender{i}@elsewhere.test", user.Address, subject);
            message.Body = new TextPart("plain") { Text = string.Concat(Enumerable.Repeat($"line {i} of a message long enough to span reads\r\n", 40)) };
            await imap.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.None) { InternalDate = Delivered.AddMinutes(i) });
            subjects.Add(subject);
        }
        await imap.DisconnectAsync(quit: true);
        return subjects;
    }

    /// <summary>Bytes that are no message (no header at all), in the middle of the history: quarantined, never marked read.</summary>
    private static async Task<uint> AppendNotAMessageAsync(MailUser user)
    {
        using var imap = await MailClients.ImapAsync(user);
        using var body = new MemoryStream("\r\nJust a body that lost its header.\r\n"u8.ToArray());
        var message = await MimeMessage.LoadAsync(body);
        var uid = await imap.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.None) { InternalDate = Delivered.AddHours(-1) });
        await imap.DisconnectAsync(quit: true);
        return uid!.Value.Id;
    }

    /// <summary>The user's account reached through the proxy, in plain text so that the proxy can read the conversation.</summary>
    internal static MailSettings Through(FaultProxy proxy, MailUser user, TrackingSettings tracking) => SettingsFor(user, tracking) with
    {
        Imap = new ImapSettings("127.0.0.1", proxy.Port, ImapSecurity.None, DontValidateCertificate: false, null),
    };

    private static string NewId() => "fault-" + Guid.NewGuid().ToString("N")[..10];

    private static string Format(TimeSpan span) => span.ToString("c", CultureInfo.InvariantCulture);
}

using System.Collections.Concurrent;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Xunit.Abstractions;
using static Splynx.Orleans.Tests.Infrastructure.ScriptedImapServer;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// The mailbox grain, in a real silo process, against <see cref="ScriptedImapServer"/>: the IMAP edge
/// cases that Dovecot will not produce on demand. The silo's MailKit client talks to the scripted
/// server over loopback; what counts is what ends up in PostgreSQL, on the server, and at observers.
/// Each test prints the IMAP transcript, which explains a failure.
/// </summary>
public sealed class ScriptedServerSyncTests(ITestOutputHelper output)
{
    private static readonly DateOnly HistoricFrom = new(2025, 1, 1);
    private static readonly DateTimeOffset LastSummer = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task MailKit_reads_folders_envelopes_and_bodies_from_the_scripted_server()
    {
        await using var server = new ScriptedImapServer();
        var message = Mail("A \"quoted\" subject \\ with a backslash", from: "zoe@customer.test", name: "Zoë Sender");
        var uid = server.AddMessage(Inbox, message, MessageFlags.Seen, LastSummer);
        try
        {
            using var client = new ImapClient();
            await client.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await client.AuthenticateAsync(server.Username, server.Password);
            var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0]);
            Assert.Contains(folders, folder => folder.FullName == Sent && folder.Attributes.HasFlag(FolderAttributes.Sent));

            await client.Inbox.OpenAsync(FolderAccess.ReadWrite);
            var since = await client.Inbox.SearchAsync(SearchQuery.DeliveredAfter(new DateTime(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc)));
            Assert.Equal([uid], since.Select(found => found.Id));
            // n:* covers the highest UID even when n is above it, as with real servers.
            var above = await client.Inbox.SearchAsync(SearchQuery.Uids(new UniqueIdRange(new UniqueId(uid + 10), UniqueId.MaxValue)));
            Assert.Equal([uid], above.Select(found => found.Id));

            var summary = Assert.Single(await client.Inbox.FetchAsync(since,
                MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope));
            var envelope = Assert.IsType<Envelope>(summary.Envelope);
            Assert.Equal(message.Subject, envelope.Subject);
            Assert.Equal(message.MessageId, envelope.MessageId);
            var sender = Assert.Single(envelope.From.Mailboxes);
            Assert.Equal(("Zoë Sender", "zoe@customer.test"), (sender.Name, sender.Address));
            Assert.Equal(LastSummer, summary.InternalDate);
            Assert.True(summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen));

            var body = await client.Inbox.GetMessageAsync(since[0]);
            Assert.Equal(message.TextBody, body.TextBody?.TrimEnd());
            await client.DisconnectAsync(quit: true);

            using var intruder = new ImapClient();
            await intruder.ConnectAsync("127.0.0.1", server.Port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<AuthenticationException>(() => intruder.AuthenticateAsync(server.Username, "wrong"));
            Assert.Equal(1, server.Logins);
        }
        finally
        {
            output.WriteLine(server.TranscriptText());
        }
    }

    [Fact]
    public async Task A_uidvalidity_change_imports_the_new_message_without_storing_or_announcing_the_others_again()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("first"), internalDate: LastSummer.AddDays(1));
        server.AddMessage(Inbox, Mail("second"), internalDate: LastSummer.AddDays(2));
        server.AddMessage(Inbox, Mail("third"), internalDate: LastSummer.AddDays(3));
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(3);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        // The server rebuilds its index while a message restored from a backup (delivered before the
        // others) reappears: under the new UIDVALIDITY it is UID 1, below every UID the sync has seen.
        using (server.Outage())
        {
            server.AddMessage(Inbox, Mail("restored"), internalDate: LastSummer);
            server.ChangeUidValidity(Inbox);
        }

        await scripted.WaitForStoredAsync(4);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await SettleAsync();
        Assert.Equal(["first", "restored", "second", "third"], (await scripted.StoredSubjectsAsync()).Order());
        Assert.Equal(["first", "second", "third", "restored"], scripted.Observer.ReceivedSubjects);
        Assert.True(server.Logins >= 2, $"expected a new session after the outage, saw {server.Logins} login(s)");
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task After_a_uidvalidity_change_messages_sharing_a_message_id_are_each_recognised_and_none_is_announced_again()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        var direct = Mail("outage tonight");
        var listCopy = Mail("[noc-list] outage tonight");
        listCopy.MessageId = direct.MessageId!;
        var firstAlert = Mail("PROBLEM: Interface down", from: "zabbix@noc.test");
        var secondAlert = Mail("PROBLEM: Interface down", from: "zabbix@noc.test");
        firstAlert.Headers.Remove(HeaderId.MessageId);
        secondAlert.Headers.Remove(HeaderId.MessageId);
        secondAlert.Body = new TextPart("plain") { Text = "Host: olt-south-02" };
        string[] subjects = ["outage tonight", "[noc-list] outage tonight", "PROBLEM: Interface down", "PROBLEM: Interface down"];
        server.AddMessage(Inbox, direct, internalDate: LastSummer.AddDays(1));
        server.AddMessage(Inbox, listCopy, internalDate: LastSummer.AddDays(2));
        server.AddMessage(Inbox, firstAlert, internalDate: LastSummer.AddDays(3));
        server.AddMessage(Inbox, secondAlert, internalDate: LastSummer.AddDays(4));
        await scripted.EnableAsync(Tracking(markAsRead: true));
        await scripted.WaitForStoredAsync(4);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        using (server.Outage())
        {
            server.ChangeUidValidity(Inbox);
            server.AddMessage(Inbox, Mail("after the rebuild"), internalDate: LastSummer.AddDays(5));
        }

        await scripted.WaitForStoredAsync(5);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await SettleAsync();
        Assert.Equal([.. subjects, "after the rebuild"], scripted.Observer.ReceivedSubjects);
        Assert.Equal([.. subjects, "after the rebuild"], await scripted.StoredSubjectsAsync());
        // Each marked read once, as itself, before the rebuild; then only the new one.
        Assert.Equal([.. subjects, "after the rebuild"], server.StoredSeen.Select(mark => mark.Subject));
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_message_expunged_while_its_body_is_fetched_is_skipped_and_the_sync_goes_on()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("first"), internalDate: LastSummer);
        var vanishing = server.AddMessage(Inbox, Mail("vanishing"), internalDate: LastSummer.AddDays(1));
        server.AddMessage(Inbox, Mail("third"), internalDate: LastSummer.AddDays(2));
        server.ExpungeBeforeBodyFetchOf(vanishing);

        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(2);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        Assert.Contains(server.Transcript, line => line.EndsWith($"S: * {vanishing} EXPUNGE", StringComparison.Ordinal));
        Assert.Equal(["first", "third"], await scripted.StoredSubjectsAsync());
        Assert.Empty(await scripted.Mailbox.GetQuarantineAsync());
        Assert.Equal(0, (await scripted.Mailbox.GetStatusAsync()).Quarantined);

        server.AddMessage(Inbox, Mail("after the expunge"));
        await scripted.WaitForStoredAsync(3, TimeSpan.FromSeconds(15));
        await SettleAsync();
        Assert.Equal(["first", "third", "after the expunge"], await scripted.StoredSubjectsAsync());
        scripted.AssertNothingRefused();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Disconnected for inactivity.")]
    public async Task An_idle_connection_dropped_by_the_server_is_reopened_and_catches_up_without_duplicates(string? farewell)
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("before the drop"), internalDate: LastSummer);
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(1);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await Eventually.TrueAsync(() => Task.FromResult(server.Idling == 1), TimeSpan.FromSeconds(10), "the mailbox to be in IDLE");
        var loginsBefore = server.Logins;

        // Dropped in IDLE (abruptly, or with a BYE); a message arrives while no connection is open.
        using (server.Outage(farewell))
        {
            server.AddMessage(Inbox, Mail("while disconnected"));
        }

        await scripted.WaitForStoredAsync(2, TimeSpan.FromSeconds(20));
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await SettleAsync();
        Assert.True(server.Logins > loginsBefore, "the mailbox should have logged in again");
        Assert.Equal(["before the drop", "while disconnected"], await scripted.StoredSubjectsAsync());
        Assert.Equal(["before the drop", "while disconnected"], scripted.Observer.ReceivedSubjects);
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_connection_dropped_by_the_server_is_reported_as_the_lost_connection()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("before the drop"), internalDate: LastSummer);
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(1);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await Eventually.TrueAsync(() => Task.FromResult(server.Idling == 1), TimeSpan.FromSeconds(10), "the mailbox to be in IDLE");

        var before = scripted.Observer.Statuses.Count;
        MailboxStatus? error;
        using (server.Outage())
        {
            error = await Eventually.ReturnsAsync(
                () => Task.FromResult(scripted.Observer.Statuses.Skip(before).FirstOrDefault(status => status.State == MailboxState.Error)),
                status => status is not null, TimeSpan.FromSeconds(10), "an error status after the drop");
        }

        // What the person sees is what happened to the connection, not what the clean-up after it tripped over.
        Assert.NotNull(error);
        Assert.DoesNotContain("not connected", error.Error, StringComparison.OrdinalIgnoreCase);
        Assert.True(error.Error?.Contains($"127.0.0.1:{server.Port} was lost", StringComparison.Ordinal), error.Error);
        Assert.Equal(MailErrorKind.Connect, error.ErrorKind);
    }

    [Fact]
    public async Task Without_idle_the_mailbox_polls_with_noop_and_stores_new_mail_within_seconds()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output, idle: false);
        var server = scripted.Server;
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStateAsync(MailboxState.Idle);

        server.AddMessage(Inbox, Mail("polled"));

        await scripted.WaitForStoredAsync(1, TimeSpan.FromSeconds(5));
        Assert.Contains("NOOP", server.Commands);
        Assert.DoesNotContain("IDLE", server.Commands);
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task Mark_as_read_sets_seen_on_every_stored_message_and_on_nothing_else()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("welcome"), internalDate: LastSummer);
        server.AddMessage(Inbox, Mail("denied", from: "noise@denied.test"), internalDate: LastSummer.AddDays(1));
        var vanishing = server.AddMessage(Inbox, Mail("vanishing"), internalDate: LastSummer.AddDays(2));
        server.ExpungeBeforeBodyFetchOf(vanishing);

        await scripted.EnableAsync(Tracking(markAsRead: true, denyList: "denied.test"));
        await scripted.WaitForStoredAsync(1);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        server.AddMessage(Inbox, Mail("arrived later"));
        await scripted.WaitForStoredAsync(2, TimeSpan.FromSeconds(15));
        await Eventually.TrueAsync(() => Task.FromResult(server.StoredSeen.Count >= 2), TimeSpan.FromSeconds(10), "two messages marked \\Seen");
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await SettleAsync();

        Assert.Equal(["welcome", "arrived later"], await scripted.StoredSubjectsAsync());
        Assert.Equal(["welcome", "arrived later"], server.StoredSeen.Select(mark => mark.Subject));
        Assert.True(server.FlagsOf(Inbox, "welcome").HasFlag(MessageFlags.Seen));
        Assert.False(server.FlagsOf(Inbox, "denied").HasFlag(MessageFlags.Seen));
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_connection_lost_while_the_next_batch_is_fetched_still_marks_and_announces_the_batch_already_stored()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        // More than one body batch (Mail:Sync:FetchBatchSize, 20 in tests); the last batch's fetch loses the connection.
        const int Count = 60;
        for (var i = 1; i <= Count; i++)
        {
            server.AddMessage(Inbox, Mail($"message {i:00}"), internalDate: LastSummer.AddMinutes(i));
        }
        server.DropDuringBodyFetchOf(Count);

        await scripted.EnableAsync(Tracking(markAsRead: true));
        await scripted.WaitForStoredAsync(Count);
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await SettleAsync();

        Assert.Equal(Count, (await scripted.StoredSubjectsAsync()).Distinct().Count());
        var unmarked = Enumerable.Range(1, Count).Select(i => $"message {i:00}").Except(server.StoredSeen.Select(mark => mark.Subject)).ToList();
        Assert.True(unmarked.Count == 0, $"stored but never marked \\Seen: {string.Join(", ", unmarked)}");
        var unannounced = Enumerable.Range(1, Count).Select(i => $"message {i:00}").Except(scripted.Observer.ReceivedSubjects).ToList();
        Assert.True(unannounced.Count == 0, $"stored but never announced: {string.Join(", ", unannounced)}");
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_message_the_server_will_not_hand_out_is_quarantined_and_does_not_block_the_rest()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Inbox, Mail("first"), internalDate: LastSummer);
        var unreadable = server.AddMessage(Inbox, Mail("unreadable"), internalDate: LastSummer.AddDays(1));
        server.AddMessage(Inbox, Mail("third"), internalDate: LastSummer.AddDays(2));
        // Every body fetch that includes it ends in NO [SERVERBUG], as Dovecot answers for a message file it cannot read.
        server.RefuseBodyOf(unreadable);

        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(2);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        Assert.Equal(["first", "third"], await scripted.StoredSubjectsAsync());
        var quarantined = Assert.Single(await scripted.Mailbox.GetQuarantineAsync());
        Assert.Equal((Inbox, (long)unreadable), (quarantined.Folder, quarantined.Uid));
        Assert.False(string.IsNullOrWhiteSpace(quarantined.Error));
        server.AddMessage(Inbox, Mail("after the refusal"));
        await scripted.WaitForStoredAsync(3, TimeSpan.FromSeconds(15));
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_message_that_cannot_be_parsed_is_quarantined_with_its_error_and_the_next_one_still_arrives()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        // Bytes that are not a message at all: MimeKit finds no header in them.
        var broken = server.AddRawMessage(Inbox, Mail("broken"), [0x00, 0x01, 0xFF, 0xFE, (byte)'\n'], LastSummer);
        server.AddMessage(Inbox, Mail("fine"), internalDate: LastSummer.AddDays(1));

        await scripted.EnableAsync(Tracking(markAsRead: true));
        await scripted.WaitForStoredAsync(1);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        Assert.Equal(["fine"], await scripted.StoredSubjectsAsync());
        var quarantined = Assert.Single(await scripted.Mailbox.GetQuarantineAsync());
        Assert.Equal((Inbox, (long)broken), (quarantined.Folder, quarantined.Uid));
        Assert.Contains("cannot be parsed", quarantined.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(server.StoredSeen, mark => mark.Uid == broken);
        Assert.Equal(1, (await scripted.Mailbox.GetStatusAsync()).Quarantined);

        // Dropping it empties the quarantine; the sync never brings it back (the cursor is past it).
        Assert.True(await scripted.Mailbox.DropQuarantinedAsync(quarantined.Id));
        Assert.Empty(await scripted.Mailbox.GetQuarantineAsync());
        server.AddMessage(Inbox, Mail("after the drop"));
        await scripted.WaitForStoredAsync(2, TimeSpan.FromSeconds(15));
        Assert.Empty(await scripted.Mailbox.GetQuarantineAsync());
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task Mail_announced_while_the_inbox_is_searched_is_fetched_without_waiting_for_the_idle_to_time_out()
    {
        // Without a Sent folder nothing but new mail ends an IDLE before Mail:Sync:IdleReissue (30 s in tests).
        await using var scripted = await ScriptedMailbox.StartAsync(output, sentFolder: false);
        var server = scripted.Server;
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStateAsync(MailboxState.Idle);
        await Eventually.TrueAsync(() => Task.FromResult(server.Idling == 1), TimeSpan.FromSeconds(10), "the mailbox to be in IDLE");

        // The first message ends the IDLE; the second arrives while the sync searches for the first, so the
        // server announces it (* 2 EXISTS) with that search's answer, before the client idles again.
        server.ArriveDuringNextSearch(Inbox, Mail("arrived during the search"));
        server.AddMessage(Inbox, Mail("ended the idle"));

        await scripted.WaitForStoredAsync(2, TimeSpan.FromSeconds(10));
        Assert.Equal(["ended the idle", "arrived during the search"], await scripted.StoredSubjectsAsync());
        scripted.AssertNothingRefused();
    }

    [Fact]
    public async Task A_server_that_accepts_the_login_but_refuses_the_inbox_is_retried_with_growing_pauses()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.Refuse("SELECT", "NO [UNAVAILABLE] Mailbox is locked by another process");

        await scripted.EnableAsync(Tracking());
        var status = await scripted.WaitForStateAsync(MailboxState.Error);
        Assert.Equal(MailErrorKind.Protocol, status.ErrorKind);
        var loginsBefore = server.Logins;
        await Task.Delay(TimeSpan.FromSeconds(12));

        // Mail:Sync:InitialBackoff is 0.5 s and MaxBackoff 5 s in tests: pauses that double (±50 % jitter) leave
        // room for at most 8 attempts in 12 s; pauses that start over after each successful login allow 11 or more.
        var attempts = server.Logins - loginsBefore;
        Assert.True(attempts <= 8, $"{attempts} logins in 12 s: the pause after a failure does not grow");
    }

    [Fact]
    public async Task A_sent_check_that_finds_nothing_new_asks_for_the_status_only_and_new_sent_mail_is_still_stored()
    {
        await using var scripted = await ScriptedMailbox.StartAsync(output);
        var server = scripted.Server;
        server.AddMessage(Sent, Mail("sent before"), internalDate: LastSummer.AddDays(1));
        await scripted.EnableAsync(Tracking());
        await scripted.WaitForStoredAsync(1);
        await scripted.WaitForStateAsync(MailboxState.Idle);

        // Mail:Sync:SentCheckInterval is 2 s in tests: wait for three more checks.
        var statusesBefore = SentStatuses(server);
        var selectsBefore = SentSelects(server);
        await Eventually.TrueAsync(() => Task.FromResult(SentStatuses(server) >= statusesBefore + 3), TimeSpan.FromSeconds(30), "three more Sent checks");
        Assert.Equal(selectsBefore, SentSelects(server));

        server.AddMessage(Sent, Mail("sent later"));
        await scripted.WaitForStoredAsync(2, TimeSpan.FromSeconds(15));
        Assert.Equal(["sent before", "sent later"], (await scripted.StoredSubjectsAsync()).Order());
        scripted.AssertNothingRefused();

        static int SentStatuses(ScriptedImapServer server) => server.Transcript.Count(line => line.Contains(" C: ", StringComparison.Ordinal)
            && line.Contains(" STATUS ", StringComparison.Ordinal) && line.Contains(Sent, StringComparison.Ordinal));
        static int SentSelects(ScriptedImapServer server) => server.Transcript.Count(line => line.Contains(" C: ", StringComparison.Ordinal)
            && line.Contains(" SELECT ", StringComparison.Ordinal) && line.Contains(Sent, StringComparison.Ordinal));
    }

    /// <summary>Long enough for a Sent check and another IDLE round: whatever would come twice has come.</summary>
    private static Task SettleAsync() => Task.Delay(TimeSpan.FromSeconds(3));

    private static TrackingSettings Tracking(bool markAsRead = false, params string[] denyList) =>
        new(true, ProcessMode.All, HistoricFrom, markAsRead, denyList);

    private static MimeMessage Mail(string subject, string from = "customer@customer.test", string name = "A Customer")
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(name, from));
        message.To.Add(new MailboxAddress("The Admin", "admin@isp.test"));
        message.Subject = subject;
        message.Date = LastSummer;
        message.MessageId = $"{Guid.NewGuid():N}@customer.test";
        message.Body = new TextPart("plain") { Text = $"About: {subject}" };
        return message;
    }

    /// <summary>A silo, a scripted server, and one admin's mailbox pointed at it, with an observer subscribed.</summary>
    private sealed class ScriptedMailbox : IAsyncDisposable
    {
        private readonly ITestOutputHelper _output;
        private readonly IMailboxObserver _observerReference;

        private ScriptedMailbox(ITestOutputHelper output, ScriptedImapServer server, MailboxHarness harness)
        {
            _output = output;
            Server = server;
            Harness = harness;
            _observerReference = harness.Client.CreateObjectReference<IMailboxObserver>(Observer);
        }

        public ScriptedImapServer Server { get; }

        public MailboxHarness Harness { get; }

        public string AdminId { get; } = "admin-" + Guid.NewGuid().ToString("N")[..10];

        public IMailboxGrain Mailbox => Harness.Mailbox(AdminId);

        public RecordingObserver Observer { get; } = new();

        public static async Task<ScriptedMailbox> StartAsync(ITestOutputHelper output, bool idle = true, bool sentFolder = true)
        {
            var server = new ScriptedImapServer(idle: idle, sentFolder: sentFolder);
            MailboxHarness harness;
            try
            {
                harness = await MailboxHarness.StartAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
            var scripted = new ScriptedMailbox(output, server, harness);
            await scripted.Mailbox.SubscribeAsync(scripted._observerReference);
            return scripted;
        }

        public async Task EnableAsync(TrackingSettings tracking)
        {
            var result = await Mailbox.UpdateSettingsAsync(MailSettings.Default with
            {
                Tracking = tracking,
                Credentials = new CredentialsSettings(Server.Username, Server.Password, false),
                Imap = new ImapSettings("127.0.0.1", Server.Port, ImapSecurity.None, DontValidateCertificate: false, null),
            });
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
        }

        public async Task<IReadOnlyList<string>> StoredSubjectsAsync() =>
            [.. (await Harness.StoredAsync(AdminId)).Select(row => row.Subject)];

        public async Task<IReadOnlyList<string>> WaitForStoredAsync(int count, TimeSpan? timeout = null)
        {
            try
            {
                return await Eventually.ReturnsAsync(StoredSubjectsAsync, subjects => subjects.Count >= count,
                    timeout ?? TimeSpan.FromSeconds(30), $"{count} message(s) stored");
            }
            catch (TimeoutException timedOut)
            {
                throw new TimeoutException(
                    $"{timedOut.Message}. Stored: [{string.Join(", ", await StoredSubjectsAsync())}]; " +
                    $"the scripted INBOX holds [{string.Join(", ", Server.UidsAndSubjects(Inbox))}]; status: {await Mailbox.GetStatusAsync()}",
                    timedOut);
            }
        }

        public Task<MailboxStatus> WaitForStateAsync(MailboxState state) =>
            Eventually.ReturnsAsync(() => Mailbox.GetStatusAsync(), status => status.State == state, TimeSpan.FromSeconds(30),
                $"mailbox state {state}");

        /// <summary>The sync only sent commands the server understood (anything else would be answered BAD).</summary>
        public void AssertNothingRefused() =>
            Assert.DoesNotContain(Server.Transcript, line => line.Contains(" S: ", StringComparison.Ordinal) && line.Contains(" BAD ", StringComparison.Ordinal));

        public async ValueTask DisposeAsync()
        {
            _output.WriteLine(Server.TranscriptText());
            Harness.Client.DeleteObjectReference<IMailboxObserver>(_observerReference);
            await Harness.DisposeAsync();
            await Server.DisposeAsync();
        }
    }

    /// <summary>Records what the mailbox announces, in the test process.</summary>
    private sealed class RecordingObserver : IMailboxObserver
    {
        private readonly ConcurrentQueue<MessageEvent> _events = new();
        private readonly ConcurrentQueue<MailboxStatus> _statuses = new();

        /// <summary>Every status the mailbox announced, in order.</summary>
        public IReadOnlyList<MailboxStatus> Statuses => [.. _statuses];

        public IReadOnlyList<string?> ReceivedSubjects =>
            [.. _events.Where(messageEvent => messageEvent.Kind == MessageEventKind.Received).Select(messageEvent => messageEvent.Summary?.Subject)];

        public Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents)
        {
            foreach (var messageEvent in messageEvents)
            {
                _events.Enqueue(messageEvent);
            }
            return Task.CompletedTask;
        }

        public Task OnStatusChangedAsync(string mailboxId, MailboxStatus status)
        {
            _statuses.Enqueue(status);
            return Task.CompletedTask;
        }

        public Task OnEmailStatusAsync(string senderId, global::Splynx.Orleans.Sending.EmailStatusEvent emailStatus) => Task.CompletedTask;
    }
}

using System.Net;
using MailKit;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using Splynx.Orleans.Tests.Mailbox;
using Xunit.Abstractions;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>
/// An email to a customer through the real Postfix and Dovecot, each behind a <see cref="FaultProxy"/>, with the
/// connection failing during SMTP DATA or during the APPEND of the copy to the Sent folder. The email is delivered at
/// most once, its status never says "failed" for mail that may have gone out, and the service holds it once.
/// </summary>
public sealed class SendFaultTests(ITestOutputHelper output)
{
    // Lines of the email's text, so that the proxies can act in the middle of the message and right at its end.
    private const string Middle = "FAULT-MARKER-MIDDLE";
    private const string End = "FAULT-MARKER-END";
    private const string Text = $"The first half of the answer.\r\n{Middle}\r\nThe second half of the answer.\r\n{End}";

    [Fact]
    public async Task A_connection_cut_before_the_message_was_written_fails_the_email_and_nothing_is_delivered()
    {
        await using var scenario = await Scenario.StartAsync();
        scenario.Smtp.InjectWhenClientSends("^MAIL FROM", Fault.Reset, beforeForwarding: true);

        var status = await scenario.SendAsync("cut before DATA");

        output.WriteLine($"{status.Status}: {status.Error}\n{string.Join('\n', scenario.Smtp.Injected)}");
        Assert.Equal(OutgoingStatus.Failed, status.Status);
        Assert.NotNull(status.Error);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(await MailClients.InboxSubjectsAsync(scenario.Customer));
        // Never sent, so it is not held as sent mail either.
        Assert.Empty(await scenario.Harness.StoredAsync(scenario.Admin));
    }

    [Fact]
    public async Task A_connection_cut_in_the_middle_of_smtp_data_is_never_reported_sent_nor_delivered_nor_tried_again()
    {
        await using var scenario = await Scenario.StartAsync();
        scenario.Smtp.InjectWhenClientSends(Middle, Fault.Reset);

        var status = await scenario.SendAsync("cut in the middle of DATA");

        output.WriteLine($"{status.Status}: {status.Error}\n{string.Join('\n', scenario.Smtp.Injected)}");
        Assert.Contains(scenario.Smtp.Injected, line => line.Contains(Middle, StringComparison.Ordinal));
        // A message this small is all in the socket's buffers before the proxy cuts it: the service cannot know how much
        // the server read, so "unknown" (held as sent mail) is as right as "failed" (not held). "Sent" never is.
        Assert.Contains(status.Status, new[] { OutgoingStatus.Failed, OutgoingStatus.Unknown });
        Assert.NotNull(status.Error);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(await MailClients.InboxSubjectsAsync(scenario.Customer));
        Assert.Equal(status.Status == OutgoingStatus.Unknown ? [("cut in the middle of DATA", "out")] : [],
            await scenario.Harness.StoredAsync(scenario.Admin));
        Assert.Equal(1, await scenario.Harness.Database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE admin_id = '{scenario.Admin}'"));
    }

    [Fact]
    public async Task An_smtp_answer_lost_after_the_whole_message_went_out_is_unknown_not_failed_and_delivered_once()
    {
        await using var scenario = await Scenario.StartAsync();
        // Postfix gets the whole message and accepts it; its "250 queued" never reaches the service, whose connection is then reset.
        scenario.Smtp.InjectWhenClientSends(End, Fault.LoseAnswers);
        _ = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => Task.FromResult(scenario.Smtp.Injected.Any(line => line.Contains(nameof(Fault.LoseAnswers), StringComparison.Ordinal))),
                TimeSpan.FromSeconds(30), "the answers to be lost");
            await Task.Delay(TimeSpan.FromSeconds(2));
            scenario.Smtp.Inject(Fault.Reset);
        });

        var status = await scenario.SendAsync("answer lost after DATA");

        output.WriteLine($"{status.Status}: {status.Error}\n{string.Join('\n', scenario.Smtp.Injected)}");
        Assert.Equal(OutgoingStatus.Unknown, status.Status);
        await Eventually.TrueAsync(async () => (await MailClients.InboxSubjectsAsync(scenario.Customer)).Count >= 1, TimeSpan.FromSeconds(20),
            "the accepted message to be delivered");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(["answer lost after DATA"], await MailClients.InboxSubjectsAsync(scenario.Customer));
        Assert.Equal([("answer lost after DATA", "out")], await scenario.Harness.StoredAsync(scenario.Admin));
        Assert.Equal(1, await scenario.Harness.Database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE admin_id = '{scenario.Admin}'"));
    }

    [Fact]
    public async Task An_smtp_connection_that_stalls_during_data_is_given_up_within_the_command_timeout_and_never_delivered()
    {
        var commandTimeout = TimeSpan.FromSeconds(3);
        await using var scenario = await Scenario.StartAsync(new Dictionary<string, string?>
        {
            ["Mail:Send:CommandTimeout"] = commandTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
        scenario.Smtp.InjectWhenClientSends(Middle, Fault.Stall);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var status = await scenario.SendAsync("stalled in the middle of DATA");

        output.WriteLine($"{status.Status} after {clock.Elapsed.TotalSeconds:F1} s: {status.Error}\n{string.Join('\n', scenario.Smtp.Injected)}");
        Assert.Contains(scenario.Smtp.Injected, line => line.Contains(Middle, StringComparison.Ordinal));
        // Within the command timeout and the slack of a loaded machine, not the minute of the default.
        Assert.True(clock.Elapsed < commandTimeout + TimeSpan.FromSeconds(15), $"settled after {clock.Elapsed.TotalSeconds:F1} s");
        // The whole small message was written before the stall: "unknown" is the honest answer, "failed" a possible one, "sent" never.
        Assert.Contains(status.Status, new[] { OutgoingStatus.Failed, OutgoingStatus.Unknown });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(await MailClients.InboxSubjectsAsync(scenario.Customer));
        Assert.Equal(1, await scenario.Harness.Database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE admin_id = '{scenario.Admin}'"));
    }

    [Theory]
    [InlineData(Fault.Reset)]
    [InlineData(Fault.Stall)]
    public async Task A_fault_during_the_append_of_the_sent_copy_leaves_the_email_sent_once_and_held_once(Fault fault)
    {
        await using var scenario = await Scenario.StartAsync();
        // The APPEND's literal carries the message: cut it in the middle.
        scenario.Imap.InjectWhenClientSends(Middle, fault);

        var status = await scenario.SendAsync("copy cut on its way to Sent");

        Assert.Equal(OutgoingStatus.Sent, status.Status);
        await Eventually.TrueAsync(() => Task.FromResult(scenario.Imap.Injected.Any(line => line.Contains(Middle, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(20), "the APPEND to be cut");
        output.WriteLine(string.Join('\n', scenario.Imap.Injected));
        await Eventually.TrueAsync(async () => (await MailClients.InboxSubjectsAsync(scenario.Customer)).Count >= 1, TimeSpan.FromSeconds(20),
            "the message to be delivered");

        // The sync goes on through the same server: new mail is stored, and the email is still held once.
        await MailClients.DeliverAsync(MailClients.Message(scenario.Customer.Address, scenario.User.Address, "answer after the fault"));
        await scenario.Harness.WaitForStoredAsync(scenario.Admin, 2, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(["copy cut on its way to Sent"], await MailClients.InboxSubjectsAsync(scenario.Customer));
        Assert.Equal([("answer after the fault", "in"), ("copy cut on its way to Sent", "out")],
            (await scenario.Harness.StoredAsync(scenario.Admin)).OrderBy(row => row.Subject, StringComparer.Ordinal));
        Assert.True((await SentFolderCountAsync(scenario.User)) <= 1, "more than one copy in the Sent folder");
    }

    private static async Task<int> SentFolderCountAsync(MailUser user)
    {
        using var imap = await MailClients.ImapAsync(user);
        var sent = await imap.GetFolderAsync("Sent");
        await sent.OpenAsync(FolderAccess.ReadOnly);
        var count = sent.Count;
        await imap.DisconnectAsync(quit: true);
        return count;
    }

    /// <summary>An admin whose IMAP and SMTP (the stack's MX port: plain text, no login) go through a proxy each, and a customer.</summary>
    private sealed class Scenario : IAsyncDisposable
    {
        private Scenario(MailboxHarness harness, FaultProxy imap, FaultProxy smtp, MailUser user, MailUser customer, string admin, string customerId)
        {
            Harness = harness;
            Imap = imap;
            Smtp = smtp;
            User = user;
            Customer = customer;
            Admin = admin;
            CustomerId = customerId;
        }

        public MailboxHarness Harness { get; }
        public FaultProxy Imap { get; }
        public FaultProxy Smtp { get; }
        public MailUser User { get; }
        public MailUser Customer { get; }
        public string Admin { get; }
        public string CustomerId { get; }

        public static async Task<Scenario> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null)
        {
            var imap = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.ImapPort));
            var smtp = new FaultProxy(new IPEndPoint(IPAddress.Loopback, LocalStack.SmtpPort));
            var harness = await MailboxHarness.StartAsync(overrides);
            var user = await LocalStack.CreateMailUserAsync("sendf");
            var customer = await LocalStack.CreateMailUserAsync("custf");
            var customerId = "cust-" + Guid.NewGuid().ToString("N")[..10];
            Assert.NotNull((await harness.Client.GetGrain<ICustomerGrain>(customerId).SaveAsync("Ann Customer", CustomerCategory.Customer, [customer.Address])).Customer);
            var admin = "sendf-" + Guid.NewGuid().ToString("N")[..10];
            var mailbox = await harness.EnableAsync(admin, SyncFaultTests.Through(imap, user, Tracking()) with
            {
                Smtp = new SmtpSettings(true, null, false, "127.0.0.1", smtp.Port, SmtpSecurity.None, SmtpAuth.None, DontValidateCertificate: false),
            });
            await WaitForStateAsync(mailbox, MailboxState.Idle);
            return new Scenario(harness, imap, smtp, user, customer, admin, customerId);
        }

        /// <summary>Sends the email and waits for the status it settles on.</summary>
        public async Task<OutgoingEmail> SendAsync(string subject)
        {
            var outbox = Harness.Client.GetGrain<IOutboxGrain>(Admin);
            var result = await outbox.SendAsync(new SendRequest(CustomerId, null, subject, Text, null, null, User.Address));
            Assert.True(result.Accepted, string.Join("; ", result.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
            return await Eventually.ReturnsAsync(async () => (await outbox.GetAsync(result.Email!.Id))!, email => email.Status != OutgoingStatus.Queued,
                TimeSpan.FromSeconds(60), $"'{subject}' to be sent or to fail");
        }

        public async ValueTask DisposeAsync()
        {
            await Harness.DisposeAsync();
            await Imap.DisposeAsync();
            await Smtp.DisposeAsync();
        }
    }
}

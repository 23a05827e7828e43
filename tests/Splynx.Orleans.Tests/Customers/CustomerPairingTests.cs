using MailKit;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Customers;

/// <summary>Customers and leads, automatic pairing, back-fill, conflicts and the inbox actions, with real mail.</summary>
public sealed class CustomerPairingTests
{
    private static readonly DateTimeOffset LastYear = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly HistoricFrom = new(2025, 1, 1);

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    private static string Customer() => $"c{Guid.NewGuid():N}"[..14] + "@clients.test";

    [Fact]
    public async Task Incoming_mail_is_paired_by_its_sender_and_outgoing_mail_by_its_recipient()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerAddress = Customer();
        var customerId = NewId("cust");
        Assert.NotNull((await harness.Client.GetGrain<ICustomerGrain>(customerId).SaveAsync("Ann Customer", CustomerCategory.Customer, [customerAddress])).Customer);
        var admin = NewId("admin");
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        await MailClients.DeliverAsync(MailClients.Message(customerAddress.ToUpperInvariant(), user.Address, "question"));
        await AppendAsync(user, MailClients.Message(user.Address, customerAddress, "answer"), MessageFlags.Seen, DateTimeOffset.UtcNow, "Sent");
        await MailClients.DeliverAsync(MailClients.Message("stranger@unknown.test", user.Address, "who is this"));
        await harness.WaitForStoredAsync(admin, 3, TimeSpan.FromSeconds(30));

        var queries = new MessageQueries(harness.Database.CreateDataSource());
        var known = await queries.InboxAsync(admin, new InboxFilter(AuthorFilter.Known), null, 50, default);
        Assert.Equal(["answer", "question"], known.Items.Select(item => item.Subject).Order());
        Assert.All(known.Items, item => Assert.True(item.AuthorFound && item.CustomerId == customerId));
        var unknown = Assert.Single((await queries.InboxAsync(admin, new InboxFilter(AuthorFilter.Unknown), null, 50, default)).Items);
        Assert.Equal("who is this", unknown.Subject);
        Assert.False(unknown.AuthorFound);
    }

    [Fact]
    public async Task Creating_a_customer_pairs_the_mail_already_stored_in_every_mailbox_and_tells_them()
    {
        await using var harness = await StartAsync();
        var customerAddress = Customer();
        var admins = new[] { NewId("admin"), NewId("admin") };
        var observer = new RecordingObserver();
        var reference = harness.Client.CreateObjectReference<IMailboxObserver>(observer);
        foreach (var admin in admins)
        {
            var user = await LocalStack.CreateMailUserAsync();
            await AppendAsync(user, MailClients.Message(customerAddress, user.Address, "before the customer existed"), deliveredAt: LastYear);
            var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));
            await harness.WaitForStoredAsync(admin, 1);
            await mailbox.SubscribeAsync(reference);
        }

        var saved = await harness.Client.GetGrain<ICustomerGrain>(NewId("lead")).SaveAsync("New Lead", CustomerCategory.Lead, [customerAddress]);

        Assert.NotNull(saved.Customer);
        foreach (var admin in admins)
        {
            var paired = await harness.Database.ScalarAsync<string>($"SELECT customer_id FROM mail_messages WHERE mailbox_id = '{admin}'");
            Assert.Equal(saved.Customer.Id, paired);
        }
        await Eventually.TrueAsync(() => Task.FromResult(observer.Changed.Count == 2), TimeSpan.FromSeconds(10), "a change event from each mailbox");
        Assert.All(observer.Changed, change => Assert.True(change.Summary!.AuthorFound));
    }

    [Fact]
    public async Task Pairing_a_message_adds_the_sender_to_the_customer_and_removing_the_address_unpairs_it()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var address = Customer();
        await AppendAsync(user, MailClients.Message(address, user.Address, "one"), deliveredAt: LastYear);
        await AppendAsync(user, MailClients.Message(address, user.Address, "two"), deliveredAt: LastYear.AddHours(1));
        var admin = NewId("admin");
        await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));
        await harness.WaitForStoredAsync(admin, 2);
        var customer = harness.Client.GetGrain<ICustomerGrain>(NewId("cust"));
        await customer.SaveAsync("Bob", CustomerCategory.Customer, ["bob@other.test"]);

        var paired = await customer.AddEmailAsync(address.ToUpperInvariant());

        Assert.Equal(["bob@other.test", address], paired.Customer!.Emails);
        Assert.Equal(2, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}' AND customer_id IS NOT NULL"));

        await customer.SaveAsync("Bob", CustomerCategory.Customer, ["bob@other.test"]);
        Assert.Equal(0, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}' AND customer_id IS NOT NULL"));
    }

    [Fact]
    public async Task An_address_belongs_to_one_customer_at_most_and_a_clash_names_its_owner()
    {
        await using var harness = await StartAsync();
        var address = Customer();
        var first = harness.Client.GetGrain<ICustomerGrain>(NewId("cust"));
        await first.SaveAsync("First Owner", CustomerCategory.Customer, [address]);

        var clash = await harness.Client.GetGrain<ICustomerGrain>(NewId("cust")).SaveAsync("Second", CustomerCategory.Lead, ["x@y.test", address.ToUpperInvariant()]);

        Assert.Null(clash.Customer);
        Assert.Contains("First Owner", clash.Conflict, StringComparison.Ordinal);
        Assert.Contains(address, clash.Conflict, StringComparison.Ordinal);
        Assert.Equal(0, await harness.Database.ScalarAsync<long>("SELECT count(*) FROM customers WHERE name = 'Second'"));
        Assert.Equal(0, await harness.Database.ScalarAsync<long>("SELECT count(*) FROM customer_emails WHERE address = 'x@y.test'"));

        var invalid = await harness.Client.GetGrain<ICustomerGrain>(NewId("cust")).SaveAsync(" ", CustomerCategory.Customer, ["not-an-address"]);
        Assert.Equal(["emails[0]", "name"], invalid.Errors.Keys.Order());
    }

    [Fact]
    public async Task Many_customers_claiming_one_address_at_once_leave_exactly_one_owner()
    {
        await using var harness = await StartAsync();
        var address = Customer();

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            harness.Client.GetGrain<ICustomerGrain>(NewId("cust")).SaveAsync($"Claimant {i}", CustomerCategory.Customer, [address])));

        Assert.Single(results, result => result.Customer is not null);
        Assert.Equal(7, results.Count(result => result.Conflict is not null));
        Assert.Equal(1, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM customer_emails WHERE address = '{address}'"));
    }

    [Fact]
    public async Task Blocking_a_sender_removes_their_messages_and_keeps_their_future_mail_out()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = NewId("admin");
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await MailClients.DeliverAsync(MailClients.Message("pest@spam.test", user.Address, "buy now"));
        await MailClients.DeliverAsync(MailClients.Message("pest@spam.test", user.Address, "buy again"));
        await MailClients.DeliverAsync(MailClients.Message("friend@fine.test", user.Address, "hello"));
        await harness.WaitForStoredAsync(admin, 3);
        var spamId = (await new MessageQueries(harness.Database.CreateDataSource()).InboxAsync(admin, new InboxFilter(Text: "buy"), null, 1, default)).Items[0].Id;

        Assert.Equal("pest@spam.test", await mailbox.BlockSenderAsync(spamId));

        Assert.Equal(["hello"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
        Assert.Contains("pest@spam.test", (await mailbox.GetSettingsAsync()).Tracking.DenyList);
        await MailClients.DeliverAsync(MailClients.Message("pest@spam.test", user.Address, "still buying"));
        await MailClients.DeliverAsync(MailClients.Message("friend@fine.test", user.Address, "hello again"));
        await harness.WaitForStoredAsync(admin, 2);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(["hello", "hello again"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
    }

    [Fact]
    public async Task A_deleted_message_is_never_imported_again_even_when_the_mailbox_resyncs_from_scratch()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "unwanted"), deliveredAt: LastYear);
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "wanted"), deliveredAt: LastYear.AddDays(1));
        var admin = NewId("admin");
        var settings = SettingsFor(user, Tracking(historicFrom: HistoricFrom));
        var mailbox = await harness.EnableAsync(admin, settings);
        await harness.WaitForStoredAsync(admin, 2);
        var unwanted = (await new MessageQueries(harness.Database.CreateDataSource()).InboxAsync(admin, new InboxFilter(Text: "unwanted"), null, 5, default)).Items.Single();

        Assert.True(await mailbox.DeleteMessageAsync(unwanted.Id));
        Assert.False(await mailbox.DeleteMessageAsync(unwanted.Id));

        // Another port is another account to the sync: its cursors start from nothing and it imports everything again.
        await harness.EnableAsync(admin, settings with
        {
            Credentials = settings.Credentials with { Password = null },
            Imap = settings.Imap with { Port = LocalStack.ImapsPort, Security = ImapSecurity.Ssl },
        });
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(["wanted"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
        Assert.False((await FlagsOnServerAsync(user, "unwanted")).HasFlag(MessageFlags.Deleted));
    }

    [Fact]
    public async Task The_view_shows_safe_html_and_the_text_and_attachments_download_whole()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var message = MailClients.Message("a@elsewhere.test", user.Address, "with html");
        var builder = new MimeKit.BodyBuilder
        {
            TextBody = "plain words",
            HtmlBody = "<p onclick=\"steal()\">Hi <b>there</b><img src=\"https://tracker.test/p.gif\"><script>alert(1)</script></p>",
        };
        var bytes = System.Text.Encoding.UTF8.GetBytes(new string('x', 300_000));
        builder.Attachments.Add("report.txt", bytes, MimeKit.ContentType.Parse("text/plain"));
        message.Body = builder.ToMessageBody();
        await AppendAsync(user, message, deliveredAt: LastYear);
        var admin = NewId("admin");
        await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));
        await harness.WaitForStoredAsync(admin, 1);
        var queries = new MessageQueries(harness.Database.CreateDataSource());
        var id = (await queries.InboxAsync(admin, new InboxFilter(), null, 1, default)).Items.Single().Id;

        var view = await queries.GetAsync(admin, id, default);

        Assert.NotNull(view);
        Assert.Equal("plain words", view.TextBody?.Trim());
        Assert.Contains("<b>there</b>", view.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("script", view.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", view.HtmlBody, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tracker.test", view.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(message.MessageId, view.MessageId);
        var attachment = Assert.Single(view.Attachments);
        Assert.Equal(("report.txt", "text/plain", (long)bytes.Length), (attachment.FileName, attachment.ContentType, attachment.Size));
        using var download = new MemoryStream();
        var (found, fileName, _) = await queries.CopyAttachmentAsync(admin, id, attachment.Id, download, default);
        Assert.True(found);
        Assert.Equal("report.txt", fileName);
        Assert.Equal(bytes, download.ToArray());
        Assert.Null(await queries.GetAsync("someone-else", id, default));
        Assert.False((await queries.CopyAttachmentAsync("someone-else", id, attachment.Id, Stream.Null, default)).Found);
    }

    [Fact]
    public async Task Deleting_and_blocking_raise_removed_events()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("pest@spam.test", user.Address, "spam one"), deliveredAt: LastYear);
        await AppendAsync(user, MailClients.Message("pest@spam.test", user.Address, "spam two"), deliveredAt: LastYear.AddHours(1));
        await AppendAsync(user, MailClients.Message("friend@fine.test", user.Address, "keep or delete"), deliveredAt: LastYear.AddHours(2));
        var admin = NewId("admin");
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));
        await harness.WaitForStoredAsync(admin, 3);
        var observer = new RecordingObserver();
        await mailbox.SubscribeAsync(harness.Client.CreateObjectReference<IMailboxObserver>(observer));
        var items = (await new MessageQueries(harness.Database.CreateDataSource()).InboxAsync(admin, new InboxFilter(), null, 10, default)).Items;

        await mailbox.DeleteMessageAsync(items.Single(item => item.Subject == "keep or delete").Id);
        await mailbox.BlockSenderAsync(items.First(item => item.Subject!.StartsWith("spam", StringComparison.Ordinal)).Id);

        await Eventually.TrueAsync(() => Task.FromResult(observer.Removed.Count == 3), TimeSpan.FromSeconds(10), "three removed events");
        Assert.Equal(items.Select(item => item.Id).Order(), observer.Removed.Select(removed => removed.MessageId).Order());
        Assert.All(observer.Removed, removed => Assert.Equal(admin, removed.MailboxId));
    }

    /// <summary>Collects the message events a mailbox sends, as a web host would.</summary>
    internal sealed class RecordingObserver : IMailboxObserver
    {
        private readonly List<MessageEvent> _events = [];

        public IReadOnlyList<MessageEvent> Changed
        {
            get
            {
                lock (_events)
                {
                    return _events.Where(e => e.Kind == MessageEventKind.Changed).ToList();
                }
            }
        }

        public IReadOnlyList<MessageEvent> Removed
        {
            get
            {
                lock (_events)
                {
                    return _events.Where(e => e.Kind == MessageEventKind.Removed).ToList();
                }
            }
        }

        public Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents)
        {
            lock (_events)
            {
                _events.AddRange(messageEvents);
            }
            return Task.CompletedTask;
        }

        public Task OnStatusChangedAsync(string mailboxId, MailboxStatus status) => Task.CompletedTask;

        public Task OnEmailStatusAsync(string senderId, global::Splynx.Orleans.Sending.EmailStatusEvent emailStatus) => Task.CompletedTask;
    }
}

using MailKit;
using Microsoft.Extensions.Configuration;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Customers;

/// <summary>The inbox queries, the Communication timeline and who may read what.</summary>
public sealed class InboxAndAccessTests
{
    private static readonly DateTimeOffset LastYear = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateOnly HistoricFrom = new(2025, 1, 1);

    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Inbox_pages_stay_stable_while_mail_keeps_arriving_and_filters_by_text_and_period()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        using (var imap = await MailClients.ImapAsync(user))
        {
            var requests = Enumerable.Range(0, 25).Select(i =>
            {
                var message = MailClients.Message($"sender{i}@elsewhere.test", user.Address, i == 7 ? "invoice overdue" : $"note {i:00}");
                message.Date = LastYear.AddDays(i);
                return (IAppendRequest)new AppendRequest(message, MessageFlags.None) { InternalDate = LastYear.AddDays(i) };
            }).ToList();
            await imap.Inbox.AppendAsync(requests);
        }
        var admin = NewId("admin");
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: HistoricFrom)));
        await harness.WaitForStoredAsync(admin, 25);
        var queries = new MessageQueries(harness.Database.CreateDataSource());

        var first = await queries.InboxAsync(admin, new InboxFilter(), null, 10, default);
        for (var i = 0; i < 5; i++)
        {
            await MailClients.DeliverAsync(MailClients.Message("late@elsewhere.test", user.Address, $"arrived meanwhile {i}"));
        }
        await harness.WaitForStoredAsync(admin, 30);
        var second = await queries.InboxAsync(admin, new InboxFilter(), first.Next, 10, default);
        var third = await queries.InboxAsync(admin, new InboxFilter(), second.Next, 10, default);

        var pages = first.Items.Concat(second.Items).Concat(third.Items).ToList();
        Assert.Equal(25, pages.Count);
        Assert.Equal(25, pages.Select(item => item.Id).Distinct().Count());
        Assert.Equal(pages.Select(item => item.Date).OrderDescending(), pages.Select(item => item.Date));
        Assert.Null(third.Next);
        Assert.DoesNotContain(pages, item => item.Subject!.StartsWith("arrived", StringComparison.Ordinal));

        Assert.Equal("invoice overdue", Assert.Single((await queries.InboxAsync(admin, new InboxFilter(Text: "invoice"), null, 50, default)).Items).Subject);
        var period = await queries.InboxAsync(admin, new InboxFilter(From: LastYear.AddDays(10), To: LastYear.AddDays(13)), null, 50, default);
        Assert.Equal(["note 10", "note 11", "note 12"], period.Items.Select(item => item.Subject).Order());
        Assert.Throws<FormatException>(() => PageCursor.Parse("not-a-cursor!"));
    }

    [Fact]
    public async Task Communication_shows_both_directions_from_every_mailbox_the_caller_may_read_threaded()
    {
        await using var harness = await StartAsync();
        var customerAddress = $"c{Guid.NewGuid():N}"[..12] + "@clients.test";
        var customerId = NewId("cust");
        await harness.Client.GetGrain<ICustomerGrain>(customerId).SaveAsync("Carol", CustomerCategory.Customer, [customerAddress]);
        var (alice, aliceUser) = (NewId("alice"), await LocalStack.CreateMailUserAsync());
        var (bob, bobUser) = (NewId("bob"), await LocalStack.CreateMailUserAsync());

        var question = MailClients.Message(customerAddress, aliceUser.Address, "router broken");
        await AppendAsync(aliceUser, question, deliveredAt: LastYear);
        var reply = MailClients.Message(aliceUser.Address, customerAddress, "Re: router broken");
        reply.InReplyTo = question.MessageId;
        reply.References.Add(question.MessageId!);
        await AppendAsync(aliceUser, reply, MessageFlags.Seen, LastYear.AddHours(1), "Sent");
        await AppendAsync(bobUser, MailClients.Message(customerAddress, bobUser.Address, "to bob privately"), deliveredAt: LastYear.AddHours(2));
        await harness.EnableAsync(alice, SettingsFor(aliceUser, Tracking(historicFrom: HistoricFrom)));
        await harness.EnableAsync(bob, SettingsFor(bobUser, Tracking(historicFrom: HistoricFrom)));
        await harness.WaitForStoredAsync(alice, 2);
        await harness.WaitForStoredAsync(bob, 1);
        var rules = Rules(harness);
        var queries = new MessageQueries(harness.Database.CreateDataSource());

        var aliceSees = await queries.ConversationAsync(customerId, await rules.ReadableMailboxesAsync(alice, default), null, 50, default);

        Assert.Equal(["Re: router broken", "router broken"], aliceSees.Items.Select(item => item.Summary.Subject));
        Assert.Equal([MessageDirection.Out, MessageDirection.In], aliceSees.Items.Select(item => item.Summary.Direction));
        Assert.Single(aliceSees.Items.Select(item => item.ThreadId).Distinct());

        // Bob lets Alice read his mailbox: now she sees his conversation with Carol too.
        var bobSettings = SettingsFor(bobUser, Tracking(historicFrom: HistoricFrom));
        await harness.EnableAsync(bob, bobSettings with { Access = new AccessSettings([alice]), Credentials = bobSettings.Credentials with { Password = null } });
        var withBob = await queries.ConversationAsync(customerId, await rules.ReadableMailboxesAsync(alice, default), null, 50, default);
        Assert.Equal(3, withBob.Items.Count);
        Assert.Contains(withBob.Items, item => item.Summary.MailboxId == bob);
    }

    [Fact]
    public async Task Access_is_for_owners_and_delegates_with_their_own_mailbox_and_revocation_acts_at_once()
    {
        await using var harness = await StartAsync();
        var (owner, ownerUser) = (NewId("owner"), await LocalStack.CreateMailUserAsync());
        var (delegated, delegateUser) = (NewId("delegate"), await LocalStack.CreateMailUserAsync());
        var withoutImap = NewId("noimap");
        var stranger = NewId("stranger");
        var ownerSettings = SettingsFor(ownerUser, Tracking() with { Enabled = false }) with { Access = new AccessSettings([delegated, withoutImap]) };
        await harness.EnableAsync(owner, ownerSettings);
        await harness.EnableAsync(delegated, SettingsFor(delegateUser, Tracking() with { Enabled = false }));
        var rules = Rules(harness);

        Assert.True(await rules.CanReadAsync(owner, owner, default));
        Assert.True(await rules.CanReadAsync(delegated, owner, default));
        Assert.False(await rules.CanReadAsync(withoutImap, owner, default)); // listed, but has no IMAP of their own
        Assert.False(await rules.CanReadAsync(stranger, owner, default));
        Assert.False(await rules.CanReadAsync(owner, delegated, default)); // delegation is one way
        Assert.True(await Rules(harness, requireOwnMailbox: false).CanReadAsync(withoutImap, owner, default));
        Assert.Equal(new[] { owner, delegated }.Order(), (await rules.ReadersAsync(owner, default)).Order());

        await harness.EnableAsync(owner, ownerSettings with { Access = new AccessSettings([]), Credentials = ownerSettings.Credentials with { Password = null } });

        Assert.False(await rules.CanReadAsync(delegated, owner, default));
        Assert.Equal([delegated], await rules.ReadableMailboxesAsync(delegated, default));
    }

    private static MailboxAccessRules Rules(MailboxHarness harness, bool requireOwnMailbox = true) =>
        new(harness.Database.CreateDataSource(), new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Access:RequireOwnMailbox"] = requireOwnMailbox ? "true" : "false" })
            .Build());
}

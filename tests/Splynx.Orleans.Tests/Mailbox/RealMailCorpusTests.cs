using MailKit;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>
/// Mail written the way other people's software writes it (<c>Mailbox/RealMail</c>: mailing lists, Thunderbird, Outlook,
/// Gmail, monitoring alerts, forwards, KOI8-R and ISO-2022-JP, odd headers, an autoresponder that reuses a
/// Message-ID), APPENDed to a real Dovecot INBOX and synced: every message is stored as itself or quarantined.
/// </summary>
public sealed class RealMailCorpusTests
{
    private static readonly DateTimeOffset Delivered = new(2025, 10, 23, 8, 0, 0, TimeSpan.Zero);

    // A body saved without its header: not a message, so it is quarantined rather than stored.
    private const string NotAMessage = "14-no-header-fields.eml";

    // APPENDed a second time: the same message twice on the server, one message in the service.
    private const string AppendedTwice = "03-thunderbird-alternative.eml";

    // For the expected subjects read here with MimeKit, as the silo reads them (see MessageParser).
    static RealMailCorpusTests() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    [Fact]
    public async Task Every_message_of_real_mail_is_stored_as_itself_or_quarantined_and_only_stored_ones_are_marked_read()
    {
        var corpus = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "tests", "Splynx.Orleans.Tests", "Mailbox", "RealMail"), "*.eml")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(corpus.Count >= 14, $"the corpus is missing: {corpus.Count} files");
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var uidsByFile = await AppendCorpusAsync(user, [.. corpus, corpus.Single(path => Path.GetFileName(path) == AppendedTwice)]);
        var admin = "admin-" + Guid.NewGuid().ToString("N")[..10];

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true)));

        var messages = corpus.Where(path => Path.GetFileName(path) != NotAMessage).ToList();
        await Eventually.TrueAsync(async () => (await harness.StoredAsync(admin)).Count >= messages.Count
            && (await mailbox.GetQuarantineAsync()).Count >= 1, TimeSpan.FromSeconds(60), "the corpus stored or quarantined");
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var stored = await harness.StoredAsync(admin);
        var expectedSubjects = messages.Select(path => MimeMessage.Load(path).Subject ?? "").Order(StringComparer.Ordinal);
        Assert.Equal(expectedSubjects, stored.Select(row => row.Subject).Order(StringComparer.Ordinal));
        Assert.All(stored, row => Assert.Equal("in", row.Direction));
        // Decoded from their own charsets, not mistaken for UTF-8.
        Assert.Contains(stored, row => row.Subject == "Не работает телевидение");
        Assert.Contains(stored, row => row.Subject == "回線工事のお知らせ");
        Assert.Contains(stored, row => row.Subject == "Invoice 2025-0931 – wrong amount");

        var quarantined = Assert.Single(await mailbox.GetQuarantineAsync());
        Assert.Equal(uidsByFile[Path.Combine(Path.GetDirectoryName(corpus[0])!, NotAMessage)].Single(), quarantined.Uid);
        Assert.Contains("no header fields", quarantined.Error, StringComparison.Ordinal);

        var seen = await SeenUidsAsync(user);
        var storedUids = uidsByFile.Where(file => Path.GetFileName(file.Key) != NotAMessage).SelectMany(file => file.Value).Order().ToList();
        Assert.Equal(storedUids, seen);
    }

    /// <summary>APPENDs each file as a mail client would (unread), one after the other; the UIDs each file got.</summary>
    private static async Task<Dictionary<string, List<long>>> AppendCorpusAsync(MailUser user, IReadOnlyList<string> files)
    {
        using var imap = await MailClients.ImapAsync(user);
        var uids = new Dictionary<string, List<long>>();
        for (var i = 0; i < files.Count; i++)
        {
            using var message = await MimeMessage.LoadAsync(files[i]);
            var uid = await imap.Inbox.AppendAsync(new AppendRequest(message, MessageFlags.None) { InternalDate = Delivered.AddMinutes(i) });
            Assert.NotNull(uid);
            if (!uids.TryGetValue(files[i], out var list))
            {
                uids[files[i]] = list = [];
            }
            list.Add(uid.Value.Id);
        }
        await imap.DisconnectAsync(quit: true);
        return uids;
    }

    private static async Task<List<long>> SeenUidsAsync(MailUser user)
    {
        using var imap = await MailClients.ImapAsync(user);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        await imap.DisconnectAsync(quit: true);
        return [.. summaries.Where(summary => summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen)).Select(summary => (long)summary.UniqueId.Id).Order()];
    }
}

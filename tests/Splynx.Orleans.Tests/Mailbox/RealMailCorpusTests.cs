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

    // The subject each message is stored with, written out here rather than read with the parser under test.
    private static readonly Dictionary<string, string> Subjects = new(StringComparer.Ordinal)
    {
        ["01-list-pgsql-general.eml"] = "Re: autovacuum not keeping up on a busy table",
        ["02-list-crosspost-same-message-id.eml"] = "[ADMIN] Re: autovacuum not keeping up on a busy table",
        ["03-thunderbird-alternative.eml"] = "Kein Internet seit dem Gewitter / no internet since the storm",
        ["04-outlook-windows-1252.eml"] = "Invoice 2025-0931 – wrong amount",
        ["05-gmail-reply-base64.eml"] = "Re: Przełączenie na światłowód",
        ["06-monitoring-alert-no-message-id-a.eml"] = "PROBLEM: Interface down",
        ["07-monitoring-alert-no-message-id-b.eml"] = "PROBLEM: Interface down",
        ["08-forwarded-rfc822.eml"] = "Fwd: Abuse report for 203.0.113.77",
        ["09-koi8-r.eml"] = "Не работает телевидение",
        ["10-iso-2022-jp.eml"] = "回線工事のお知らせ",
        ["11-content-type-only-header.eml"] = "",
        ["12-odd-headers.eml"] = "Payment received - contract 77-0031 - thank you",
        ["13-autoreply-reused-message-id.eml"] = "Automatic reply: Invoice 2025-0931",
    };

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

        // With a deny list the envelopes (and their encoded words) are decoded before any body: charsets must work from the start.
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user,
            Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true, denyList: ["spam.example"])));

        var messages = corpus.Where(path => Path.GetFileName(path) != NotAMessage).ToList();
        await Eventually.TrueAsync(async () => (await harness.StoredAsync(admin)).Count >= messages.Count
            && (await mailbox.GetQuarantineAsync()).Count >= 1, TimeSpan.FromSeconds(60), "the corpus stored or quarantined");
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var stored = await harness.StoredAsync(admin);
        // Every message once, each subject decoded from its own charset.
        Assert.Equal(messages.Select(path => Subjects[Path.GetFileName(path)]).Order(StringComparer.Ordinal),
            stored.Select(row => row.Subject).Order(StringComparer.Ordinal));
        Assert.All(stored, row => Assert.Equal("in", row.Direction));

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
}

using MailKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Mailbox;

/// <summary>Each email-tracking option of the mailbox grain against the stack's real Dovecot and Postfix.</summary>
public sealed class MailboxSyncTests
{
    private static readonly DateTimeOffset LongAgo = new(2020, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset LastYear = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static string Admin() => "admin-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_new_delivery_is_stored_within_seconds_through_idle()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, "hello through idle"));

        var stored = await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(15));
        Assert.Equal([("hello through idle", "in")], stored);
        var status = await mailbox.GetStatusAsync();
        Assert.Equal(1, status.Messages);
        Assert.NotNull(status.LastSyncAt);
        Assert.StartsWith("127.0.0.1:", status.Silo, StringComparison.Ordinal);
    }

    [Fact]
    public async Task All_mode_imports_read_and_unread_messages()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "already read"), MessageFlags.Seen, LastYear);
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "not read yet"), MessageFlags.None, LastYear.AddDays(1));
        var admin = Admin();

        await harness.EnableAsync(admin, SettingsFor(user, Tracking(ProcessMode.All, historicFrom: new DateOnly(2025, 1, 1))));

        var stored = await harness.WaitForStoredAsync(admin, 2);
        Assert.Equal(["already read", "not read yet"], stored.Select(row => row.Subject));
    }

    [Fact]
    public async Task Unread_mode_skips_messages_already_seen()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "already read"), MessageFlags.Seen, LastYear);
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "not read yet"), MessageFlags.None, LastYear.AddDays(1));
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(ProcessMode.Unread, historicFrom: new DateOnly(2025, 1, 1))));
        await harness.WaitForStoredAsync(admin, 1);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        Assert.Equal(["not read yet"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
    }

    [Fact]
    public async Task Historic_date_imports_from_that_day_on_oldest_first()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "from 2020"), deliveredAt: LongAgo);
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "from last year, later"), deliveredAt: LastYear.AddDays(3));
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "from last year"), deliveredAt: LastYear);
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2025, 1, 1))));
        await harness.WaitForStoredAsync(admin, 2);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        var stored = await harness.StoredAsync(admin);
        Assert.Equal(2, stored.Count);
        Assert.DoesNotContain(stored, row => row.Subject == "from 2020");
    }

    [Fact]
    public async Task Without_a_historic_date_only_mail_arriving_after_enabling_is_imported()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "before enabling"), deliveredAt: DateTimeOffset.UtcNow.AddHours(-1));
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await MailClients.DeliverAsync(MailClients.Message("a@elsewhere.test", user.Address, "after enabling"));

        await harness.WaitForStoredAsync(admin, 1);
        Assert.Equal(["after enabling"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
    }

    [Fact]
    public async Task Moving_the_historic_date_earlier_back_fills_without_duplicates()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "from 2020"), deliveredAt: LongAgo);
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "from last year"), deliveredAt: LastYear);
        var admin = Admin();
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2025, 1, 1))));
        await harness.WaitForStoredAsync(admin, 1);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2019, 1, 1))) with
        {
            Credentials = new CredentialsSettings(user.Login, null, true),
        });

        await harness.WaitForStoredAsync(admin, 2);
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await Task.Delay(TimeSpan.FromSeconds(3)); // a Sent check and an IDLE cycle: nothing may come twice
        var stored = await harness.StoredAsync(admin);
        Assert.Equal(["from 2020", "from last year"], stored.Select(row => row.Subject).Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Mark_as_read_sets_seen_on_the_server_only_when_enabled(bool markAsRead)
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("a@elsewhere.test", user.Address, "to be read"), deliveredAt: LastYear);
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: markAsRead)));
        await harness.WaitForStoredAsync(admin, 1);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        Assert.Equal(markAsRead, (await FlagsOnServerAsync(user, "to be read")).HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task Denied_addresses_and_domains_are_neither_stored_nor_touched()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        await AppendAsync(user, MailClients.Message("spammer@example.com", user.Address, "denied address"), deliveredAt: LastYear);
        await AppendAsync(user, MailClients.Message("news@mail.bad.org", user.Address, "denied subdomain"), deliveredAt: LastYear);
        await AppendAsync(user, MailClients.Message("friend@example.com", user.Address, "welcome"), deliveredAt: LastYear);
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user,
            Tracking(historicFrom: new DateOnly(2025, 1, 1), markAsRead: true, denyList: ["SPAMMER@example.com", "bad.org"])));
        await harness.WaitForStoredAsync(admin, 1);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        Assert.Equal(["welcome"], (await harness.StoredAsync(admin)).Select(row => row.Subject));
        Assert.False((await FlagsOnServerAsync(user, "denied address")).HasFlag(MessageFlags.Seen));
        Assert.False((await FlagsOnServerAsync(user, "denied subdomain")).HasFlag(MessageFlags.Seen));
        Assert.True((await FlagsOnServerAsync(user, "welcome")).HasFlag(MessageFlags.Seen));
    }

    [Fact]
    public async Task Mail_in_the_detected_sent_folder_is_stored_as_outgoing()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var folders = await harness.Mailbox(admin).LoadFoldersAsync(SettingsFor(user, Tracking()));
        Assert.True(folders.Connection.Ok, folders.Connection.Error);
        Assert.Equal("Sent", folders.SentFolder);
        Assert.Contains(folders.Folders, folder => folder is { Name: "Sent", SpecialUse: "\\Sent" });

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking()));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await AppendAsync(user, MailClients.Message(user.Address, "customer@elsewhere.test", "my answer"), MessageFlags.Seen,
            DateTimeOffset.UtcNow, folder: "Sent");

        var stored = await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(20));
        Assert.Equal([("my answer", "out")], stored);
    }

    [Theory]
    [InlineData(ProcessMode.All)]
    [InlineData(ProcessMode.Unread)]
    public async Task All_or_unread_applies_to_the_inbox_and_the_sent_folder_is_taken_whatever_its_flags(ProcessMode process)
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        // Written from another mail client: its copy in Sent is read, as every client leaves it.
        await AppendAsync(user, MailClients.Message(user.Address, "customer@elsewhere.test", "answer from my phone"), MessageFlags.Seen,
            LastYear, folder: "Sent");
        await AppendAsync(user, MailClients.Message("customer@elsewhere.test", user.Address, "incoming, read"), MessageFlags.Seen, LastYear);
        await AppendAsync(user, MailClients.Message("customer@elsewhere.test", user.Address, "incoming, unread"), MessageFlags.None, LastYear);
        var admin = Admin();
        (string, string)[] expected = process == ProcessMode.All
            ? [("incoming, read", "in"), ("incoming, unread", "in"), ("answer from my phone", "out")]
            : [("incoming, unread", "in"), ("answer from my phone", "out")];

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(process, historicFrom: new DateOnly(2025, 1, 1))));
        await harness.WaitForStoredAsync(admin, expected.Length);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        Assert.Equal(expected.Order(), (await harness.StoredAsync(admin)).Order());
    }

    [Fact]
    public async Task A_wrong_password_puts_the_mailbox_in_an_auth_error_and_keeps_retrying_slowly()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();

        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking(), password: "wrong-password"));

        var status = await WaitForStateAsync(mailbox, MailboxState.Error);
        Assert.Equal(MailErrorKind.Auth, status.ErrorKind);
        Assert.Contains("username or password", status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connection_test_names_what_failed()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var mailbox = harness.Mailbox(Admin());
        var good = SettingsFor(user, Tracking());

        Assert.True((await mailbox.TestImapAsync(good)).Ok);
        Assert.Equal(MailErrorKind.Auth, (await mailbox.TestImapAsync(SettingsFor(user, Tracking(), "nope"))).ErrorKind);
        Assert.Equal(MailErrorKind.Tls, (await mailbox.TestImapAsync(good with { Imap = good.Imap with { DontValidateCertificate = false } })).ErrorKind);
        Assert.Equal(MailErrorKind.Connect, (await mailbox.TestImapAsync(good with { Imap = good.Imap with { Port = FreePort.Next() } })).ErrorKind);
        Assert.Equal(MailErrorKind.Dns, (await mailbox.TestImapAsync(good with { Imap = good.Imap with { Server = "no-such-host.invalid" } })).ErrorKind);
    }

    [Fact]
    public async Task The_password_is_never_returned_and_not_stored_in_clear()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var mailbox = await harness.EnableAsync(admin, SettingsFor(user, Tracking() with { Enabled = false }));

        var settings = await mailbox.GetSettingsAsync();

        Assert.Null(settings.Credentials.Password);
        Assert.True(settings.Credentials.HasPassword);
        var grainState = await harness.Database.ScalarAsync<byte[]>("SELECT payload FROM orleans_storage WHERE payload IS NOT NULL LIMIT 1");
        Assert.NotNull(grainState);
        Assert.DoesNotContain(user.Password, System.Text.Encoding.UTF8.GetString(grainState), StringComparison.Ordinal);
        Assert.DoesNotContain(user.Password, System.Text.Encoding.Unicode.GetString(grainState), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_settings_are_refused_with_their_fields_and_nothing_is_saved()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var mailbox = harness.Mailbox(Admin());
        var invalid = SettingsFor(user, Tracking(denyList: ["fine.org", "not valid@"])) with { Imap = new ImapSettings("", 0, ImapSecurity.Ssl, false, null) };

        var result = await mailbox.UpdateSettingsAsync(invalid);

        Assert.False(result.Succeeded);
        Assert.Equal(["imap.port", "imap.server", "tracking.denyList[1]"], result.Errors.Keys.Order());
        Assert.Equal(MailSettings.Default, await mailbox.GetSettingsAsync());
    }

    [Fact]
    public async Task Disabling_stops_the_sync_at_once()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = Admin();
        var settings = SettingsFor(user, Tracking());
        var mailbox = await harness.EnableAsync(admin, settings);
        await WaitForStateAsync(mailbox, MailboxState.Idle);

        await harness.EnableAsync(admin, settings with { Tracking = settings.Tracking with { Enabled = false }, Credentials = settings.Credentials with { Password = null } });
        Assert.Equal(MailboxState.Disabled, (await mailbox.GetStatusAsync()).State);
        await MailClients.DeliverAsync(MailClients.Message("a@elsewhere.test", user.Address, "while disabled"));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(await harness.StoredAsync(admin));

        // Enabling again catches up with what arrived meanwhile: the sync resumes where it stopped.
        await harness.EnableAsync(admin, settings with { Credentials = settings.Credentials with { Password = null } });
        await harness.WaitForStoredAsync(admin, 1);
    }
}

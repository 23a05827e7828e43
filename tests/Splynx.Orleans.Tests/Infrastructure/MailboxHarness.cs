using MailKit;
using MailKit.Net.Imap;
using MimeKit;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Tests.MailStack;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>A database, one silo process and a client: enough to drive mailbox grains against the stack's Dovecot.</summary>
internal sealed class MailboxHarness : IAsyncDisposable
{
    private MailboxHarness(TestDatabase database, SiloCluster cluster, IClusterClient client)
    {
        Database = database;
        Cluster = cluster;
        Client = client;
    }

    public TestDatabase Database { get; }

    public SiloCluster Cluster { get; }

    public IClusterClient Client { get; }

    public static async Task<MailboxHarness> StartAsync(IReadOnlyDictionary<string, string?>? overrides = null, int silos = 1)
    {
        var database = await TestDatabase.CreateAsync();
        var cluster = new SiloCluster(database, overrides);
        for (var silo = 0; silo < silos; silo++)
        {
            await cluster.StartSiloAsync();
        }
        return new MailboxHarness(database, cluster, await cluster.ConnectClientAsync());
    }

    public IMailboxGrain Mailbox(string adminId) => Client.GetGrain<IMailboxGrain>(adminId);

    /// <summary>Settings for a stack mail user over STARTTLS, with the given tracking options.</summary>
    public static MailSettings SettingsFor(MailUser user, TrackingSettings tracking, string? password = null) => MailSettings.Default with
    {
        Tracking = tracking,
        Credentials = new CredentialsSettings(user.Login, password ?? user.Password, false),
        Imap = new ImapSettings(LocalStack.MailHost, LocalStack.ImapPort, ImapSecurity.StartTls, DontValidateCertificate: true, null),
    };

    public static TrackingSettings Tracking(ProcessMode process = ProcessMode.All, DateOnly? historicFrom = null, bool markAsRead = false,
        params string[] denyList) => new(true, process, historicFrom, markAsRead, denyList);

    public async Task<IMailboxGrain> EnableAsync(string adminId, MailSettings settings)
    {
        var mailbox = Mailbox(adminId);
        var result = await mailbox.UpdateSettingsAsync(settings);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
        return mailbox;
    }

    /// <summary>The subjects stored for a mailbox, with their direction, oldest first.</summary>
    public async Task<IReadOnlyList<(string Subject, string Direction)>> StoredAsync(string mailboxId)
    {
        await using var dataSource = Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(subject, ''), direction FROM mail_messages WHERE mailbox_id = @mailbox ORDER BY id");
        command.Parameters.AddWithValue("mailbox", mailboxId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<(string Subject, string Direction)>> WaitForStoredAsync(string mailboxId, int count, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.ReturnsAsync(() => StoredAsync(mailboxId), rows => rows.Count >= count, timeout ?? TimeSpan.FromSeconds(30),
                $"{count} message(s) stored for {mailboxId}");
        }
        catch (TimeoutException exception)
        {
            throw new TimeoutException($"{exception.Message}\nStored: {string.Join(", ", await StoredAsync(mailboxId))}\n{Cluster.Output}", exception);
        }
    }

    public static Task<MailboxStatus> WaitForStateAsync(IMailboxGrain mailbox, MailboxState state, TimeSpan? timeout = null) =>
        Eventually.ReturnsAsync(() => mailbox.GetStatusAsync(), status => status.State == state, timeout ?? TimeSpan.FromSeconds(30),
            $"mailbox state {state}");

    /// <summary>Puts a message straight into a folder, with the flags and delivery date a test needs.</summary>
    public static async Task AppendAsync(MailUser user, MimeMessage message, MessageFlags flags = MessageFlags.None,
        DateTimeOffset? deliveredAt = null, string? folder = null)
    {
        using var imap = await MailClients.ImapAsync(user);
        var target = folder is null ? imap.Inbox : await imap.GetFolderAsync(folder);
        await target.AppendAsync(new AppendRequest(message, flags) { InternalDate = deliveredAt });
        await imap.DisconnectAsync(quit: true);
    }

    /// <summary>The server-side flags of the INBOX message with that subject.</summary>
    public static async Task<MessageFlags> FlagsOnServerAsync(MailUser user, string subject)
    {
        using var imap = await MailClients.ImapAsync(user);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.Flags | MessageSummaryItems.Envelope);
        return summaries.Single(summary => summary.Envelope?.Subject == subject).Flags.GetValueOrDefault();
    }

    /// <summary>The UIDs of the user's INBOX messages marked \Seen on the server, in order.</summary>
    public static async Task<IReadOnlyList<long>> SeenUidsAsync(MailUser user)
    {
        using var imap = await MailClients.ImapAsync(user);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
        var summaries = await imap.Inbox.FetchAsync(0, -1, MessageSummaryItems.UniqueId | MessageSummaryItems.Flags);
        await imap.DisconnectAsync(quit: true);
        return [.. summaries.Where(summary => summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen)).Select(summary => (long)summary.UniqueId.Id).Order()];
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }
}

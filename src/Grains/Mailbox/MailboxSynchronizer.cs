using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Logging;
using Splynx.Orleans.Mailbox.Imap;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// The live sync of one mailbox: connect, import what is new in INBOX and the Sent folder, then wait
/// in IDLE (or poll) for more, reconnecting with backoff whenever anything fails. Runs as the grain's
/// background loop, on the grain's scheduler.
/// </summary>
/// <remarks>
/// Exactly once: a folder's cursor moves past a UID only after the message was committed, skipped by
/// the settings, or quarantined, so a sync that dies anywhere resumes by fetching again what was not
/// committed, and the store recognises what was. \Seen is set only on committed messages.
/// </remarks>
internal sealed partial class MailboxSynchronizer(
    IMailboxSyncHost host,
    IImapConnector connector,
    IMessageStore store,
    ImapConnectThrottle throttle,
    MailSyncOptions options,
    TimeProvider time,
    ILogger logger)
{
    private const MessageSummaryItems CandidateItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Envelope;

    private const int SummaryChunk = 500;

    public async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var settings = host.Settings;
            var endpoint = ImapEndpoint.From(settings, host.Password);
            try
            {
                await throttle.WaitAsync(stopping);
                host.ReportState(MailboxState.Connecting);
                using var client = await connector.ConnectAsync(endpoint, stopping);
                client.Timeout = (int)options.CommandTimeout.TotalMilliseconds;
                failures = 0;
                await RunSessionAsync(client, settings, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                var (kind, message) = MailErrors.Describe(exception, endpoint.Server, endpoint.Port);
                host.ReportState(MailboxState.Error, message, kind);
                LogSyncFailed(exception, host.MailboxId, kind);
                failures++;
                try
                {
                    await Task.Delay(Backoff(failures, kind), time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Exponential, with ±50 % jitter so that mailboxes that failed together do not retry together.</summary>
    private TimeSpan Backoff(int failures, MailErrorKind kind)
    {
        var first = kind == MailErrorKind.Auth ? options.AuthFailureBackoff : options.InitialBackoff;
        var exponential = first * Math.Pow(2, Math.Min(failures - 1, 16));
        var capped = exponential < options.MaxBackoff ? exponential : options.MaxBackoff;
        return capped * (0.5 + Random.Shared.NextDouble());
    }

    private async Task RunSessionAsync(ImapClient client, MailSettings settings, CancellationToken stopping)
    {
        host.ReportState(MailboxState.Syncing);
        var sent = await ResolveSentFolderAsync(client, settings, stopping);
        await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
        var nextSentCheck = time.GetUtcNow();

        while (true)
        {
            if (sent is not null && time.GetUtcNow() >= nextSentCheck)
            {
                await SyncFolderAsync(sent, SyncedFolder.Sent, MessageDirection.Out, settings, stopping);
                // Back to INBOX, catching whatever arrived while it was not selected.
                await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
                nextSentCheck = time.GetUtcNow() + options.SentCheckInterval;
            }
            if (host.PendingBackfillFrom is { } backfillFrom)
            {
                await BackfillAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, backfillFrom, settings, stopping);
                if (sent is not null)
                {
                    await BackfillAsync(sent, SyncedFolder.Sent, MessageDirection.Out, backfillFrom, settings, stopping);
                    await client.Inbox.OpenAsync(FolderAccess.ReadWrite, stopping);
                }
                await host.BackfillDoneAsync(backfillFrom);
            }

            host.ReportSynced();
            var wait = sent is null ? options.IdleReissue : Min(options.IdleReissue, nextSentCheck - time.GetUtcNow());
            await WaitForChangesAsync(client, wait, stopping);
            await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>IDLE until the mailbox changes or <paramref name="wait"/> is over; NOOP polling where IDLE is missing.</summary>
    private async Task WaitForChangesAsync(ImapClient client, TimeSpan wait, CancellationToken stopping)
    {
        if (wait <= TimeSpan.Zero)
        {
            return;
        }
        if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
        {
            await Task.Delay(Min(wait, options.PollInterval), time, stopping);
            await client.NoOpAsync(stopping);
            return;
        }

        using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        done.CancelAfter(wait);
        void EndIdle(object? sender, EventArgs e) => done.Cancel();
        client.Inbox.CountChanged += EndIdle;
        try
        {
            await client.IdleAsync(done.Token, stopping);
        }
        finally
        {
            client.Inbox.CountChanged -= EndIdle;
        }
    }

    private async Task<IMailFolder?> ResolveSentFolderAsync(ImapClient client, MailSettings settings, CancellationToken stopping)
    {
        if (client.PersonalNamespaces.Count == 0)
        {
            return null;
        }
        var folders = await client.GetFoldersAsync(client.PersonalNamespaces[0], StatusItems.None, subscribedOnly: false, stopping);
        if (!string.IsNullOrWhiteSpace(settings.Imap.SentFolder))
        {
            var chosen = folders.FirstOrDefault(folder => folder.FullName == settings.Imap.SentFolder);
            if (chosen is not null)
            {
                return chosen;
            }
            LogSentFolderMissing(host.MailboxId, settings.Imap.SentFolder);
        }
        return SentFolderDetector.Detect(folders.ToList());
    }

    /// <summary>Imports every message above the folder's cursor (on a first sync, from the import start on).</summary>
    private async Task SyncFolderAsync(IMailFolder folder, SyncedFolder role, MessageDirection direction, MailSettings settings,
        CancellationToken stopping)
    {
        await folder.OpenAsync(FolderAccess.ReadWrite, stopping);
        var uidValidity = (long)folder.UidValidity;
        var cursor = host.GetCursor(role);
        if (cursor is null || cursor.FolderName != folder.FullName || cursor.UidValidity != uidValidity)
        {
            if (cursor is not null && cursor.FolderName == folder.FullName)
            {
                // UIDVALIDITY changed: every UID is new, the messages are not. Import again from the start;
                // the store recognises each message by its Message-ID, so nothing is duplicated or announced.
                LogUidValidityChanged(host.MailboxId, folder.FullName, cursor.UidValidity, uidValidity);
            }
            cursor = new SyncCursor(folder.FullName, uidValidity, 0);
            await host.SaveCursorAsync(role, cursor);
        }

        var query = cursor.HighestUid > 0
            ? (SearchQuery)SearchQuery.Uids(new UniqueIdRange(new UniqueId((uint)uidValidity, (uint)cursor.HighestUid + 1), UniqueId.MaxValue))
            : SearchQuery.DeliveredAfter(host.ImportStart.UtcDateTime.Date.AddDays(-1));
        var uids = (await folder.SearchAsync(query, stopping))
            .Where(uid => uid.Id > cursor.HighestUid)
            .OrderBy(uid => uid.Id)
            .ToList();
        if (uids.Count == 0)
        {
            return;
        }

        host.ReportState(MailboxState.Syncing);
        foreach (var chunk in uids.Chunk(SummaryChunk))
        {
            await ImportAsync(folder, direction, chunk, settings, host.ImportStart, stopping);
            cursor = cursor with { HighestUid = chunk[^1].Id };
            await host.SaveCursorAsync(role, cursor);
        }
    }

    /// <summary>Imports what lies below the cursor between the new historic date and what was covered before.</summary>
    private async Task BackfillAsync(IMailFolder folder, SyncedFolder role, MessageDirection direction, DateOnly from,
        MailSettings settings, CancellationToken stopping)
    {
        await folder.OpenAsync(FolderAccess.ReadWrite, stopping);
        var cursor = host.GetCursor(role);
        if (cursor is null || cursor.HighestUid == 0 || cursor.UidValidity != (long)folder.UidValidity)
        {
            return; // the next regular sync imports from the (new) start anyway
        }
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var range = new UniqueIdRange(new UniqueId(folder.UidValidity, 1), new UniqueId(folder.UidValidity, (uint)cursor.HighestUid));
        var uids = (await folder.SearchAsync(SearchQuery.Uids(range).And(SearchQuery.DeliveredAfter(start.UtcDateTime.AddDays(-1))), stopping))
            .OrderBy(uid => uid.Id)
            .ToList();
        foreach (var chunk in uids.Chunk(SummaryChunk))
        {
            await ImportAsync(folder, direction, chunk, settings, start, stopping);
        }
    }

    private async Task ImportAsync(IMailFolder folder, MessageDirection direction, IList<UniqueId> uids, MailSettings settings,
        DateTimeOffset importStart, CancellationToken stopping)
    {
        var known = await store.KnownUidsAsync(host.MailboxId, folder.FullName, folder.UidValidity, uids.Select(uid => (long)uid.Id).ToList(), stopping);
        var fresh = uids.Where(uid => !known.Contains(uid.Id)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        var summaries = await folder.FetchAsync(fresh, CandidateItems, stopping);
        var filter = new ImportFilter(settings, direction, importStart);
        var wanted = summaries.Where(filter.Accepts).OrderBy(summary => summary.UniqueId.Id).ToList();

        // A pipeline of two: while the store parses and writes one batch (on the thread pool), the
        // connection already fetches the next. IMAP commands stay strictly one at a time.
        StoringBatch? storing = null;
        try
        {
            foreach (var batch in wanted.Chunk(Math.Max(1, options.FetchBatchSize)))
            {
                var fetched = await FetchBodiesAsync(folder, direction, batch, stopping);
                if (storing is not null)
                {
                    await CompleteAsync(folder, storing, settings, stopping);
                }
                storing = new StoringBatch(batch, fetched, Task.Run(() => store.StoreAsync(fetched, stopping), stopping));
            }
            if (storing is not null)
            {
                await CompleteAsync(folder, storing, settings, stopping);
                storing = null;
            }
        }
        finally
        {
            if (storing is not null)
            {
                await storing.DisposeAsync();
            }
        }
    }

    private async Task<List<FetchedMessage>> FetchBodiesAsync(IMailFolder folder, MessageDirection direction, IMessageSummary[] batch,
        CancellationToken stopping)
    {
        var bodies = new Dictionary<uint, Stream>();
        try
        {
            await ((ImapFolder)folder).GetStreamsAsync(batch.Select(summary => summary.UniqueId).ToList(),
                async (_, _, uid, stream, token) => bodies[uid.Id] = await SpoolAsync(stream, token), stopping);
        }
        catch
        {
            foreach (var body in bodies.Values)
            {
                await body.DisposeAsync();
            }
            throw;
        }

        var fetched = new List<FetchedMessage>(batch.Length);
        foreach (var summary in batch)
        {
            var location = new ServerLocation(folder.FullName, folder.UidValidity, summary.UniqueId.Id);
            if (bodies.TryGetValue(summary.UniqueId.Id, out var raw))
            {
                fetched.Add(new FetchedMessage(host.MailboxId, location, direction, summary.InternalDate ?? time.GetUtcNow(), raw));
            }
            else
            {
                // Expunged between the summary and the body fetch, or the server would not hand it out.
                LogBodyMissing(host.MailboxId, folder.FullName, summary.UniqueId.Id);
            }
        }
        return fetched;
    }

    /// <summary>Once a batch is committed: \Seen on the server (only for committed messages), then the events.</summary>
    private async Task CompleteAsync(IMailFolder folder, StoringBatch storing, MailSettings settings, CancellationToken stopping)
    {
        await using (storing)
        {
            var outcomes = await storing.Store;
            if (settings.Tracking.MarkAsRead)
            {
                var wasSeen = storing.Summaries.ToDictionary(summary => summary.UniqueId.Id, summary => summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen));
                var toMark = outcomes
                    .Where(outcome => outcome.IsCommitted && !wasSeen.GetValueOrDefault((uint)outcome.Location.Uid))
                    .Select(outcome => new UniqueId(folder.UidValidity, (uint)outcome.Location.Uid))
                    .ToList();
                if (toMark.Count > 0)
                {
                    await folder.AddFlagsAsync(toMark, MessageFlags.Seen, silent: true, stopping);
                }
            }
            await host.PublishAsync(outcomes);
        }
    }

    /// <summary>A batch whose bodies are being stored; owns the spooled bodies until then.</summary>
    private sealed record StoringBatch(IMessageSummary[] Summaries, List<FetchedMessage> Messages, Task<IReadOnlyList<StoreOutcome>> Store)
        : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await Store;
            }
            catch (Exception)
            {
                // The failure is reported by whoever awaited it first; the bodies must be released regardless.
            }
            foreach (var message in Messages)
            {
                await message.Raw.DisposeAsync();
            }
        }
    }

    /// <summary>Copies a message off the connection: small ones to memory, large ones to a temporary file deleted on close.</summary>
    private static async Task<Stream> SpoolAsync(Stream source, CancellationToken cancellationToken)
    {
        const long InMemoryLimit = 1024 * 1024;
        Stream target = source.CanSeek && source.Length <= InMemoryLimit
            ? new MemoryStream((int)source.Length)
            : new FileStream(Path.Combine(Path.GetTempPath(), "splynx-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
                FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        await source.CopyToAsync(target, cancellationToken);
        target.Position = 0;
        return target;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: sync failed ({Kind}); retrying after a pause")]
    private partial void LogSyncFailed(Exception exception, string mailboxId, MailErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: UIDVALIDITY of {Folder} changed from {Old} to {New}; re-synchronising by Message-ID")]
    private partial void LogUidValidityChanged(string mailboxId, string folder, long old, long @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: the chosen Sent folder {Folder} does not exist; detecting it instead")]
    private partial void LogSentFolderMissing(string mailboxId, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mailbox {MailboxId}: message {Uid} of {Folder} vanished before its body was fetched")]
    private partial void LogBodyMissing(string mailboxId, string folder, uint uid);
}

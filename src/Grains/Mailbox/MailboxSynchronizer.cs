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
    // What the import needs to know of a message before fetching it (the envelope only to apply a deny list:
    // it is the costly part of a summary for the server and for MailKit).
    private const MessageSummaryItems CandidateItems =
        MessageSummaryItems.UniqueId | MessageSummaryItems.Flags | MessageSummaryItems.InternalDate | MessageSummaryItems.Size;

    // MailKit holds a FETCH literal in memory whole before handing it over: a body larger than this is fetched in
    // ranges of this size, each written to the spool file, so that a 100 MB message costs the silo 4 MB, not 100.
    private const int LargeBodyRange = 4 * 1024 * 1024;

    // Consecutive failed sessions; reset only once a session has synced, so that a server that accepts
    // the login and then fails (refuses the INBOX, say) is retried with growing pauses too.
    private int _failures;

    // Set when the server announces new INBOX mail outside IDLE (with the answer to a SEARCH or FETCH):
    // the next wait must not sleep on mail that is already there.
    private bool _inboxChanged;

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var settings = host.Settings;
            var endpoint = ImapEndpoint.From(settings, "");
            try
            {
                await throttle.WaitAsync(endpoint.Server, stopping);
                endpoint = endpoint with { Password = await host.GetLoginSecretAsync(stopping) };
                host.ReportState(MailboxState.Connecting);
                using var client = await connector.ConnectAsync(endpoint, stopping);
                client.Timeout = (int)options.CommandTimeout.TotalMilliseconds;
                await RunSessionAsync(client, settings, stopping);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Stopping (settings changed, grain deactivating): whatever the connection said as it was cut is moot.
                return;
            }
            catch (Exception exception) when (!stopping.IsCancellationRequested)
            {
                var (kind, message) = MailErrors.Describe(exception, endpoint.Server, endpoint.Port);
                host.ReportState(MailboxState.Error, message, kind);
                LogSyncFailed(exception, host.MailboxId, kind);
                MailMetrics.SyncErrors.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString().ToLowerInvariant()));
                _failures++;
                try
                {
                    await Task.Delay(Backoff(_failures, kind), time, stopping);
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
        void InboxChanged(object? sender, EventArgs e) => _inboxChanged = true;
        // Held rather than asked for again: ImapClient.Inbox throws once the connection is gone, and a clean-up
        // that throws would hide why the session ended.
        var inbox = client.Inbox;
        inbox.CountChanged += InboxChanged;
        try
        {
            await SyncSessionAsync(client, settings, stopping);
        }
        finally
        {
            inbox.CountChanged -= InboxChanged;
        }
    }

    private async Task SyncSessionAsync(ImapClient client, MailSettings settings, CancellationToken stopping)
    {
        host.ReportState(MailboxState.Syncing);
        var sent = await ResolveSentFolderAsync(client, settings, stopping);
        await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
        var nextSentCheck = time.GetUtcNow();
        // Each mailbox checks at its own phase, so thousands of them never check together.
        var nextIdleCheck = time.GetUtcNow() + options.IdleCheckInterval * Random.Shared.NextDouble();
        var awakeForCheck = false;

        while (true)
        {
            // Awake for the periodic check, the Sent check that would fall due before the next one is done now:
            // a quiet session is woken once a minute instead of twice (each wake-up brings a hibernated Dovecot
            // session back into a process of its own).
            var sentSlack = awakeForCheck ? options.IdleCheckInterval : TimeSpan.Zero;
            awakeForCheck = false;
            if (sent is not null && time.GetUtcNow() + sentSlack >= nextSentCheck)
            {
                if (await HasMailAboveCursorAsync(sent, SyncedFolder.Sent, stopping))
                {
                    await SyncFolderAsync(sent, SyncedFolder.Sent, MessageDirection.Out, settings, stopping);
                    // Back to INBOX, catching whatever arrived while it was not selected.
                    await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
                }
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
            _failures = 0;
            var wait = _inboxChanged ? TimeSpan.Zero : sent is null ? options.IdleReissue : Min(options.IdleReissue, nextSentCheck - time.GetUtcNow());
            var untilCheck = nextIdleCheck - time.GetUtcNow();
            var onlyACheck = !_inboxChanged && untilCheck <= wait;
            await WaitForChangesAsync(client, onlyACheck ? untilCheck : wait, stopping);
            if (onlyACheck && !_inboxChanged)
            {
                // Servers under load now and then drop an IDLE notification (and do not repeat it later): asking
                // for UIDs above the cursor finds such mail whatever was announced. Without it, it waited for the
                // next message or Sent check.
                nextIdleCheck = time.GetUtcNow() + options.IdleCheckInterval;
                awakeForCheck = true;
                if (!await HasMailAboveCursorAsync(client.Inbox, stopping))
                {
                    continue;
                }
            }
            else if (!_inboxChanged && sent is not null && time.GetUtcNow() >= nextSentCheck && client.Capabilities.HasFlag(ImapCapabilities.Idle))
            {
                // Woken for the Sent check only: INBOX announced nothing, and the periodic check covers what it
                // may have failed to announce.
                continue;
            }
            await SyncFolderAsync(client.Inbox, SyncedFolder.Inbox, MessageDirection.In, settings, stopping);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>
    /// Whether a folder that is not selected holds mail above its cursor, by one STATUS (UIDNEXT, UIDVALIDITY): far
    /// cheaper for the server than selecting it, searching it and selecting INBOX again, which a check that finds
    /// nothing (nearly every check) used to cost every mailbox at every session start and every minute.
    /// </summary>
    private async Task<bool> HasMailAboveCursorAsync(IMailFolder folder, SyncedFolder role, CancellationToken stopping)
    {
        await folder.StatusAsync(StatusItems.UidNext | StatusItems.UidValidity, stopping);
        var cursor = host.GetCursor(role);
        return cursor is null || cursor.FolderName != folder.FullName || cursor.UidValidity != (long)folder.UidValidity
            || folder.UidNext is not { } next || next.Id - 1 > cursor.HighestUid;
    }

    /// <summary>One UID SEARCH on the selected INBOX: an index lookup for the server, a few bytes on the wire.</summary>
    private async Task<bool> HasMailAboveCursorAsync(IMailFolder inbox, CancellationToken stopping)
    {
        if (host.GetCursor(SyncedFolder.Inbox) is not { HighestUid: > 0 } cursor)
        {
            return true;
        }
        var above = new UniqueIdRange(new UniqueId((uint)cursor.UidValidity, (uint)cursor.HighestUid + 1), UniqueId.MaxValue);
        // "n:*" always answers the last message, even below n: only a UID above the cursor is news.
        return (await inbox.SearchAsync(SearchQuery.Uids(above), stopping)).Any(uid => uid.Id > cursor.HighestUid);
    }

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

        // "Done" ends IDLE politely (DONE, then the server's OK); stopping cuts it short.
        using var done = new CancellationTokenSource(wait, time);
        // MailKit's command timeout does not cover IDLE, not even the answer to DONE: a connection that stalled while idle
        // (a NAT or a server that forgot it, without closing) would hold the mailbox forever. The answer is due within the
        // command timeout, as for any other command.
        using var answerDue = new CancellationTokenSource(Timeout.InfiniteTimeSpan, time);
        using var answerDueRegistration = done.Token.Register(() => answerDue.CancelAfter(options.CommandTimeout));
        using var idleCancellation = CancellationTokenSource.CreateLinkedTokenSource(stopping, answerDue.Token);
        void EndIdle(object? sender, EventArgs e) => done.Cancel();
        var inbox = client.Inbox;
        inbox.CountChanged += EndIdle;
        try
        {
            await client.IdleAsync(done.Token, idleCancellation.Token);
        }
        catch (OperationCanceledException) when (answerDue.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            throw new TimeoutException($"The server did not answer the end of IDLE within {options.CommandTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            inbox.CountChanged -= EndIdle;
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
        if (role == SyncedFolder.Inbox)
        {
            // What the search below sees covers every announcement made so far.
            _inboxChanged = false;
        }
        var uidValidity = (long)folder.UidValidity;
        var cursor = host.GetCursor(role);
        if (cursor is null || cursor.FolderName != folder.FullName || cursor.UidValidity != uidValidity)
        {
            if (cursor is not null && cursor.FolderName == folder.FullName)
            {
                // UIDVALIDITY changed: every UID is new, the messages are not. Import again from the start;
                // the store recognises each message by its content, so nothing is duplicated or announced.
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
        await using var pipeline = new ImportPipeline(this, folder, settings, stopping);
        foreach (var chunk in uids.Chunk(Math.Max(1, options.SummaryBatchSize)))
        {
            await ImportAsync(pipeline, direction, chunk, settings, host.ImportStart, stopping);
            // The cursor passes this chunk once everything of it that was wanted is committed (and marked).
            var passed = cursor = cursor with { HighestUid = chunk[^1].Id };
            await pipeline.AfterQueuedAsync(() => host.SaveCursorAsync(role, passed));
        }
        await pipeline.DrainAsync();
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
        await using var pipeline = new ImportPipeline(this, folder, settings, stopping);
        foreach (var chunk in uids.Chunk(Math.Max(1, options.SummaryBatchSize)))
        {
            await ImportAsync(pipeline, direction, chunk, settings, start, stopping);
        }
        await pipeline.DrainAsync();
    }

    private async Task ImportAsync(ImportPipeline pipeline, MessageDirection direction, IList<UniqueId> uids, MailSettings settings,
        DateTimeOffset importStart, CancellationToken stopping)
    {
        var folder = pipeline.Folder;
        var uidNumbers = uids.Select(uid => (long)uid.Id).ToList();
        var known = await store.KnownUidsAsync(host.MailboxId, folder.FullName, folder.UidValidity, uidNumbers, stopping);
        if (known.Count > 0 && settings.Tracking.MarkAsRead)
        {
            await MarkStoredAsReadAsync(folder, uids.Where(uid => known.Contains(uid.Id)).ToList(), stopping);
        }
        var fresh = uids.Where(uid => !known.Contains(uid.Id)).ToList();
        if (fresh.Count == 0)
        {
            return;
        }
        // The live settings, not the session's: a sender blocked a moment ago is kept out of this very batch.
        var filter = new ImportFilter(host.Settings, direction, importStart);
        var summaries = await folder.FetchAsync(fresh, filter.NeedsEnvelope ? CandidateItems | MessageSummaryItems.Envelope : CandidateItems, stopping);
        var wanted = summaries.Where(filter.Accepts).OrderBy(summary => summary.UniqueId.Id).ToList();
        foreach (var batch in wanted.Chunk(Math.Max(1, options.FetchBatchSize)))
        {
            await pipeline.AddAsync(direction, batch);
        }
    }

    /// <summary>
    /// The import of one folder as a pipeline: while the store parses and writes earlier batches (on the thread
    /// pool, each in its own transaction), the connection already fetches the next. IMAP commands stay strictly
    /// one at a time, and batches complete (events, \Seen, then whatever waited for them) in the order they were fetched.
    /// </summary>
    private sealed class ImportPipeline(MailboxSynchronizer synchronizer, IMailFolder folder, MailSettings settings, CancellationToken stopping)
        : IAsyncDisposable
    {
        private readonly Queue<StoringBatch> _storing = new();

        public IMailFolder Folder => folder;

        public async Task AddAsync(MessageDirection direction, IMessageSummary[] batch)
        {
            List<FetchedMessage> fetched;
            try
            {
                fetched = await synchronizer.FetchBodiesAsync(folder, direction, batch, stopping);
            }
            catch when (_storing.Count > 0)
            {
                // The connection failed under the next batch: those being stored still commit, so announce them
                // now. Their \Seen flags (and the cursor) follow after the reconnect (MarkStoredAsReadAsync).
                while (_storing.TryDequeue(out var stored))
                {
                    await using (stored)
                    {
                        await synchronizer.AnnounceAsync(await stored.Store);
                    }
                }
                throw;
            }
            if (_storing.Count >= synchronizer.StoresInFlight)
            {
                await synchronizer.CompleteAsync(folder, _storing.Dequeue(), settings, stopping);
            }
            _storing.Enqueue(new StoringBatch(batch, fetched, synchronizer.StoreInBackground(fetched, stopping)));
        }

        /// <summary>Runs <paramref name="then"/> once every batch queued so far has completed; at once if none is.</summary>
        public async Task AfterQueuedAsync(Func<Task> then)
        {
            if (_storing.Count == 0)
            {
                await then();
            }
            else
            {
                _storing.Last().Then.Add(then);
            }
        }

        public async Task DrainAsync()
        {
            while (_storing.TryDequeue(out var stored))
            {
                await synchronizer.CompleteAsync(folder, stored, settings, stopping);
            }
        }

        /// <summary>Releases what a failure left behind; nothing that waited on those batches runs.</summary>
        public async ValueTask DisposeAsync()
        {
            while (_storing.TryDequeue(out var abandoned))
            {
                await abandoned.DisposeAsync();
            }
        }
    }

    private async Task<List<FetchedMessage>> FetchBodiesAsync(IMailFolder folder, MessageDirection direction, IMessageSummary[] batch,
        CancellationToken stopping)
    {
        var bodies = new Dictionary<uint, Stream>();
        var imapFolder = (ImapFolder)folder;
        async Task Keep(ImapFolder _, int index, UniqueId uid, Stream stream, CancellationToken token) =>
            bodies[uid.Id] = await SpoolAsync(stream, token);
        async Task FetchOne(IMessageSummary summary)
        {
            if (summary.Size > LargeBodyRange)
            {
                if (await FetchInRangesAsync(imapFolder, summary.UniqueId, stopping) is { } body)
                {
                    bodies[summary.UniqueId.Id] = body;
                }
            }
            else
            {
                await imapFolder.GetStreamsAsync([summary.UniqueId], Keep, stopping);
            }
        }
        try
        {
            try
            {
                var small = batch.Where(summary => !(summary.Size > LargeBodyRange)).Select(summary => summary.UniqueId).ToList();
                if (small.Count > 0)
                {
                    await imapFolder.GetStreamsAsync(small, Keep, stopping);
                }
                foreach (var large in batch.Where(summary => summary.Size > LargeBodyRange))
                {
                    await FetchOne(large);
                }
            }
            catch (ImapCommandException)
            {
                // The server refused part of the batch: ask for the rest one by one, and quarantine what it
                // will not hand out, so that one bad message never holds up the mailbox.
                foreach (var summary in batch.Where(summary => !bodies.ContainsKey(summary.UniqueId.Id)))
                {
                    try
                    {
                        await FetchOne(summary);
                    }
                    catch (ImapCommandException refused)
                    {
                        var location = new ServerLocation(folder.FullName, folder.UidValidity, summary.UniqueId.Id);
                        await store.QuarantineAsync(host.MailboxId, location, summary.Envelope?.Subject,
                            $"The server would not hand out the message: {refused.Message}", stopping);
                    }
                }
            }
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

    /// <summary>
    /// \Seen for messages stored by an earlier session that ended before it could mark them (only stored
    /// ones: quarantined messages are never marked).
    /// </summary>
    private async Task MarkStoredAsReadAsync(IMailFolder folder, IList<UniqueId> knownUids, CancellationToken stopping)
    {
        var stored = await store.StoredUidsAsync(host.MailboxId, folder.FullName, folder.UidValidity,
            knownUids.Select(uid => (long)uid.Id).ToList(), stopping);
        if (stored.Count == 0)
        {
            return;
        }
        var flags = await folder.FetchAsync(knownUids.Where(uid => stored.Contains(uid.Id)).ToList(),
            MessageSummaryItems.UniqueId | MessageSummaryItems.Flags, stopping);
        var unseen = flags.Where(summary => !summary.Flags.GetValueOrDefault().HasFlag(MessageFlags.Seen)).Select(summary => summary.UniqueId).ToList();
        if (unseen.Count > 0)
        {
            await folder.AddFlagsAsync(unseen, MessageFlags.Seen, silent: true, stopping);
        }
    }

    /// <summary>Once a batch is committed: its events, then \Seen on the server (only for committed messages).</summary>
    private async Task CompleteAsync(IMailFolder folder, StoringBatch storing, MailSettings settings, CancellationToken stopping)
    {
        await using (storing)
        {
            var outcomes = await storing.Store;
            await AnnounceAsync(outcomes);
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
            foreach (var then in storing.Then)
            {
                await then();
            }
        }
    }

    private int StoresInFlight => Math.Max(1, options.StoresInFlight);

    private Task<IReadOnlyList<StoreOutcome>> StoreInBackground(List<FetchedMessage> fetched, CancellationToken stopping) =>
        Task.Run(() => store.StoreAsync(fetched, stopping), stopping);

    private async Task AnnounceAsync(IReadOnlyList<StoreOutcome> outcomes)
    {
        RecordMetrics(outcomes);
        await host.PublishAsync(outcomes);
    }

    private static void RecordMetrics(IReadOnlyList<StoreOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            if (outcome is { Kind: StoreOutcomeKind.Stored, Summary: { } summary })
            {
                MailMetrics.MessagesStored.Add(1, new KeyValuePair<string, object?>("direction", summary.Direction == MessageDirection.In ? "in" : "out"));
            }
            else if (outcome.Kind == StoreOutcomeKind.Quarantined)
            {
                MailMetrics.MessagesQuarantined.Add(1);
            }
        }
    }

    /// <summary>A batch whose bodies are being stored; owns the spooled bodies until then.</summary>
    private sealed record StoringBatch(IMessageSummary[] Summaries, List<FetchedMessage> Messages, Task<IReadOnlyList<StoreOutcome>> Store)
        : IAsyncDisposable
    {
        /// <summary>What waits for this batch (and every one before it) to complete.</summary>
        public List<Func<Task>> Then { get; } = [];

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
        Stream target = source.CanSeek && source.Length <= InMemoryLimit ? new MemoryStream((int)source.Length) : SpoolFile();
        await source.CopyToAsync(target, cancellationToken);
        target.Position = 0;
        return target;
    }

    private static FileStream SpoolFile() => new FileStream(Path.Combine(Path.GetTempPath(), "splynx-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew,
        FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    /// <summary>A large body by ranges (<c>BODY.PEEK[]&lt;offset.count&gt;</c>) into a spool file; null if the message is gone.</summary>
    private static async Task<Stream?> FetchInRangesAsync(ImapFolder folder, UniqueId uid, CancellationToken cancellationToken)
    {
        var target = SpoolFile();
        try
        {
            while (true)
            {
                await using var range = await folder.GetStreamAsync(uid, checked((int)target.Length), LargeBodyRange, cancellationToken);
                var before = target.Length;
                await range.CopyToAsync(target, cancellationToken);
                if (target.Length - before < LargeBodyRange)
                {
                    break;
                }
            }
            target.Position = 0;
            return target;
        }
        catch (MessageNotFoundException)
        {
            await target.DisposeAsync();
            return null; // expunged meanwhile: left out, as in a batch
        }
        catch
        {
            await target.DisposeAsync();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: sync failed ({Kind}); retrying after a pause")]
    private partial void LogSyncFailed(Exception exception, string mailboxId, MailErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: UIDVALIDITY of {Folder} changed from {Old} to {New}; re-synchronising by content")]
    private partial void LogUidValidityChanged(string mailboxId, string folder, long old, long @new);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: the chosen Sent folder {Folder} does not exist; detecting it instead")]
    private partial void LogSentFolderMissing(string mailboxId, string folder);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mailbox {MailboxId}: message {Uid} of {Folder} vanished before its body was fetched")]
    private partial void LogBodyMissing(string mailboxId, string folder, uint uid);
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Utilities;
using Orleans.Runtime.Placement;
using Splynx.Orleans.Mailbox.Imap;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.OAuth;
using Splynx.Orleans.Secrets;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// One admin's mailbox. Follows the Orleans "reminder plus background loop" recipe: while inbox
/// processing is enabled a reminder keeps the grain active (and brings it back on another silo
/// after a failure), and the grain runs <see cref="MailboxSynchronizer"/> as its background loop.
/// </summary>
public sealed partial class MailboxGrain(
    [PersistentState("mailbox")] IPersistentState<MailboxGrainState> state,
    IImapConnector connector,
    IMessageStore store,
    MailboxAccessRules access,
    SecretProtector secrets,
    ImapConnectThrottle throttle,
    MailboxPresencePublisher presence,
    IOptions<MailSyncOptions> syncOptions,
    ILocalSiloDetails silo,
    OAuthTokenClient tokenClient,
    TimeProvider time,
    ILogger<MailboxGrain> logger)
    : Grain, IMailboxGrain, IMailboxSendingAccount, IMailboxPlacement, IRemindable, IMailboxSyncHost, IGrainMigrationParticipant, IDisposable
{
    private const string KeepSyncingReminder = "keep-syncing";
    private const string ObserversKey = "observers";
    private static readonly TimeSpan ServerClockAllowance = TimeSpan.FromMinutes(2);
    // The time of the last sync changes with every batch; the table needs it only roughly.
    private static readonly TimeSpan LastSyncPublishInterval = TimeSpan.FromMinutes(1);

    private readonly ObserverManager<IMailboxObserver> _observers = new(TimeSpan.FromMinutes(5), logger);
    private readonly GrantAccessToken _accessToken = new(tokenClient, time);
    // Writes of the state come from calls and from the sync loop; one at a time keeps the ETag straight.
    private readonly SemaphoreSlim _stateWrite = new(1, 1);
    private CancellationTokenSource? _syncStop;
    private Task? _syncLoop;
    private (MailboxState State, string? Error, MailErrorKind? Kind) _state = (MailboxState.Disabled, null, null);
    private DateTime? _lastSyncAt;
    private DateTime? _lastSyncPublished;

    public string MailboxId => this.GetPrimaryKeyString();

    public MailSettings Settings => state.State.Settings;

    public string Password => state.State.ProtectedPassword is { } protectedPassword ? secrets.Unprotect(protectedPassword) : "";

    public DateTimeOffset ImportStart => ImportStartFor(Settings);

    public DateOnly? PendingBackfillFrom =>
        Settings.Tracking.HistoricFrom is { } from && state.State.ImportedFrom is { } imported && from < imported ? from : null;

    private bool ShouldSync => Settings.Tracking.Enabled && Settings.HasImapConfigured;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (ShouldSync)
        {
            StartSync();
            PublishPresence();
            // The reminder is the backstop; the sync does not wait for it. A silo that just started, or whose
            // neighbour just died, answers reminder registrations only once it has read its range of the
            // reminder table, which at failover and cold start held every activation up by seconds.
            _ = RenewKeepAliveAsync();
        }
        return Task.CompletedTask;
    }

    private async Task RenewKeepAliveAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(KeepSyncingReminder, syncOptions.Value.KeepAlivePeriod, syncOptions.Value.KeepAlivePeriod);
        }
        catch (Exception exception)
        {
            LogKeepAliveRenewalFailed(exception, MailboxId);
        }
    }

    public Task ResumeAsync()
    {
        if (ShouldSync && (_syncLoop is null || _syncLoop.IsCompleted))
        {
            StartSync();
        }
        return Task.CompletedTask;
    }

    public Task MoveToAsync(SiloAddress target)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        this.MigrateOnIdle();
        return Task.CompletedTask;
    }

    // A move keeps the browsers' subscriptions: without them the mailbox would be silent until the web hosts renew.
    void IGrainMigrationParticipant.OnDehydrate(IDehydrationContext dehydrationContext) =>
        dehydrationContext.TryAddValue(ObserversKey, _observers.Observers.Values.ToList());

    void IGrainMigrationParticipant.OnRehydrate(IRehydrationContext rehydrationContext)
    {
        if (rehydrationContext.TryGetValue<List<IMailboxObserver>>(ObserversKey, out var observers) && observers is not null)
        {
            foreach (var observer in observers)
            {
                _observers.Subscribe(observer, observer);
            }
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopRenewingAccessToken();
        await StopSyncAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!ShouldSync)
        {
            await StopKeepingAliveAsync();
        }
        else
        {
            await ResumeAsync();
        }
    }

    public Task<MailSettings> GetSettingsAsync() => Task.FromResult(Settings);

    public async Task<SettingsUpdateResult> UpdateSettingsAsync(MailSettings settings)
    {
        var credentials = settings.Credentials;
        var applicationId = credentials.OAuthApplicationId?.Trim();
        // A grant belongs to the application that issued it: another application needs another sign-in.
        var keepsGrant = applicationId is not null && state.State.ProtectedRefreshToken is not null
            && string.Equals(applicationId, Settings.Credentials.OAuthApplicationId, StringComparison.Ordinal);
        var errors = MailSettingsValidator.Validate(settings, state.State.ProtectedPassword is not null,
            DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime), keepsGrant);
        if (errors.Count > 0)
        {
            return new SettingsUpdateResult(null, errors);
        }

        var previous = Settings;
        if (!string.IsNullOrEmpty(credentials.Password))
        {
            state.State.ProtectedPassword = secrets.Protect(credentials.Password);
        }
        if (applicationId is null)
        {
            state.State.ProtectedRefreshToken = null;
        }
        else if (!string.IsNullOrEmpty(credentials.RefreshToken))
        {
            state.State.ProtectedRefreshToken = secrets.Protect(credentials.RefreshToken);
        }
        else if (!keepsGrant)
        {
            state.State.ProtectedRefreshToken = null;
        }
        var saved = Normalize(settings) with
        {
            Credentials = new CredentialsSettings(credentials.Username.Trim(), null, state.State.ProtectedPassword is not null,
                applicationId, null, state.State.ProtectedRefreshToken is not null),
        };
        if (IsOtherAccount(previous, saved))
        {
            // Another server or account is another mailbox on the server side: its UIDs start afresh.
            state.State.Cursors.Clear();
            state.State.ImportedFrom = null;
        }
        if (saved.Tracking.Enabled && state.State.ProcessingStartedAt is null)
        {
            state.State.ProcessingStartedAt = time.GetUtcNow();
        }
        state.State.ImportedFrom ??= saved.Tracking.Enabled ? DateOnly.FromDateTime(ImportStartFor(saved).UtcDateTime) : null;
        if (!string.IsNullOrEmpty(credentials.RefreshToken) || !keepsGrant || IsOtherAccount(previous, saved))
        {
            StopRenewingAccessToken();
            _accessToken.Forget();
        }
        state.State.Settings = saved;
        await SaveStateAsync();
        await access.RecordAsync(MailboxId, saved.HasImapConfigured, saved.Access.AdminIds, CancellationToken.None);

        await StopSyncAsync();
        if (ShouldSync)
        {
            await this.RegisterOrUpdateReminder(KeepSyncingReminder, syncOptions.Value.KeepAlivePeriod, syncOptions.Value.KeepAlivePeriod);
            StartSync();
        }
        else
        {
            await StopKeepingAliveAsync();
            ReportState(MailboxState.Disabled);
        }
        PublishPresence();
        return new SettingsUpdateResult(saved, new Dictionary<string, string[]>());
    }

    public async Task<ConnectionTestResult> TestImapAsync(MailSettings? candidate, CancellationToken cancellationToken) =>
        (await LoadFoldersAsync(candidate, cancellationToken)).Connection;

    public async Task<FolderListResult> LoadFoldersAsync(MailSettings? candidate, CancellationToken cancellationToken)
    {
        var settings = candidate ?? Settings;
        string password;
        if (settings.Credentials.UsesOAuth)
        {
            if (!string.Equals(settings.Credentials.OAuthApplicationId?.Trim(), Settings.Credentials.OAuthApplicationId, StringComparison.Ordinal)
                || state.State.ProtectedRefreshToken is null)
            {
                return new FolderListResult(new ConnectionTestResult(false, "Sign in with the provider first.", MailErrorKind.Auth), [], null);
            }
            try
            {
                password = await AccessTokenAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OAuthGrantRejectedException or HttpRequestException)
            {
                var (kind, message) = MailErrors.Describe(exception, settings.Imap.Server, settings.Imap.Port);
                return new FolderListResult(new ConnectionTestResult(false, message, kind), [], null);
            }
        }
        else
        {
            password = string.IsNullOrEmpty(settings.Credentials.Password) ? Password : settings.Credentials.Password;
        }
        if (string.IsNullOrWhiteSpace(settings.Imap.Server) || string.IsNullOrWhiteSpace(settings.Credentials.Username) || password.Length == 0)
        {
            return new FolderListResult(
                new ConnectionTestResult(false, "Enter the IMAP server, the username and the password first.", null), [], null);
        }
        return await new MailServerProbe(connector).LoadFoldersAsync(ImapEndpoint.From(settings, password), cancellationToken);
    }

    public async Task<MailboxStatus> GetStatusAsync()
    {
        // The state is read before the counts: the counts' awaits let later state changes run meanwhile.
        var (state, error, kind) = _state;
        var lastSyncAt = _lastSyncAt;
        var asOf = time.GetUtcNow().UtcDateTime;
        var messages = await store.CountAsync(MailboxId, CancellationToken.None);
        var quarantined = await store.QuarantineCountAsync(MailboxId, CancellationToken.None);
        return new MailboxStatus(state, error, kind, lastSyncAt, messages, quarantined, silo.SiloAddress.Endpoint.ToString(), asOf);
    }

    public Task<IReadOnlyList<QuarantinedMessage>> GetQuarantineAsync() => store.QuarantineAsync(MailboxId, CancellationToken.None);

    public async Task<bool> RetryQuarantinedAsync(string quarantineId)
    {
        var entry = (await store.QuarantineAsync(MailboxId, CancellationToken.None)).FirstOrDefault(item => item.Id == quarantineId);
        if (entry is null)
        {
            return false;
        }
        await using var raw = await store.OpenQuarantinedRawAsync(MailboxId, quarantineId, CancellationToken.None);
        if (raw is null)
        {
            // Nothing was kept: the next sync cannot see it again either (the cursor moved on), so the
            // owner can only drop it. Say so rather than pretend.
            return false;
        }
        var uidValidity = state.State.Cursors.Values.FirstOrDefault(cursor => cursor.FolderName == entry.Folder)?.UidValidity ?? 0;
        var direction = state.State.Cursors.TryGetValue(SyncedFolder.Sent, out var sent) && sent.FolderName == entry.Folder
            ? MessageDirection.Out
            : MessageDirection.In;
        var outcomes = await store.StoreAsync(
            [new FetchedMessage(MailboxId, new ServerLocation(entry.Folder, uidValidity, entry.Uid), direction, entry.At, raw)],
            CancellationToken.None);
        await PublishAsync(outcomes);
        return outcomes[0].IsCommitted;
    }

    public Task<bool> DropQuarantinedAsync(string quarantineId) => store.DropQuarantinedAsync(MailboxId, quarantineId, CancellationToken.None);

    public async Task<bool> DeleteMessageAsync(string messageId)
    {
        if (!await store.DeleteAsync(MailboxId, messageId, CancellationToken.None))
        {
            return false;
        }
        await NotifyRemovedAsync([messageId]);
        return true;
    }

    public async Task<string?> BlockSenderAsync(string messageId)
    {
        var summary = await store.GetSummaryAsync(MailboxId, messageId, CancellationToken.None);
        if (summary is null)
        {
            return null;
        }
        var address = summary.From.Address.ToLowerInvariant();
        if (!Settings.Tracking.DenyList.Contains(address, StringComparer.OrdinalIgnoreCase))
        {
            // Only the deny list changes, so the sync keeps its connection: the filter reads the settings per batch.
            state.State.Settings = Settings with { Tracking = Settings.Tracking with { DenyList = [.. Settings.Tracking.DenyList, address] } };
            await SaveStateAsync();
        }
        await NotifyRemovedAsync(await store.DeleteFromSenderAsync(MailboxId, address, CancellationToken.None));
        return address;
    }

    public Task NotifyChangedAsync(IReadOnlyList<string> messageIds) => NotifyWithSummariesAsync(MessageEventKind.Changed, messageIds);

    public async Task<MailSettings> GetSettingsForSendingAsync()
    {
        if (!Settings.Credentials.UsesOAuth)
        {
            return Settings with { Credentials = Settings.Credentials with { Password = Password } };
        }
        string token;
        try
        {
            token = await AccessTokenAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is OAuthGrantRejectedException or HttpRequestException)
        {
            // No token: the server refuses the login, and the outbox reports it as for a wrong password.
            LogAccessTokenFailed(exception, MailboxId);
            token = "";
        }
        return Settings with { Credentials = Settings.Credentials with { Password = token } };
    }

    public Task NotifyStoredAsync(IReadOnlyList<string> messageIds) => NotifyWithSummariesAsync(MessageEventKind.Received, messageIds);

    private async Task NotifyWithSummariesAsync(MessageEventKind kind, IReadOnlyList<string> messageIds)
    {
        var events = new List<MessageEvent>(messageIds.Count);
        foreach (var messageId in messageIds)
        {
            if (await store.GetSummaryAsync(MailboxId, messageId, CancellationToken.None) is { } summary)
            {
                events.Add(new MessageEvent(kind, MailboxId, messageId, summary));
            }
        }
        await NotifyAsync(events);
    }

    private Task NotifyRemovedAsync(IReadOnlyList<string> messageIds) =>
        NotifyAsync([.. messageIds.Select(messageId => new MessageEvent(MessageEventKind.Removed, MailboxId, messageId, null))]);

    private async Task NotifyAsync(List<MessageEvent> events)
    {
        if (events.Count > 0)
        {
            await _observers.Notify(observer => observer.OnMessageEventsAsync(events));
        }
    }

    public async Task NotifyEmailStatusAsync(EmailStatusEvent emailStatus) =>
        await _observers.Notify(observer => observer.OnEmailStatusAsync(MailboxId, emailStatus));

    public Task SubscribeAsync(IMailboxObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(IMailboxObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    SyncCursor? IMailboxSyncHost.GetCursor(SyncedFolder folder) => state.State.Cursors.GetValueOrDefault(folder);

    async Task IMailboxSyncHost.SaveCursorAsync(SyncedFolder folder, SyncCursor cursor)
    {
        state.State.Cursors[folder] = cursor;
        await SaveStateAsync();
    }

    async Task IMailboxSyncHost.BackfillDoneAsync(DateOnly from)
    {
        state.State.ImportedFrom = from;
        await SaveStateAsync();
    }

    public void ReportState(MailboxState newState, string? error = null, MailErrorKind? errorKind = null)
    {
        var next = (newState, error, errorKind);
        if (next == _state)
        {
            return;
        }
        _state = next;
        PublishPresence();
        _ = NotifyStatusAsync();
    }

    public void ReportSynced()
    {
        _lastSyncAt = time.GetUtcNow().UtcDateTime;
        if (_state.State == MailboxState.Idle && (_lastSyncPublished is null || _lastSyncAt - _lastSyncPublished >= LastSyncPublishInterval))
        {
            PublishPresence();
        }
        ReportState(MailboxState.Idle);
    }

    private void PublishPresence()
    {
        _lastSyncPublished = _lastSyncAt;
        presence.Publish(new MailboxPresence(MailboxId, ShouldSync, ShouldSync ? silo.SiloAddress.ToParsableString() : null,
            _state.State, _state.Error, _state.Kind, _lastSyncAt));
    }

    public async Task PublishAsync(IReadOnlyList<StoreOutcome> outcomes)
    {
        await NotifyAsync([.. outcomes
            .Where(outcome => outcome is { Kind: StoreOutcomeKind.Stored, Summary: not null })
            .Select(outcome => new MessageEvent(MessageEventKind.Received, MailboxId, outcome.Summary!.Id, outcome.Summary))]);
    }

    private async Task NotifyStatusAsync()
    {
        try
        {
            var status = await GetStatusAsync();
            await _observers.Notify(observer => observer.OnStatusChangedAsync(MailboxId, status));
        }
        catch (Exception exception)
        {
            LogStatusNotificationFailed(exception, MailboxId);
        }
    }

    private void StartSync()
    {
        _syncStop = new CancellationTokenSource();
        var synchronizer = new MailboxSynchronizer(this, connector, store, throttle, syncOptions.Value, time, logger);
        _syncLoop = synchronizer.RunAsync(_syncStop.Token);
    }

    private async Task StopSyncAsync()
    {
        if (_syncStop is null || _syncLoop is null)
        {
            return;
        }
        await _syncStop.CancelAsync();
        try
        {
            await _syncLoop;
        }
        catch (Exception exception)
        {
            LogSyncLoopEnded(exception, MailboxId);
        }
        _syncStop.Dispose();
        _syncStop = null;
        _syncLoop = null;
    }

    private async Task StopKeepingAliveAsync()
    {
        if (await this.GetReminder(KeepSyncingReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task SaveStateAsync()
    {
        await _stateWrite.WaitAsync();
        try
        {
            await state.WriteStateAsync();
        }
        finally
        {
            _stateWrite.Release();
        }
    }

    /// <summary>
    /// The historic date, or else the moment processing was first enabled, less a margin: servers stamp
    /// delivery in whole seconds by their own clock, and mail that arrived as the admin switched
    /// processing on must not fall through the gap.
    /// </summary>
    private DateTimeOffset ImportStartFor(MailSettings settings) =>
        settings.Tracking.HistoricFrom is { } from
            ? new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : (state.State.ProcessingStartedAt ?? time.GetUtcNow()) - ServerClockAllowance;

    private static bool IsOtherAccount(MailSettings previous, MailSettings next) =>
        !string.Equals(previous.Imap.Server, next.Imap.Server, StringComparison.OrdinalIgnoreCase)
        || previous.Imap.Port != next.Imap.Port
        || !string.Equals(previous.Credentials.Username, next.Credentials.Username, StringComparison.Ordinal);

    private static MailSettings Normalize(MailSettings settings) => settings with
    {
        Tracking = settings.Tracking with
        {
            DenyList = settings.Tracking.DenyList.Select(DenyList.Normalize).Where(line => line.Length > 0).Distinct().ToList(),
        },
        Access = new AccessSettings(settings.Access.AdminIds.Select(id => id.Trim()).Distinct().ToList()),
        Imap = settings.Imap with { Server = settings.Imap.Server.Trim(), SentFolder = string.IsNullOrWhiteSpace(settings.Imap.SentFolder) ? null : settings.Imap.SentFolder },
    };

    public void Dispose()
    {
        _syncStop?.Dispose();
        _stateWrite.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: no access token for the account's OAuth grant")]
    private partial void LogAccessTokenFailed(Exception exception, string mailboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: the sync loop ended with an error")]
    private partial void LogSyncLoopEnded(Exception exception, string mailboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: renewing the keep-alive reminder failed; the one registered before still stands")]
    private partial void LogKeepAliveRenewalFailed(Exception exception, string mailboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mailbox {MailboxId}: notifying observers of the status failed")]
    private partial void LogStatusNotificationFailed(Exception exception, string mailboxId);
}

using Microsoft.AspNetCore.SignalR;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.WebHost.Mailbox;
using Splynx.Orleans.WebHost.Messages;
using Splynx.Orleans.WebHost.Sending;

namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>
/// The one Orleans observer of this web host: subscribed to exactly the mailboxes its connections may read, renewed
/// on a tick well inside the grains' five-minute expiry, and forwarding each event to the connections allowed to
/// receive it now. No SignalR backplane: every web host hears the grains itself.
/// </summary>
public sealed partial class MailboxEventRelay(
    IClusterClient cluster,
    ConnectionAccess access,
    IHubContext<MailHub> hub,
    IConfiguration configuration,
    ILogger<MailboxEventRelay> logger) : BackgroundService, IMailboxObserver
{
    private readonly TimeSpan _renewalInterval = configuration.GetValue("Realtime:RenewalInterval", TimeSpan.FromSeconds(60));
    private readonly SemaphoreSlim _subscriptionsGate = new(1, 1);
    private readonly HashSet<string> _subscribed = new(StringComparer.Ordinal);
    private IMailboxObserver? _reference;

    /// <summary>Subscribes to the mailboxes newly needed and leaves those no connection needs; renews all when asked.</summary>
    public async Task SyncSubscriptionsAsync(bool renewAll, CancellationToken cancellationToken)
    {
        await _subscriptionsGate.WaitAsync(cancellationToken);
        try
        {
            var needed = access.NeededMailboxes();
            // The reference holds this object weakly: the singleton keeps it alive.
            _reference ??= cluster.CreateObjectReference<IMailboxObserver>(this);
            foreach (var mailboxId in needed.Where(mailbox => renewAll || !_subscribed.Contains(mailbox)))
            {
                try
                {
                    await cluster.GetGrain<IMailboxGrain>(mailboxId).SubscribeAsync(_reference);
                    _subscribed.Add(mailboxId);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Not marked as subscribed: the next change or tick tries again.
                    _subscribed.Remove(mailboxId);
                    LogSubscribeFailed(exception, mailboxId);
                }
            }
            foreach (var mailboxId in _subscribed.Where(mailbox => !needed.Contains(mailbox)).ToList())
            {
                _subscribed.Remove(mailboxId);
                try
                {
                    await cluster.GetGrain<IMailboxGrain>(mailboxId).UnsubscribeAsync(_reference);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // The grain forgets the subscription when it expires anyway.
                    LogUnsubscribeFailed(exception, mailboxId);
                }
            }
        }
        finally
        {
            _subscriptionsGate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_renewalInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                // Access changed on another web host shows here within one tick, events of it at once (RecipientsAsync).
                await access.RefreshAllAsync(stoppingToken);
                await SyncSubscriptionsAsync(renewAll: true, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRenewalFailed(exception);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is null)
        {
            return;
        }
        foreach (var mailboxId in _subscribed.ToList())
        {
            try
            {
                await cluster.GetGrain<IMailboxGrain>(mailboxId).UnsubscribeAsync(_reference);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogUnsubscribeFailed(exception, mailboxId);
            }
        }
        cluster.DeleteObjectReference<IMailboxObserver>(_reference);
    }

    public async Task OnMessageEventsAsync(IReadOnlyList<MessageEvent> messageEvents)
    {
        foreach (var messageEvent in messageEvents)
        {
            try
            {
                var (method, payload) = messageEvent switch
                {
                    { Kind: MessageEventKind.Removed } => ("messageRemoved", (object)new MessageRemovedPush(messageEvent.MailboxId, messageEvent.MessageId)),
                    { Kind: MessageEventKind.Received, Summary: { } summary } => ("messageReceived", MessageSummaryResponse.Of(summary)),
                    { Kind: MessageEventKind.Changed, Summary: { } summary } => ("messageChanged", MessageSummaryResponse.Of(summary)),
                    _ => ("", null!),
                };
                if (method.Length > 0)
                {
                    await SendAsync(messageEvent.MailboxId, method, payload);
                }
            }
            catch (Exception exception)
            {
                // Thrown back, the grain's observer manager would drop this web host's subscription.
                LogForwardFailed(exception, messageEvent.MailboxId);
            }
        }
    }

    public async Task OnStatusChangedAsync(string mailboxId, MailboxStatus status)
    {
        try
        {
            await SendAsync(mailboxId, "mailboxStatus", new MailboxStatusPush(mailboxId, MailboxStatusResponse.From(status)));
        }
        catch (Exception exception)
        {
            LogForwardFailed(exception, mailboxId);
        }
    }

    public async Task OnEmailStatusAsync(string senderId, EmailStatusEvent emailStatus)
    {
        try
        {
            // The sender's own connections only: a delegate reading the same mailbox never learns how a send went.
            var recipients = access.ConnectionsOf(senderId);
            if (recipients.Count > 0)
            {
                await hub.Clients.Clients(recipients).SendAsync("emailStatus", EmailStatusPush.Of(emailStatus));
            }
        }
        catch (Exception exception)
        {
            LogForwardFailed(exception, senderId);
        }
    }

    private async Task SendAsync(string mailboxId, string method, object payload)
    {
        using var pushLatency = Operations.SplynxMetrics.MeasurePush();
        var recipients = await access.RecipientsAsync(mailboxId, CancellationToken.None);
        if (recipients.Count > 0)
        {
            await hub.Clients.Clients(recipients).SendAsync(method, payload);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to the events of mailbox {MailboxId} failed")]
    private partial void LogSubscribeFailed(Exception exception, string mailboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Unsubscribing from the events of mailbox {MailboxId} failed")]
    private partial void LogUnsubscribeFailed(Exception exception, string mailboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the mailbox subscriptions failed")]
    private partial void LogRenewalFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding an event of mailbox {MailboxId} to the browsers failed")]
    private partial void LogForwardFailed(Exception exception, string mailboxId);
}

public sealed record MessageRemovedPush(string MailboxId, string Id);

public sealed record MailboxStatusPush(string MailboxId, MailboxStatusResponse Status);

/// <summary><c>emailStatus</c>: the outcome of an email to a customer, as <c>GET /api/customers/{id}/emails/{emailId}</c> would answer it.</summary>
public sealed record EmailStatusPush(string CustomerId, string Id, string Status, string? Error)
{
    public static EmailStatusPush Of(EmailStatusEvent emailStatus)
    {
        var email = OutgoingEmailResponse.From(new OutgoingEmail(emailStatus.Id, emailStatus.Status, emailStatus.Error, ""));
        return new(emailStatus.CustomerId, email.Id, email.Status, email.Error);
    }
}

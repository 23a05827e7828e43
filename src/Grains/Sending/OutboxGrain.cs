using System.Globalization;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Storage.Outbox;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.Sending;

/// <summary>
/// One admin's sending (C3, S9 tests). Each email is recorded in the outbox before anything else, stored at
/// once as outgoing mail and answered <c>queued</c>; then, in the background, claimed (<c>sending</c>), handed
/// to the SMTP server, settled (<c>sent</c> or <c>failed</c>) and copied to the IMAP Sent folder. A claim that a crash left behind is settled as
/// <c>unknown</c> when the grain next activates (a reminder brings it back after a crash): never retried.
/// </summary>
public sealed partial class OutboxGrain(
    OutboxRepository outbox,
    CustomerRepository customers,
    IMessageStore store,
    ISmtpConnector smtp,
    SentFolderCopier sentCopier,
    IOptions<SendOptions> options,
    TimeProvider time,
    ILogger<OutboxGrain> logger) : Grain, IOutboxGrain, IRemindable
{
    /// <summary>The synthetic folder an email sent through the service is stored under until the sync finds its Sent copy.</summary>
    public const string OutboxFolder = "(outbox)";

    private const string SettleReminder = "settle-outbox";
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    // Test emails leave no outbox row, so the rate limit counts them here.
    private readonly Queue<DateTimeOffset> _testEmails = new();
    private readonly HashSet<Task> _deliveries = [];
    private bool _reminderRegistered;

    private string AdminId => this.GetPrimaryKeyString();

    private IMailboxGrain Mailbox => GrainFactory.GetGrain<IMailboxGrain>(AdminId);

    private IMailboxSendingAccount SendingAccount => GrainFactory.GetGrain<IMailboxSendingAccount>(AdminId);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // One activation per admin: whatever is still queued or sending belongs to an activation that died.
        var settled = await outbox.SettleInterruptedAsync(AdminId, cancellationToken);
        if (settled.Count > 0)
        {
            LogSettledInterrupted(AdminId, settled.Count);
            // Not awaited: the mailbox grain may be the caller that is activating us, and it answers once we have.
            _ = TellSenderAsync(settled);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Sends under way finish first if they can; one that cannot keeps the reminder, to be settled elsewhere.
        try
        {
            await Task.WhenAll(_deliveries).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        // A clean stop leaves nothing to settle; only a crash keeps the reminder, which then activates us elsewhere.
        if (_reminderRegistered && await this.GetReminder(SettleReminder, cancellationToken) is { } reminder)
        {
            await this.UnregisterReminder(reminder, cancellationToken);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The activation settled what was interrupted; the reminder has done its job unless this activation sends.
        if (!_reminderRegistered && await this.GetReminder(SettleReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public async Task<ConnectionTestResult> TestSmtpAsync(CancellationToken cancellationToken)
    {
        var settings = await SendingAccount.GetSettingsForSendingAsync();
        var (route, problem) = await RouteAsync(settings, fromAddress: null, needFrom: false, cancellationToken);
        return route is null ? new ConnectionTestResult(false, problem!.Message, null) : await new SmtpProbe(smtp).TestAsync(route.Endpoint, cancellationToken);
    }

    public async Task<ConnectionTestResult> SendTestEmailAsync(string to, string? fromAddress, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(to) || !MailAddressRules.IsAddress(to.Trim()))
        {
            return new ConnectionTestResult(false, $"'{to}' is not an email address.", null);
        }
        var settings = await SendingAccount.GetSettingsForSendingAsync();
        var (route, problem) = await RouteAsync(settings, fromAddress, needFrom: true, cancellationToken);
        if (route is null)
        {
            return new ConnectionTestResult(false, problem!.Message, null);
        }
        if (await RateLimitProblemAsync(cancellationToken) is { } limited)
        {
            return new ConnectionTestResult(false, limited, null);
        }
        _testEmails.Enqueue(time.GetUtcNow());
        var message = OutgoingMessage.Build(route.From, route.ReplyTo, MailboxAddress.Parse(to.Trim()), "Test email from Splynx",
            "This is a test email: your SMTP settings work.", null, null, time.GetUtcNow());
        var failure = await HandOverAsync(route.Endpoint, message);
        return failure is null ? ConnectionTestResult.Success : new ConnectionTestResult(false, failure.Value.Message, failure.Value.Kind);
    }

    public async Task<SendResult> SendAsync(SendRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var settings = await SendingAccount.GetSettingsForSendingAsync();
        var (route, problem) = await RouteAsync(settings, request.FromAddress, needFrom: true, cancellationToken);
        if (route is null)
        {
            errors[problem!.Field] = [problem.Message];
        }

        var customer = await customers.GetAsync(request.CustomerId, cancellationToken);
        string? to = null;
        if (customer is null)
        {
            errors["customerId"] = [$"there is no customer or lead '{request.CustomerId}'"];
        }
        else if (customer.Emails.Count == 0)
        {
            errors["to"] = ["the customer has no email address: add one first"];
        }
        else if (string.IsNullOrWhiteSpace(request.To))
        {
            to = customer.Emails[0];
        }
        else
        {
            to = customer.Emails.FirstOrDefault(email => string.Equals(email, request.To.Trim(), StringComparison.OrdinalIgnoreCase));
            if (to is null)
            {
                errors["to"] = [$"'{request.To}' is not an address of this customer ({string.Join(", ", customer.Emails)})"];
            }
        }

        RepliedMessage? replied = null;
        if (!string.IsNullOrWhiteSpace(request.InReplyToId))
        {
            replied = await outbox.FindRepliedAsync(AdminId, request.InReplyToId.Trim(), cancellationToken);
            if (replied is null)
            {
                errors["inReplyToId"] = [$"there is no message '{request.InReplyToId}' that you may read"];
            }
        }
        var subject = string.IsNullOrWhiteSpace(request.Subject)
            ? replied is null ? null : OutgoingMessage.ReplySubject(replied.Subject)
            : request.Subject.Trim();
        if (subject is null)
        {
            errors["subject"] = ["is required"];
        }
        if (string.IsNullOrWhiteSpace(request.Text) && string.IsNullOrWhiteSpace(request.Html))
        {
            errors["text"] = ["write the message (text or HTML)"];
        }
        if (errors.Count > 0)
        {
            return new SendResult(null, errors);
        }
        if (await RateLimitProblemAsync(cancellationToken) is { } limited)
        {
            return new SendResult(null, new Dictionary<string, string[]>(), RateLimited: true, limited);
        }

        await KeepReminderAsync();
        var now = time.GetUtcNow();
        var message = OutgoingMessage.Build(route!.From, route.ReplyTo, new MailboxAddress(customer!.Name, to!), subject!,
            request.Text, request.Html, replied, now);
        var raw = OutgoingMessage.ToBytes(message);
        var messageId = message.MessageId!;
        var id = await outbox.InsertQueuedAsync(new OutboxEntry(AdminId, customer.Id, route.From.Address, to!, subject!, request.Text,
            request.Html, messageId, message.InReplyTo, [.. message.References], raw), CancellationToken.None);
        var storedId = await StoreAsOutgoingAsync(id, raw, now);

        // The SMTP conversation goes on in the background, on this grain: the caller learns "queued" at once and
        // the outcome from GetAsync, instead of waiting (and holding this grain) for however long the server takes.
        DelayDeactivation(SendTimeout * 2);
        var delivery = DeliverAsync(id, customer.Id, route.Endpoint, message, settings, storedId);
        _deliveries.Add(delivery);
        _ = delivery.ContinueWith(done => _deliveries.Remove(done), TaskScheduler.Current);
        return new SendResult(new OutgoingEmail(Id(id), OutgoingStatus.Queued, null, messageId), new Dictionary<string, string[]>());
    }

    /// <summary>Claims the email, hands it to the server once and records the outcome whatever happens.</summary>
    private async Task DeliverAsync(long id, string customerId, SmtpEndpoint endpoint, MimeMessage message, MailSettings settings, string? storedId)
    {
        try
        {
            if (!await outbox.MarkSendingAsync(id, CancellationToken.None))
            {
                return; // settled meanwhile
            }
            var failure = await HandOverAsync(endpoint, message);
            if (failure is { MayHaveBeenSent: true } unknown)
            {
                // The server may have accepted it: it stays held as sent mail, and is never handed over again.
                var error = $"{unknown.Message} The whole message had been handed over, so it may or may not have been sent. " +
                    "Check with the recipient before sending it again.";
                await outbox.MarkUnknownAsync(id, error, CancellationToken.None);
                await TellSenderAsync(new EmailStatusEvent(customerId, Id(id), OutgoingStatus.Unknown, error));
                return;
            }
            if (failure is { } failed)
            {
                await outbox.MarkFailedAsync(id, failed.Message, CancellationToken.None);
                if (storedId is not null)
                {
                    // Never sent, so it must not read as sent mail in the conversation; the outbox keeps the reason.
                    await Mailbox.DeleteMessageAsync(storedId);
                }
                await TellSenderAsync(new EmailStatusEvent(customerId, Id(id), OutgoingStatus.Failed, failed.Message));
                return;
            }
            await outbox.MarkSentAsync(id, CancellationToken.None);
            await TellSenderAsync(new EmailStatusEvent(customerId, Id(id), OutgoingStatus.Sent, null));
            await CopyToSentAsync(settings, message, id);
        }
        catch (Exception exception)
        {
            // The database failed under the outcome: the row stays claimed, and the next activation settles it
            // as unknown (the reminder is kept while this activation lives).
            LogDeliveryFailed(exception, AdminId, id);
        }
    }

    private async Task TellSenderAsync(IReadOnlyList<EmailStatusEvent> settled)
    {
        foreach (var emailStatus in settled)
        {
            await TellSenderAsync(emailStatus);
        }
    }

    /// <summary>The sender's open browsers learn the outcome at once; one that misses it reads it with GetAsync.</summary>
    private async Task TellSenderAsync(EmailStatusEvent emailStatus)
    {
        try
        {
            await Mailbox.NotifyEmailStatusAsync(emailStatus);
        }
        catch (Exception exception)
        {
            LogStatusNotificationFailed(exception, AdminId, emailStatus.Id);
        }
    }

    public async Task<OutgoingEmail?> GetAsync(string id) => await outbox.GetAsync(AdminId, id, CancellationToken.None) is { } email
        // "sending" is an inner step; the API knows queued, sent, failed and unknown.
        ? email.Status == OutgoingStatus.Sending ? email with { Status = OutgoingStatus.Queued } : email
        : null;

    /// <summary>The server, account and sender a send goes through, or why there is none.</summary>
    private async Task<(SendRoute? Route, RouteProblem? Problem)> RouteAsync(MailSettings settings, string? fromAddress, bool needFrom,
        CancellationToken cancellationToken)
    {
        var smtpSettings = settings.Smtp;
        if (!smtpSettings.Enabled)
        {
            return (null, new("smtp", "Sending is turned off: enable SMTP in My Profile first."));
        }
        if (smtpSettings.UseSystem)
        {
            var account = await GrainFactory.GetGrain<ISystemSmtpGrain>(ISystemSmtpGrain.Key).GetAccountForSendingAsync();
            if (account?.SenderEmail is null)
            {
                return (null, new("smtp", "The system SMTP server is not set up yet: ask a super-admin to configure it."));
            }
            // S9: with the system SMTP the From is the system sender, whatever the admin's username is.
            return (new SendRoute(SmtpEndpoint.FromAccount(account), new MailboxAddress(account.SenderName, account.SenderEmail),
                smtpSettings.ReplyTo), null);
        }
        if (string.IsNullOrWhiteSpace(smtpSettings.Server))
        {
            return (null, new("smtp.server", "Enter your SMTP server in My Profile first, or use the system SMTP."));
        }
        var endpoint = SmtpEndpoint.FromPersonal(settings, settings.Credentials.Password ?? "");
        var from = FirstAddress(fromAddress, settings.Credentials.Username)
            ?? await outbox.AdminEmailAsync(AdminId, cancellationToken)
            ?? FirstAddress(smtpSettings.ReplyTo);
        if (from is null)
        {
            return needFrom
                ? (null, new("fromAddress", "Say which address to send from: the username of your mail account is not an email address."))
                : (new SendRoute(endpoint, new MailboxAddress(null, "unknown@localhost"), smtpSettings.ReplyTo), null);
        }
        return (new SendRoute(endpoint, new MailboxAddress(null, from), smtpSettings.ReplyTo), null);
    }

    private static string? FirstAddress(params string?[] candidates) =>
        candidates.Select(candidate => candidate?.Trim()).FirstOrDefault(candidate => candidate is not null && MailAddressRules.IsAddress(candidate));

    /// <summary>
    /// Hands the message to the server once; null when accepted, else what went wrong, and whether the server may have
    /// accepted it all the same: the connection failed after the whole message was written and before the server's answer
    /// arrived (a server that answered with a refusal has not).
    /// </summary>
    private async Task<(MailErrorKind Kind, string Message, bool MayHaveBeenSent)?> HandOverAsync(SmtpEndpoint endpoint, MimeMessage message)
    {
        using var timeout = new CancellationTokenSource(SendTimeout);
        SmtpClient client;
        try
        {
            client = await smtp.ConnectAsync(endpoint, timeout.Token);
        }
        catch (Exception exception)
        {
            var (kind, text) = SmtpErrors.Describe(exception, endpoint.Server, endpoint.Port);
            return (kind, text, false);
        }
        using (client)
        {
            var handedOver = new HandedOver();
            try
            {
                await client.SendAsync(message, timeout.Token, handedOver);
            }
            catch (Exception exception)
            {
                var (kind, text) = SmtpErrors.Describe(exception, endpoint.Server, endpoint.Port);
                return (kind, text, handedOver.Whole && exception is not SmtpCommandException);
            }
            try
            {
                await client.DisconnectAsync(quit: true, timeout.Token);
            }
            catch (Exception exception)
            {
                // Accepted already: a QUIT that fails changes nothing about the send.
                LogQuitFailed(exception, AdminId, endpoint.Server);
            }
        }
        return null;
    }

    /// <summary>Whether MailKit wrote the whole message to the connection (DATA or BDAT), from its progress reports.</summary>
    private sealed class HandedOver : MailKit.ITransferProgress
    {
        public bool Whole { get; private set; }

        public void Report(long bytesTransferred, long totalSize) => Whole = bytesTransferred >= totalSize;

        // Without the size, any byte written may have been the last.
        public void Report(long bytesTransferred) => Whole = bytesTransferred > 0;
    }

    /// <summary>Stores the email as outgoing mail at once, under the outbox's synthetic location; returns its stored id.</summary>
    private async Task<string?> StoreAsOutgoingAsync(long outboxId, byte[] raw, DateTimeOffset now)
    {
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            var outcomes = await store.StoreAsync(
                [new FetchedMessage(AdminId, new ServerLocation(OutboxFolder, 0, outboxId), MessageDirection.Out, now, stream)],
                CancellationToken.None);
            if (outcomes[0] is { Kind: StoreOutcomeKind.Stored, Summary: { } summary })
            {
                await Mailbox.NotifyStoredAsync([summary.Id]);
                return summary.Id;
            }
            return outcomes[0].Summary?.Id;
        }
        catch (Exception exception)
        {
            // Showing it at once is a convenience: the send goes on, and the Sent copy brings it in later.
            LogStoreFailed(exception, AdminId, outboxId);
            return null;
        }
    }

    private async Task CopyToSentAsync(MailSettings settings, MimeMessage message, long outboxId)
    {
        if (!settings.HasImapConfigured)
        {
            return;
        }
        try
        {
            await sentCopier.CopyAsync(settings, settings.Credentials.Password ?? "", message, CancellationToken.None);
        }
        catch (Exception exception)
        {
            // The email went out; only the copy is missing. It stays stored in the service as outgoing.
            LogSentCopyFailed(exception, AdminId, outboxId);
        }
    }

    private async Task<string?> RateLimitProblemAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow() - RateWindow;
        while (_testEmails.TryPeek(out var at) && at < since)
        {
            _testEmails.Dequeue();
        }
        var recent = await outbox.CountSinceAsync(AdminId, since, cancellationToken) + _testEmails.Count;
        var limit = options.Value.PerMinute;
        return recent >= limit
            ? string.Create(CultureInfo.InvariantCulture, $"You have sent {recent} emails in the last minute, the most allowed is {limit}. Wait a minute and send again.")
            : null;
    }

    private async Task KeepReminderAsync()
    {
        if (!_reminderRegistered)
        {
            await this.RegisterOrUpdateReminder(SettleReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private sealed record SendRoute(SmtpEndpoint Endpoint, MailboxAddress From, string? ReplyTo);

    /// <summary>Why there is no way to send, under the field the admin must fix.</summary>
    private sealed record RouteProblem(string Field, string Message);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox {AdminId}: recording the outcome of email {OutboxId} failed; it is settled when the outbox next activates")]
    private partial void LogDeliveryFailed(Exception exception, string adminId, long outboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {AdminId}: {Count} email(s) interrupted by a crash were settled (sending became unknown, queued became failed)")]
    private partial void LogSettledInterrupted(string adminId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox {AdminId}: QUIT to {Server} failed after the message was accepted")]
    private partial void LogQuitFailed(Exception exception, string adminId, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {AdminId}: storing email {OutboxId} as outgoing failed")]
    private partial void LogStoreFailed(Exception exception, string adminId, long outboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {AdminId}: telling the sender's browsers the outcome of email {EmailId} failed")]
    private partial void LogStatusNotificationFailed(Exception exception, string adminId, string emailId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox {AdminId}: copying email {OutboxId} to the Sent folder failed")]
    private partial void LogSentCopyFailed(Exception exception, string adminId, long outboxId);
}

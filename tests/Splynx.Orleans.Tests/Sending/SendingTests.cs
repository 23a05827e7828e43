using MailKit;
using MailKit.Search;
using MimeKit;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>SMTP tests, test emails and mail to customers through the stack's real Postfix and Dovecot.</summary>
public sealed class SendingTests
{
    private static string NewId(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>A stack user's own account for IMAP and SMTP (submission with STARTTLS unless told otherwise).</summary>
    private static MailSettings Personal(MailUser user, SmtpSecurity security = SmtpSecurity.StartTls, int? port = null,
        string? password = null, bool tracking = false, string? replyTo = null) =>
        SettingsFor(user, tracking ? Tracking() : TrackingSettings.Default, password) with
        {
            Smtp = new SmtpSettings(true, replyTo, false, LocalStack.MailHost, port ?? LocalStack.SubmissionPort, security, SmtpAuth.Plain,
                DontValidateCertificate: true),
        };

    private static async Task<string> CreateCustomerAsync(MailboxHarness harness, params string[] emails)
    {
        var id = NewId("cust");
        var saved = await harness.Client.GetGrain<ICustomerGrain>(id).SaveAsync("Ann Customer", CustomerCategory.Customer, emails);
        Assert.NotNull(saved.Customer);
        return id;
    }

    [Fact]
    public async Task Personal_smtp_connects_over_submission_starttls_and_over_implicit_tls()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var starttls = NewId("admin");
        await harness.EnableAsync(starttls, Personal(user));
        var ssl = NewId("admin");
        await harness.EnableAsync(ssl, Personal(user, SmtpSecurity.Ssl, LocalStack.SmtpsPort));

        Assert.Equal(ConnectionTestResult.Success, await harness.Client.GetGrain<IOutboxGrain>(starttls).TestSmtpAsync());
        Assert.Equal(ConnectionTestResult.Success, await harness.Client.GetGrain<IOutboxGrain>(ssl).TestSmtpAsync());
    }

    [Fact]
    public async Task A_wrong_password_is_an_auth_error()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user, password: "not-" + user.Password));

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).TestSmtpAsync();

        Assert.False(result.Ok);
        Assert.Equal(MailErrorKind.Auth, result.ErrorKind);
        Assert.DoesNotContain(user.Password, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_email_arrives_over_implicit_tls()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var recipient = await LocalStack.CreateMailUserAsync("r");
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user, SmtpSecurity.Ssl, LocalStack.SmtpsPort));

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).SendTestEmailAsync(recipient.Address, user.Address);

        Assert.True(result.Ok, result.Error);
        var received = await WaitForInboxMessageAsync(recipient, "Test email from Splynx");
        Assert.Equal(user.Address, received.From.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task System_smtp_sends_as_the_system_sender_with_the_admins_reply_to()
    {
        await using var harness = await StartAsync();
        var system = await LocalStack.CreateMailUserAsync("s");
        var user = await LocalStack.CreateMailUserAsync();
        var recipient = await LocalStack.CreateMailUserAsync("r");
        var systemSmtp = harness.Client.GetGrain<ISystemSmtpGrain>(ISystemSmtpGrain.Key);
        var sender = $"noreply-{Guid.NewGuid():N}"[..20] + "@" + LocalStack.MailDomain;
        var saved = await systemSmtp.UpdateAsync(new SystemSmtpSettings(LocalStack.MailHost, LocalStack.SubmissionPort, SmtpSecurity.StartTls,
            SmtpAuth.Login, DontValidateCertificate: true, system.Login, system.Password, false, sender, "Splynx ISP"));
        Assert.True(saved.Succeeded, string.Join("; ", saved.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
        Assert.Null(saved.Saved!.Password);
        Assert.True(saved.Saved.HasPassword);
        Assert.Equal(ConnectionTestResult.Success, await systemSmtp.TestAsync(null));
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user, replyTo: user.Address) with
        {
            Smtp = new SmtpSettings(true, user.Address, UseSystem: true, null, 587, SmtpSecurity.StartTls, SmtpAuth.Plain, false),
        });

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).SendTestEmailAsync(recipient.Address);

        Assert.True(result.Ok, result.Error);
        var received = await WaitForInboxMessageAsync(recipient, "Test email from Splynx");
        var from = received.From.Mailboxes.Single();
        Assert.Equal(sender, from.Address);
        Assert.Equal("Splynx ISP", from.Name);
        Assert.Equal(user.Address, received.ReplyTo.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task System_smtp_settings_are_validated_field_by_field()
    {
        await using var harness = await StartAsync();
        var result = await harness.Client.GetGrain<ISystemSmtpGrain>(ISystemSmtpGrain.Key).UpdateAsync(
            new SystemSmtpSettings("bad host!", 0, SmtpSecurity.StartTls, SmtpAuth.Plain, false, null, null, false, "not-an-address", null));

        Assert.False(result.Succeeded);
        Assert.Equal(["password", "port", "senderEmail", "server", "username"], result.Errors.Keys.Order());
    }

    [Fact]
    public async Task A_reply_to_a_customer_arrives_threaded_is_copied_to_sent_and_stored_once()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerMail = await LocalStack.CreateMailUserAsync("c");
        var customerId = await CreateCustomerAsync(harness, customerMail.Address);
        var admin = NewId("admin");
        var mailbox = await harness.EnableAsync(admin, Personal(user, tracking: true, replyTo: user.Address));
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        var question = MailClients.Message(customerMail.Address, user.Address, "question about my bill");
        await MailClients.DeliverAsync(question);
        await harness.WaitForStoredAsync(admin, 1);
        var questionId = await harness.Database.ScalarAsync<long>($"SELECT id FROM mail_messages WHERE mailbox_id = '{admin}'");

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).SendAsync(new SendRequest(customerId, null, null,
            "Your bill is fine.", "<p>Your bill is <b>fine</b>.</p>", questionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            user.Address));

        Assert.True(result.Accepted, string.Join("; ", result.Errors.Select(error => $"{error.Key}: {string.Join(", ", error.Value)}")));
        Assert.Equal(OutgoingStatus.Queued, result.Email!.Status);
        Assert.Equal(OutgoingStatus.Sent, await OutcomeAsync(harness, admin, result.Email.Id));
        var messageId = result.Email.MessageId;
        var received = await WaitForInboxMessageAsync(customerMail, "Re: question about my bill");
        Assert.Equal(user.Address, received.From.Mailboxes.Single().Address);
        Assert.Equal(customerMail.Address, received.To.Mailboxes.Single().Address);
        Assert.Equal(user.Address, received.ReplyTo.Mailboxes.Single().Address);
        Assert.Equal(messageId, received.MessageId);
        Assert.Equal(question.MessageId, received.InReplyTo);
        Assert.Equal(question.MessageId, Assert.Single(received.References));
        // The copy is appended to Sent after the server accepted the mail: give the APPEND its moment.
        await Eventually.TrueAsync(async () => (await SubjectsInAsync(user, "Sent")).Contains("Re: question about my bill"),
            TimeSpan.FromSeconds(30), "the copy in the Sent folder");

        // Shown at once, then found again in the Sent folder by the sync: still one message, now at its Sent location.
        await Eventually.TrueAsync(
            async () => await harness.Database.ScalarAsync<string>(
                $"SELECT folder FROM mail_messages WHERE mailbox_id = '{admin}' AND message_id = '{messageId}'") == "Sent",
            TimeSpan.FromSeconds(30), "the sync to find the Sent copy");
        Assert.Equal(1, await harness.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}' AND message_id = '{messageId}' AND direction = 'out' AND customer_id = '{customerId}'"));
        Assert.Equal(2, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}'"));

        var answer = MailClients.Message(customerMail.Address, user.Address, "Re: Re: question about my bill");
        answer.InReplyTo = messageId;
        answer.References.Add(question.MessageId!);
        answer.References.Add(messageId);
        await MailClients.DeliverAsync(answer);
        await harness.WaitForStoredAsync(admin, 3);

        var conversation = await new MessageQueries(harness.Database.CreateDataSource()).ConversationAsync(customerId, [admin], null, 50, default);
        Assert.Equal(3, conversation.Items.Count);
        Assert.Single(conversation.Items.Select(item => item.ThreadId).Distinct());
        Assert.All(conversation.Items, item => Assert.Equal(customerId, item.Summary.CustomerId));
        Assert.Equal([MessageDirection.In, MessageDirection.Out, MessageDirection.In], conversation.Items.Select(item => item.Summary.Direction).Reverse());
        Assert.Equal(OutgoingStatus.Sent, (await harness.Client.GetGrain<IOutboxGrain>(admin).GetAsync(result.Email.Id))!.Status);
    }

    [Fact]
    public async Task The_address_must_belong_to_the_customer()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerId = await CreateCustomerAsync(harness, $"ann-{Guid.NewGuid():N}@elsewhere.test");
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user));

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).SendAsync(
            new SendRequest(customerId, "someone@else.test", "hello", "text", null, null, user.Address));

        Assert.False(result.Accepted);
        Assert.Equal(["to"], result.Errors.Keys);
        Assert.Equal(0, await harness.Database.ScalarAsync<long>("SELECT count(*) FROM mail_outbox"));
    }

    [Fact]
    public async Task An_smtp_server_that_is_down_fails_the_send_with_the_reason_and_nothing_goes_out_later()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerMail = await LocalStack.CreateMailUserAsync("c");
        var customerId = await CreateCustomerAsync(harness, customerMail.Address);
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user, SmtpSecurity.None, FreePort.Next()));

        var result = await harness.Client.GetGrain<IOutboxGrain>(admin).SendAsync(
            new SendRequest(customerId, null, "never arrives", "text", null, null, user.Address));

        Assert.Equal(OutgoingStatus.Queued, result.Email!.Status);
        Assert.Equal(OutgoingStatus.Failed, await OutcomeAsync(harness, admin, result.Email.Id));
        var failed = await harness.Client.GetGrain<IOutboxGrain>(admin).GetAsync(result.Email.Id);
        Assert.Contains("refused the connection", failed!.Error, StringComparison.Ordinal);
        Assert.Equal(0, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM mail_messages WHERE mailbox_id = '{admin}'"));
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(await MailClients.InboxSubjectsAsync(customerMail));
        Assert.Equal(OutgoingStatus.Failed, (await harness.Client.GetGrain<IOutboxGrain>(admin).GetAsync(result.Email.Id))!.Status);
        Assert.Equal(1, await harness.Database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE id = {result.Email.Id}"));
    }

    [Fact]
    public async Task Sending_more_than_the_limit_per_minute_is_refused_with_a_clear_reason()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerId = await CreateCustomerAsync(harness, $"ann-{Guid.NewGuid():N}@elsewhere.test");
        var admin = NewId("admin");
        // A closed port: each send fails at once, and failed sends count against the limit all the same.
        await harness.EnableAsync(admin, Personal(user, SmtpSecurity.None, FreePort.Next()));
        var outbox = harness.Client.GetGrain<IOutboxGrain>(admin);
        for (var i = 0; i < 30; i++)
        {
            Assert.True((await outbox.SendAsync(new SendRequest(customerId, null, $"send {i}", "text", null, null, user.Address))).Accepted);
        }

        var refused = await outbox.SendAsync(new SendRequest(customerId, null, "one too many", "text", null, null, user.Address));

        Assert.True(refused.RateLimited);
        Assert.Contains("30", refused.RateLimitError, StringComparison.Ordinal);
        Assert.Equal(30, await harness.Database.ScalarAsync<long>($"SELECT count(*) FROM mail_outbox WHERE admin_id = '{admin}'"));
    }

    [Fact]
    public async Task A_send_interrupted_while_sending_becomes_unknown_and_is_never_sent()
    {
        await using var harness = await StartAsync();
        var user = await LocalStack.CreateMailUserAsync();
        var customerMail = await LocalStack.CreateMailUserAsync("c");
        var customerId = await CreateCustomerAsync(harness, customerMail.Address);
        var admin = NewId("admin");
        await harness.EnableAsync(admin, Personal(user));
        var message = MailClients.Message(user.Address, customerMail.Address, "lost in a crash");
        using var raw = new MemoryStream();
        await message.WriteToAsync(raw);
        await using var dataSource = harness.Database.CreateDataSource();
        await using var insert = dataSource.CreateCommand("""
            INSERT INTO mail_outbox (admin_id, customer_id, from_address, to_address, subject, text_body, message_id, raw, status, attempts)
            VALUES (@admin, @customer, @from, @to, 'lost in a crash', 'text', @message_id, @raw, 'sending', 1)
            RETURNING id
            """);
        insert.Parameters.AddWithValue("admin", admin);
        insert.Parameters.AddWithValue("customer", customerId);
        insert.Parameters.AddWithValue("from", user.Address);
        insert.Parameters.AddWithValue("to", customerMail.Address);
        insert.Parameters.AddWithValue("message_id", message.MessageId!);
        insert.Parameters.AddWithValue("raw", raw.ToArray());
        var id = (long)(await insert.ExecuteScalarAsync())!;

        var email = await harness.Client.GetGrain<IOutboxGrain>(admin).GetAsync(id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(OutgoingStatus.Unknown, email!.Status);
        Assert.NotNull(email.Error);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Empty(await MailClients.InboxSubjectsAsync(customerMail));
        Assert.Equal(1, await harness.Database.ScalarAsync<int>($"SELECT attempts FROM mail_outbox WHERE id = {id}"));
    }

    /// <summary>The status the send settles on (it is queued while the SMTP conversation runs in the background).</summary>
    private static Task<OutgoingStatus> OutcomeAsync(MailboxHarness harness, string admin, string emailId) =>
        Eventually.ReturnsAsync(
            async () => (await harness.Client.GetGrain<IOutboxGrain>(admin).GetAsync(emailId))!.Status,
            status => status != OutgoingStatus.Queued, TimeSpan.FromSeconds(60), $"email {emailId} to be sent or to fail");

    private static Task<MimeMessage> WaitForInboxMessageAsync(MailUser user, string subject) =>
        Eventually.ReturnsAsync<MimeMessage?>(async () =>
        {
            using var imap = await MailClients.ImapAsync(user);
            await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);
            var uids = await imap.Inbox.SearchAsync(SearchQuery.SubjectContains(subject));
            var message = uids.Count > 0 ? await imap.Inbox.GetMessageAsync(uids[^1]) : null;
            await imap.DisconnectAsync(quit: true);
            return message;
        }, message => message is not null, TimeSpan.FromSeconds(30), $"'{subject}' in the INBOX of {user.Address}")!;

    private static async Task<IReadOnlyList<string>> SubjectsInAsync(MailUser user, string folderName)
    {
        using var imap = await MailClients.ImapAsync(user);
        var folder = await imap.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var subjects = folder.Count == 0 ? [] : (await folder.FetchAsync(0, -1, MessageSummaryItems.Envelope)).Select(item => item.Envelope?.Subject ?? "").ToList();
        await imap.DisconnectAsync(quit: true);
        return subjects;
    }
}

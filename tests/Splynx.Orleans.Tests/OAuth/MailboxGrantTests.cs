using System.Security.Cryptography;
using System.Text;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.OAuth;
using Splynx.Orleans.Tests.Infrastructure;
using Splynx.Orleans.Tests.MailStack;
using static Splynx.Orleans.Tests.Infrastructure.MailboxHarness;

namespace Splynx.Orleans.Tests.OAuth;

/// <summary>
/// A mailbox that signs in with an OAuth grant, in a silo against the stack's Dovecot and the provider the tests host
/// (access tokens of a few seconds): it syncs, goes on syncing on renewed tokens, stops on a revoked grant with
/// "Sign in again", and keeps the refresh token encrypted in its grain state row.
/// </summary>
public sealed class MailboxGrantTests
{
    private static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromSeconds(6);
    private static readonly string[] Scopes = ["openid", "email", "offline_access"];

    [Fact]
    public async Task A_mailbox_with_a_grant_syncs_on_renewed_tokens_and_asks_to_sign_in_again_once_the_grant_is_revoked()
    {
        await using var harness = await StartAsync();
        var (user, applicationId, refreshToken) = await SignedInAsync(harness);
        var admin = "admin-" + Guid.NewGuid().ToString("N")[..10];
        var mailbox = harness.Mailbox(admin);
        var settings = SettingsFor(user, Tracking()) with
        {
            Credentials = new CredentialsSettings(user.Address, null, false, applicationId, refreshToken),
        };

        // Saved first without syncing: the row holds the grant as saved, before any renewal rotates it.
        var saved = await mailbox.UpdateSettingsAsync(settings with { Tracking = settings.Tracking with { Enabled = false } });
        Assert.True(saved.Succeeded, string.Join("; ", saved.Errors.Keys));
        Assert.Null(saved.Saved!.Credentials.RefreshToken);
        Assert.True(saved.Saved.Credentials.HasGrant);
        Assert.Null((await mailbox.GetSettingsAsync()).Credentials.RefreshToken);
        var row = await StateRowAsync(harness);
        Assert.True(row.Length > 100, "the mailbox's grain state row is missing");
        Assert.Empty(ClearForms(row, refreshToken));

        // Enabled with the grant already saved: no refresh token travels again.
        await harness.EnableAsync(admin, settings with { Credentials = settings.Credentials with { RefreshToken = null } });
        await WaitForStateAsync(mailbox, MailboxState.Idle);
        await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, "first through a grant"));
        await harness.WaitForStoredAsync(admin, 1, TimeSpan.FromSeconds(20));

        // The first token has expired; the connection is cut so that the next login needs a renewed one.
        await Task.Delay(AccessTokenLifetime + TimeSpan.FromSeconds(2));
        await LocalStack.KickAsync(user);
        await MailClients.DeliverAsync(MailClients.Message("customer@elsewhere.test", user.Address, "second after the token expired"));
        var stored = await harness.WaitForStoredAsync(admin, 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["first through a grant", "second after the token expired"], stored.Select(message => message.Subject));
        Assert.NotEqual(MailboxState.Error, (await mailbox.GetStatusAsync()).State);

        await (await TestIdentityProvider.GetAsync()).RevokeTokensOfAsync(user.Address);

        var status = await Eventually.ReturnsAsync(() => mailbox.GetStatusAsync(), found => found.State == MailboxState.Error,
            AccessTokenLifetime * 4, "the mailbox in error after the grant was revoked");
        Assert.Equal(MailErrorKind.Auth, status.ErrorKind);
        Assert.Contains("Sign in again", status.Error, StringComparison.Ordinal);
        // The refused grant is not asked again and again: it stays refused, the state stays the auth error.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var later = await mailbox.GetStatusAsync();
        Assert.Equal((MailboxState.Error, MailErrorKind.Auth), (later.State, later.ErrorKind));
    }

    [Fact]
    public async Task The_outbox_sends_over_smtp_with_the_grants_access_token_and_fails_as_auth_once_it_is_revoked()
    {
        await using var harness = await StartAsync();
        var (user, applicationId, refreshToken) = await SignedInAsync(harness);
        var recipient = await LocalStack.CreateMailUserAsync("grantr");
        var admin = "admin-" + Guid.NewGuid().ToString("N")[..10];
        // The SMTP mechanism says plain, as for a password: the grant decides XOAUTH2.
        await harness.EnableAsync(admin, SettingsFor(user, TrackingSettings.Default) with
        {
            Credentials = new CredentialsSettings(user.Address, null, false, applicationId, refreshToken),
            Smtp = new SmtpSettings(true, null, false, LocalStack.MailHost, LocalStack.SubmissionPort, SmtpSecurity.StartTls, SmtpAuth.Plain,
                DontValidateCertificate: true),
        });
        var outbox = harness.Client.GetGrain<Splynx.Orleans.Sending.IOutboxGrain>(admin);

        var sent = await outbox.SendTestEmailAsync(recipient.Address, user.Address);

        Assert.True(sent.Ok, sent.Error);
        await Eventually.ReturnsAsync(() => MailClients.InboxSubjectsAsync(recipient), found => found.Any(subject => subject.Contains("Test email from Splynx", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the test email sent with the grant in the recipient's INBOX");

        await (await TestIdentityProvider.GetAsync()).RevokeTokensOfAsync(user.Address);
        await Task.Delay(AccessTokenLifetime + TimeSpan.FromSeconds(1));

        var refused = await outbox.TestSmtpAsync();
        Assert.False(refused.Ok);
        Assert.Equal(MailErrorKind.Auth, refused.ErrorKind);
    }

    /// <summary>A stack mail user known to the provider, a registration of it in the silo, and a grant's refresh token.</summary>
    private static async Task<(MailUser User, string ApplicationId, string RefreshToken)> SignedInAsync(MailboxHarness harness)
    {
        var user = await LocalStack.CreateMailUserAsync("grant");
        var provider = await TestIdentityProvider.GetAsync();
        var clientId = "mailbox-grant-" + Guid.NewGuid().ToString("N");
        var clientSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await provider.RegisterClientAsync(clientId, clientSecret, [], AccessTokenLifetime);
        provider.AddUser(user.Address, user.Password);
        var tokens = await provider.PasswordGrantAsync(clientId, clientSecret, user.Address, user.Password);
        var registered = await harness.Client.GetGrain<IOAuthApplicationsGrain>(IOAuthApplicationsGrain.Key).SaveAsync(new OAuthApplication(
            "", OAuthProviderKind.OpenIdConnect, "Test provider " + clientId[^6..], null, provider.Issuer.ToString(), clientId, clientSecret,
            HasClientSecret: false, Scopes));
        Assert.NotNull(registered?.Saved);
        return (user, registered.Saved.Id, tokens.RefreshToken!);
    }

    /// <summary>The harness's database is the test's own: its one mailbox row is this mailbox's.</summary>
    private static async Task<byte[]> StateRowAsync(MailboxHarness harness)
    {
        await using var dataSource = harness.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand("SELECT payload FROM orleans_storage WHERE grain_type = 'mailbox' AND payload IS NOT NULL");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the mailbox's grain state row is missing");
        var payload = reader.GetFieldValue<byte[]>(0);
        Assert.False(await reader.ReadAsync(), "more than one mailbox row");
        return payload;
    }

    private static List<string> ClearForms(byte[] row, string secret)
    {
        var utf8 = Encoding.UTF8.GetBytes(secret);
        (string Name, byte[] Bytes)[] forms =
        [
            ("UTF-8", utf8),
            ("UTF-16LE", Encoding.Unicode.GetBytes(secret)),
            ("base64 of UTF-8", Encoding.ASCII.GetBytes(Convert.ToBase64String(utf8).TrimEnd('='))),
        ];
        return [.. forms.Where(form => row.AsSpan().IndexOf(form.Bytes) >= 0).Select(form => $"the row holds the refresh token as {form.Name}")];
    }
}

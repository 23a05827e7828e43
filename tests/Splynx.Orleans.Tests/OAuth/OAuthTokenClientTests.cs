using System.Security.Cryptography;
using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Imap;
using Splynx.Orleans.OAuth;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.OAuth;

/// <summary>
/// The silo's side of a grant, against the OpenID Connect provider the tests host and the stack's Dovecot: a refresh
/// token is redeemed for access tokens that open IMAP with XOAUTH2, and a revoked grant is told apart from a failure
/// worth retrying.
/// </summary>
public sealed class OAuthTokenClientTests
{
    [Fact]
    public async Task A_refreshed_access_token_opens_imap_after_the_first_one_expired()
    {
        var lifetime = TimeSpan.FromSeconds(3);
        var (user, application, first) = await SignedInAsync(lifetime);
        using var tokens = new OAuthTokenClient(TimeProvider.System);
        await Task.Delay(lifetime + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<AuthenticationException>(() => LoginAsync(user, first.AccessToken));

        var before = DateTimeOffset.UtcNow;
        var refreshed = await tokens.RefreshAsync(application, first.RefreshToken!, CancellationToken.None);

        Assert.NotEqual(first.AccessToken, refreshed.AccessToken);
        Assert.InRange(refreshed.ExpiresAt, before + lifetime - TimeSpan.FromSeconds(1), DateTimeOffset.UtcNow + lifetime + TimeSpan.FromSeconds(1));
        await LoginAsync(user, refreshed.AccessToken);
        // The provider rotates refresh tokens; the new one works as well.
        Assert.NotNull(refreshed.RotatedRefreshToken);
        var again = await tokens.RefreshAsync(application, refreshed.RotatedRefreshToken, CancellationToken.None);
        await LoginAsync(user, again.AccessToken);
    }

    [Fact]
    public async Task A_refreshed_access_token_sends_through_smtp_submission_with_xoauth2()
    {
        var (user, application, first) = await SignedInAsync();
        var recipient = await LocalStack.CreateMailUserAsync("otr");
        using var tokens = new OAuthTokenClient(TimeProvider.System);
        var refreshed = await tokens.RefreshAsync(application, first.RefreshToken!, CancellationToken.None);
        var subject = "sent with a grant " + Guid.NewGuid();
        var connector = new MailKitSmtpConnector(new MailServerTrust(new ConfigurationBuilder().Build()), Options.Create(new SendOptions()));
        // Auth says plain, as a mailbox switched from a password might: the access token decides the mechanism.
        var endpoint = new SmtpEndpoint(LocalStack.MailHost, LocalStack.SubmissionPort, SmtpSecurity.StartTls, SmtpAuth.Plain,
            DontValidateCertificate: true, user.Address, refreshed.AccessToken, MailCredentialKind.AccessToken);

        using (var smtp = await connector.ConnectAsync(endpoint, CancellationToken.None))
        {
            Assert.True(smtp.IsAuthenticated);
            await smtp.SendAsync(MailStack.MailClients.Message(user.Address, recipient.Address, subject));
            await smtp.DisconnectAsync(quit: true);
        }

        await Eventually.ReturnsAsync(() => MailStack.MailClients.InboxSubjectsAsync(recipient), found => found.Contains(subject),
            TimeSpan.FromSeconds(30), "the message sent with an access token in the recipient's INBOX");
        await Assert.ThrowsAsync<AuthenticationException>(() => connector.ConnectAsync(
            endpoint with { Password = refreshed.AccessToken[..^4] + "AAAA" }, CancellationToken.None));
    }

    [Fact]
    public async Task A_grant_revoked_at_the_provider_is_rejected_as_needing_a_new_sign_in()
    {
        var (user, application, first) = await SignedInAsync();
        using var tokens = new OAuthTokenClient(TimeProvider.System);
        // The latest refresh token of the grant, good until the revocation.
        var current = (await tokens.RefreshAsync(application, first.RefreshToken!, CancellationToken.None)).RotatedRefreshToken!;

        await (await TestIdentityProvider.GetAsync()).RevokeTokensOfAsync(user.Address);

        var rejected = await Assert.ThrowsAsync<OAuthGrantRejectedException>(() => tokens.RefreshAsync(application, current, CancellationToken.None));
        Assert.Contains("invalid_grant", rejected.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(current, rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_cannot_be_reached_is_a_failure_to_retry_not_a_rejected_grant()
    {
        var (_, application, first) = await SignedInAsync();
        var unreachable = application with { Authority = $"http://127.0.0.1:{FreePort.Next()}/" };
        using var tokens = new OAuthTokenClient(TimeProvider.System);

        await Assert.ThrowsAsync<HttpRequestException>(() => tokens.RefreshAsync(unreachable, first.RefreshToken!, CancellationToken.None));
    }

    [Fact]
    public void Tokens_issued_together_are_renewed_spread_out_and_before_they_expire()
    {
        var random = new Random(17);
        var issued = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        var lifetime = TimeSpan.FromHours(1);

        var due = Enumerable.Range(0, 5000).Select(_ => AccessTokenRefresh.DueAt(issued, issued + lifetime, random)).ToList();

        Assert.All(due, at => Assert.InRange(at, issued + lifetime * 0.70, issued + lifetime - TimeSpan.FromMinutes(1)));
        // Spread over the whole window: no minute of it gets more than a few percent of the renewals.
        var busiestMinute = due.GroupBy(at => (long)(at - issued).TotalMinutes).Max(minute => minute.Count());
        Assert.True(busiestMinute < 5000 * 0.15, $"{busiestMinute} of 5000 renewals fall in one minute");
        Assert.True(due.Max() - due.Min() > lifetime * 0.14, "the renewals are not spread");
    }

    [Fact]
    public void A_short_token_is_renewed_within_its_life_and_an_expired_one_at_once()
    {
        var now = DateTimeOffset.UtcNow;
        var due = AccessTokenRefresh.DueAt(now, now + TimeSpan.FromSeconds(10), new Random(1));
        Assert.InRange(due, now + TimeSpan.FromSeconds(7), now + TimeSpan.FromSeconds(8.5));
        Assert.Equal(now, AccessTokenRefresh.DueAt(now, now - TimeSpan.FromSeconds(1), new Random(1)));
    }

    private static async Task LoginAsync(MailUser user, string accessToken)
    {
        var connector = new MailKitImapConnector(new MailServerTrust(new ConfigurationBuilder().Build()), Options.Create(new MailSyncOptions()));
        var endpoint = new ImapEndpoint(LocalStack.MailHost, LocalStack.ImapPort, ImapSecurity.StartTls, DontValidateCertificate: true,
            user.Address, accessToken, MailCredentialKind.AccessToken);
        using var client = await connector.ConnectAsync(endpoint, CancellationToken.None);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(quit: true);
    }

    private static async Task<(MailUser User, OAuthApplication Application, TokenSet Tokens)> SignedInAsync(TimeSpan? accessTokenLifetime = null)
    {
        var user = await LocalStack.CreateMailUserAsync("otc");
        var provider = await TestIdentityProvider.GetAsync();
        var clientId = "grant-test-" + Guid.NewGuid().ToString("N");
        var clientSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await provider.RegisterClientAsync(clientId, clientSecret, [], accessTokenLifetime);
        provider.AddUser(user.Address, user.Password);
        var tokens = await provider.PasswordGrantAsync(clientId, clientSecret, user.Address, user.Password);
        Assert.NotNull(tokens.RefreshToken);
        var application = new OAuthApplication("test", OAuthProviderKind.OpenIdConnect, "Test provider", null, provider.Issuer.ToString(),
            clientId, clientSecret, HasClientSecret: true, []);
        return (user, application, tokens);
    }
}

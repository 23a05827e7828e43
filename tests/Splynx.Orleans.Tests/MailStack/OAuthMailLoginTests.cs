using System.Security.Cryptography;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.MailStack;

/// <summary>
/// The stack's Dovecot (IMAP) and Postfix (SMTP AUTH through Dovecot) take XOAUTH2 and OAUTHBEARER with access
/// tokens of the OpenID Connect provider the tests host, checked by introspection, and refuse any other token.
/// </summary>
public sealed class OAuthMailLoginTests
{
    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Imap_accepts_an_access_token_of_the_provider_for_its_own_address(string mechanism)
    {
        var (user, tokens) = await SignedInUserAsync();
        using var imap = await ConnectImapAsync();

        await imap.AuthenticateAsync(Sasl(mechanism, user.Address, tokens.AccessToken));

        Assert.True(imap.IsAuthenticated);
        await imap.Inbox.OpenAsync(MailKit.FolderAccess.ReadOnly);
        Assert.Equal(0, imap.Inbox.Count);
    }

    [Theory]
    [InlineData("XOAUTH2")]
    [InlineData("OAUTHBEARER")]
    public async Task Smtp_submission_accepts_an_access_token_of_the_provider_and_the_mail_arrives(string mechanism)
    {
        var (user, tokens) = await SignedInUserAsync();
        var recipient = await LocalStack.CreateMailUserAsync();
        var subject = "oauth submission " + Guid.NewGuid();

        using (var smtp = new SmtpClient { ServerCertificateValidationCallback = LocalStack.TrustStackCertificate })
        {
            await smtp.ConnectAsync(LocalStack.MailHost, LocalStack.SubmissionPort, SecureSocketOptions.StartTls);
            Assert.Contains(mechanism, smtp.AuthenticationMechanisms);
            await smtp.AuthenticateAsync(Sasl(mechanism, user.Address, tokens.AccessToken));
            await smtp.SendAsync(MailClients.Message(user.Address, recipient.Address, subject));
            await smtp.DisconnectAsync(quit: true);
        }

        await Eventually.ReturnsAsync(() => MailClients.InboxSubjectsAsync(recipient), found => found.Contains(subject),
            TimeSpan.FromSeconds(30), "the message submitted with an access token in the recipient's INBOX");
    }

    [Fact]
    public async Task Imap_refuses_a_token_the_provider_never_issued()
    {
        var (user, tokens) = await SignedInUserAsync();
        using var imap = await ConnectImapAsync();

        await Assert.ThrowsAsync<AuthenticationException>(() =>
            imap.AuthenticateAsync(new SaslMechanismOAuth2(user.Address, tokens.AccessToken[..^4] + "AAAA")));
    }

    [Fact]
    public async Task Imap_refuses_a_valid_token_presented_for_another_address()
    {
        var (_, tokens) = await SignedInUserAsync();
        var other = await LocalStack.CreateMailUserAsync("other");
        using var imap = await ConnectImapAsync();

        await Assert.ThrowsAsync<AuthenticationException>(() =>
            imap.AuthenticateAsync(new SaslMechanismOAuth2(other.Address, tokens.AccessToken)));
    }

    [Fact]
    public async Task Imap_refuses_an_access_token_once_it_expired()
    {
        var lifetime = TimeSpan.FromSeconds(3);
        var (user, tokens) = await SignedInUserAsync(lifetime);
        using (var imap = await ConnectImapAsync())
        {
            await imap.AuthenticateAsync(new SaslMechanismOAuth2(user.Address, tokens.AccessToken));
        }

        await Task.Delay(lifetime + TimeSpan.FromSeconds(1));

        using var late = await ConnectImapAsync();
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            late.AuthenticateAsync(new SaslMechanismOAuth2(user.Address, tokens.AccessToken)));
    }

    [Fact]
    public async Task Imap_refuses_the_access_token_of_a_grant_the_provider_revoked()
    {
        var (user, tokens) = await SignedInUserAsync();
        var provider = await TestIdentityProvider.GetAsync();
        using (var imap = await ConnectImapAsync())
        {
            await imap.AuthenticateAsync(new SaslMechanismOAuth2(user.Address, tokens.AccessToken));
        }

        Assert.True(await provider.RevokeTokensOfAsync(user.Address) > 0);

        using var late = await ConnectImapAsync();
        await Assert.ThrowsAsync<AuthenticationException>(() =>
            late.AuthenticateAsync(new SaslMechanismOAuth2(user.Address, tokens.AccessToken)));
    }

    private static SaslMechanism Sasl(string mechanism, string address, string accessToken) => mechanism switch
    {
        "XOAUTH2" => new SaslMechanismOAuth2(address, accessToken),
        "OAUTHBEARER" => new SaslMechanismOAuthBearer(address, accessToken),
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism)),
    };

    private static async Task<ImapClient> ConnectImapAsync()
    {
        var imap = new ImapClient { ServerCertificateValidationCallback = LocalStack.TrustStackCertificate };
        await imap.ConnectAsync(LocalStack.MailHost, LocalStack.ImapPort, SecureSocketOptions.StartTls);
        return imap;
    }

    /// <summary>A mail account of its own whose owner signed in at the provider through a client of its own.</summary>
    private static async Task<(MailUser User, TokenSet Tokens)> SignedInUserAsync(TimeSpan? accessTokenLifetime = null)
    {
        var user = await LocalStack.CreateMailUserAsync("oa");
        var provider = await TestIdentityProvider.GetAsync();
        var clientId = "mail-test-" + Guid.NewGuid().ToString("N");
        var clientSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        await provider.RegisterClientAsync(clientId, clientSecret, [], accessTokenLifetime);
        provider.AddUser(user.Address, user.Password);
        return (user, await provider.PasswordGrantAsync(clientId, clientSecret, user.Address, user.Password));
    }
}

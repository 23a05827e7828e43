using MailKit.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Sending;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>
/// CRAM-MD5 (S9), which the stack's Dovecot does not offer: against the scripted server, which checks the
/// digest of the challenge it sent.
/// </summary>
public sealed class CramMd5Tests
{
    private static readonly MailKitSmtpConnector Connector = new(new MailServerTrust(new ConfigurationBuilder().Build()), Options.Create(new SendOptions()));

    [Fact]
    public async Task The_right_password_logs_in_with_cram_md5_without_sending_it()
    {
        await using var server = new ScriptedSmtpServer(cramMd5Account: ("ann@isp.test", "s3cret pässword"));

        using var client = await Connector.ConnectAsync(Endpoint(server, "s3cret pässword"), default);

        Assert.True(client.IsAuthenticated);
        Assert.Equal(["ann@isp.test"], server.CramMd5Logins);
        Assert.DoesNotContain("s3cret", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_as_an_authentication_error()
    {
        await using var server = new ScriptedSmtpServer(cramMd5Account: ("ann@isp.test", "s3cret pässword"));

        await Assert.ThrowsAsync<AuthenticationException>(() => Connector.ConnectAsync(Endpoint(server, "guess"), default));

        Assert.Empty(server.CramMd5Logins);
    }

    private static SmtpEndpoint Endpoint(ScriptedSmtpServer server, string password) =>
        new("127.0.0.1", server.Port, SmtpSecurity.None, SmtpAuth.CramMd5, DontValidateCertificate: false, "ann@isp.test", password);
}

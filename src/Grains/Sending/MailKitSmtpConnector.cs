using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>Connects to the real server with MailKit over TCP, with the one SASL mechanism the admin chose.</summary>
internal sealed class MailKitSmtpConnector(MailServerTrust trust, IOptions<SendOptions> options) : ISmtpConnector
{
    public async Task<SmtpClient> ConnectAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken)
    {
        var client = trust.Configure(new SmtpClient(), options.Value.CommandTimeout, endpoint.DontValidateCertificate);
        try
        {
            await client.ConnectAsync(endpoint.Server, endpoint.Port, ToSocketOptions(endpoint.Security), cancellationToken);
            if (ToMechanism(endpoint) is { } mechanism)
            {
                await client.AuthenticateAsync(mechanism, cancellationToken);
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static SaslMechanism? ToMechanism(SmtpEndpoint endpoint)
    {
        if (endpoint.Credential == MailCredentialKind.AccessToken)
        {
            return new SaslMechanismOAuth2(endpoint.Username, endpoint.Password);
        }
        var credentials = new NetworkCredential(endpoint.Username, endpoint.Password);
        return endpoint.Auth switch
        {
            SmtpAuth.Plain => new SaslMechanismPlain(credentials),
            SmtpAuth.Login => new SaslMechanismLogin(credentials),
            SmtpAuth.CramMd5 => new SaslMechanismCramMd5(credentials),
            _ => null,
        };
    }

    private static SecureSocketOptions ToSocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.Ssl => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        _ => SecureSocketOptions.None,
    };
}

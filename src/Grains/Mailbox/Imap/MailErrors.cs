using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;

namespace Splynx.Orleans.Mailbox.Imap;

/// <summary>Turns what MailKit and the network throw into an error kind and a sentence a person can act on.</summary>
public static class MailErrors
{
    public static (MailErrorKind Kind, string Message) Describe(Exception exception, string server, int port)
    {
        switch (exception)
        {
            case SslHandshakeException:
            case System.Security.Authentication.AuthenticationException:
                return (MailErrorKind.Tls,
                    $"TLS with {server}:{port} failed: the certificate is not trusted or does not match the name, or the server does not speak TLS on this port. " +
                    "Check the port and security mode, or tick \"Don't validate certificate\" if you trust this server.");
            case Splynx.Orleans.OAuth.OAuthGrantRejectedException rejected:
                return (MailErrorKind.Auth, $"{rejected.Message} Sign in again.");
            case HttpRequestException:
                return (MailErrorKind.Connect, $"The sign-in provider could not give an access token for {server}: {exception.Message}");
            case MailKit.Security.AuthenticationException:
                return (MailErrorKind.Auth, $"{server} refused the username or password.");
            case TimeoutException:
            case OperationCanceledException:
                return (MailErrorKind.Timeout, $"{server}:{port} did not answer in time.");
            case SocketException socket:
                return DescribeSocket(socket, server, port);
            case IOException { InnerException: SocketException socket }:
                return DescribeSocket(socket, server, port);
            case ImapProtocolException when exception.Message.Contains("unexpectedly disconnected", StringComparison.Ordinal):
                // MailKit's words for a connection the server closed (or that died) under a command: not a protocol error.
                return (MailErrorKind.Connect, $"The connection to {server}:{port} was lost: the server closed it.");
            case ImapProtocolException or ProtocolException or ImapCommandException or NotSupportedException:
                return (MailErrorKind.Protocol, $"{server}:{port} did not behave as an IMAP server should: {exception.Message}");
            case IOException:
                return (MailErrorKind.Connect, $"The connection to {server}:{port} was lost: {exception.Message}");
            default:
                return (MailErrorKind.Protocol, $"Talking to {server}:{port} failed: {exception.Message}");
        }
    }

    private static (MailErrorKind, string) DescribeSocket(SocketException socket, string server, int port) => socket.SocketErrorCode switch
    {
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain =>
            (MailErrorKind.Dns, $"The server name '{server}' could not be found (DNS)."),
        SocketError.TimedOut =>
            (MailErrorKind.Timeout, $"{server}:{port} did not answer in time."),
        SocketError.ConnectionRefused =>
            (MailErrorKind.Connect, $"{server} refused the connection on port {port}: check the port."),
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown =>
            (MailErrorKind.Connect, $"The connection to {server}:{port} was lost: {socket.Message}"),
        _ => (MailErrorKind.Connect, $"Could not connect to {server}:{port}: {socket.Message}"),
    };
}

using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>"Test connection" for SMTP: connect, secure, authenticate, quit, and say precisely what failed.</summary>
public sealed class SmtpProbe(ISmtpConnector connector)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public async Task<ConnectionTestResult> TestAsync(SmtpEndpoint endpoint, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var client = await connector.ConnectAsync(endpoint, timeout.Token);
            await client.DisconnectAsync(quit: true, timeout.Token);
            return ConnectionTestResult.Success;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (kind, message) = SmtpErrors.Describe(exception, endpoint.Server, endpoint.Port);
            return new ConnectionTestResult(false, message, kind);
        }
    }
}

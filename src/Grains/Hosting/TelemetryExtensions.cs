using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Hosting;

public static class TelemetryExtensions
{
    /// <summary>The meter of Orleans itself (grains, messaging, membership).</summary>
    private const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// OpenTelemetry metrics of Orleans, MailKit and the service itself (meter <c>Splynx.Orleans</c>), for a
    /// Prometheus scrape endpoint: the same on silos and web hosts, which may add their own instruments.
    /// The resource names the service (<paramref name="serviceName"/>) and this process, so that figures
    /// scraped from several nodes can be told apart.
    /// </summary>
    public static IServiceCollection AddSplynxMetrics(this IServiceCollection services, string serviceName, Action<MeterProviderBuilder>? more = null)
    {
        // MailKit only creates its meters when asked to.
        MailKit.Telemetry.Socket.Configure();
        MailKit.Telemetry.SmtpClient.Configure();
        MailKit.Telemetry.ImapClient.Configure();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: InstanceId()))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(OrleansMeterName)
                    .AddMeter(MailKit.Telemetry.Socket.MeterName, MailKit.Telemetry.SmtpClient.MeterName, MailKit.Telemetry.ImapClient.MeterName)
                    .AddMeter(MailMetrics.MeterName)
                    .AddPrometheusExporter();
                more?.Invoke(metrics);
            });
        return services;
    }

    /// <summary>Host name and process id: unique on a machine, and what an operator looks for in <c>ps</c>.</summary>
    private static string InstanceId() => $"{Environment.MachineName}:{Environment.ProcessId}";
}

using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Splynx.Orleans.WebHost.Operations;

namespace Splynx.Orleans.WebHost.Hosting;

/// <summary>What every web host wires the same way: problem details, health endpoints and metrics.</summary>
public static class ServiceDefaults
{
    private const string ReadyTag = "ready";

    /// <summary>The meter of Orleans itself (grains, messaging, the silo when co-hosted).</summary>
    private const string OrleansMeterName = "Microsoft.Orleans";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        builder.AddMetrics();
        return builder;
    }

    /// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the database and the cluster answer too. <c>/metrics</c>: Prometheus text.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        // For the operator's scraper, without a login: keep it reachable from the monitoring network only.
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }

    /// <summary>OpenTelemetry metrics of ASP.NET Core, Orleans, MailKit and the service itself, scraped by Prometheus.</summary>
    private static void AddMetrics(this WebApplicationBuilder builder)
    {
        // MailKit only creates its meters when asked to.
        MailKit.Telemetry.Socket.Configure();
        MailKit.Telemetry.SmtpClient.Configure();
        MailKit.Telemetry.ImapClient.Configure();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(OrleansMeterName)
            .AddMeter(MailKit.Telemetry.Socket.MeterName, MailKit.Telemetry.SmtpClient.MeterName, MailKit.Telemetry.ImapClient.MeterName)
            .AddMeter(SplynxMetrics.MeterName)
            .AddPrometheusExporter());
    }
}

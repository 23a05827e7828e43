using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.WebHost.Operations;

namespace Splynx.Orleans.WebHost.Hosting;

/// <summary>What every web host wires the same way: problem details, health endpoints and metrics.</summary>
public static class ServiceDefaults
{
    private const string ReadyTag = "ready";

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

    /// <summary>The service's metrics (see <see cref="TelemetryExtensions"/>) plus ASP.NET Core's and the web host's own.</summary>
    private static void AddMetrics(this WebApplicationBuilder builder) =>
        builder.Services.AddSplynxMetrics("splynx-webhost", metrics => metrics.AddAspNetCoreInstrumentation().AddMeter(SplynxMetrics.MeterName));
}

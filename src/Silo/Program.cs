using Splynx.Orleans.Hosting;
using Splynx.Orleans.Silo;

if (args is ["migrate", ..])
{
    return await MigrateCommand.RunAsync(args[1..]);
}
if (args is ["audit-mailboxes", ..])
{
    return await AuditMailboxesCommand.RunAsync(args[1..]);
}

// A silo, plus a small HTTP listener (where `Urls` says) for the operator: /healthz and /metrics.
var builder = WebApplication.CreateBuilder(args);
if (builder.Configuration["urls"] is null && builder.Configuration["http_ports"] is null)
{
    // Several silos may share a machine: without an address of its own, a silo takes any free loopback port.
    builder.WebHost.UseUrls("http://127.0.0.1:0");
}
builder.AddSplynxSilo();
builder.Services.AddSplynxMetrics("splynx-silo");
var app = builder.Build();
app.MapGet("/healthz", () => TypedResults.Text("Healthy"));
app.MapPrometheusScrapingEndpoint("/metrics");
await app.RunAsync();
return 0;

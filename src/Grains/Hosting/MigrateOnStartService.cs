using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Storage;

namespace Splynx.Orleans.Hosting;

/// <summary>Applies the schema during start-up, before the hosted services registered after it.</summary>
internal sealed class MigrateOnStartService(SchemaMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

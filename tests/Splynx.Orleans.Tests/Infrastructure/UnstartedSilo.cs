using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Splynx.Orleans.Hosting;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A silo host built with the service's own cluster wiring and never started: it lends tests that read grain
/// state straight from the database the serializer the silos' grain storage uses, and the one earlier versions wrote with.
/// </summary>
internal sealed class UnstartedSilo : IDisposable
{
    private readonly IHost _host;

    public UnstartedSilo(string connectionString = "Host=127.0.0.1;Database=never-opened")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = connectionString });
        builder.UseOrleans(silo => silo.UseSplynxCluster(builder.Configuration));
        _host = builder.Build();
    }

    public IGrainStorageSerializer StorageSerializer =>
        _host.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get("Default").GrainStorageSerializer;

    /// <summary>What earlier versions wrote with: the provider's default (Newtonsoft JSON with type names).</summary>
    public IGrainStorageSerializer PreviousVersionSerializer => _host.Services.GetRequiredService<IGrainStorageSerializer>();

    public void Dispose() => _host.Dispose();
}

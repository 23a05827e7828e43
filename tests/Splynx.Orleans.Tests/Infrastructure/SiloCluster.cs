using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Hosting;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A cluster of real silo processes (the test silo program, which wires the service's own silo
/// configuration) sharing one test database, and an Orleans client in the test process.
/// </summary>
/// <param name="overrides">Settings that replace the tests' defaults below; a null value drops the default (the product's own applies).</param>
internal sealed class SiloCluster(TestDatabase database, IReadOnlyDictionary<string, string?>? overrides = null) : IAsyncDisposable
{
    private readonly string _clusterId = "c" + Guid.NewGuid().ToString("N")[..12];
    private readonly List<(string Endpoint, ServiceProcess Process)> _silos = [];
    private readonly List<IHost> _clientHosts = [];

    /// <summary>
    /// Failure detection tuned for tests: a killed silo is declared dead within seconds instead of
    /// the production defaults' minute or so. Everything else is the production configuration.
    /// </summary>
    private IReadOnlyDictionary<string, string> ClusterConfiguration => WithOverrides(new Dictionary<string, string>
    {
        ["ConnectionStrings:Postgres"] = database.ConnectionString,
        ["Orleans:ClusterId"] = _clusterId,
        ["Orleans:ServiceId"] = _clusterId,
        ["Orleans:AdvertisedIP"] = "127.0.0.1",
        ["Orleans:Membership:ProbeTimeout"] = "00:00:01",
        ["Orleans:Membership:NumMissedProbesLimit"] = "2",
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = "1",
        ["Orleans:Membership:TableRefreshTimeout"] = "00:00:02",
        ["Orleans:Membership:IAmAliveTablePublishTimeout"] = "00:00:02",
        ["Orleans:ReminderOptions:MinimumReminderPeriod"] = "00:00:01",
        ["Orleans:ReminderOptions:RefreshReminderListPeriod"] = "00:00:05",
        // Sync timing shortened so tests see reconnects and Sent checks in seconds.
        ["Mail:Sync:SentCheckInterval"] = "00:00:02",
        ["Mail:Sync:IdleReissue"] = "00:00:30",
        ["Mail:Sync:PollInterval"] = "00:00:01",
        ["Mail:Sync:CommandTimeout"] = "00:00:15",
        ["Mail:Sync:InitialBackoff"] = "00:00:00.500",
        ["Mail:Sync:AuthFailureBackoff"] = "00:00:02",
        ["Mail:Sync:MaxBackoff"] = "00:00:05",
        ["Mail:Sync:KeepAlivePeriod"] = "00:00:03",
        // Small batches, so that the tests' mailboxes of tens or hundreds of messages go through many of them.
        ["Mail:Sync:SummaryBatchSize"] = "50",
        ["Mail:Sync:FetchBatchSize"] = "20",
        ["Logging:LogLevel:Default"] = "Warning",
    });

    private Dictionary<string, string> WithOverrides(Dictionary<string, string> defaults)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                defaults.Remove(key);
            }
            else
            {
                defaults[key] = value;
            }
        }
        return defaults;
    }

    /// <summary>The product's own failure detection instead of the tests' faster one.</summary>
    public static IReadOnlyDictionary<string, string?> ProductionFailureDetection { get; } = new Dictionary<string, string?>
    {
        ["Orleans:Membership:ProbeTimeout"] = null,
        ["Orleans:Membership:NumMissedProbesLimit"] = null,
        ["Orleans:Membership:NumVotesForDeathDeclaration"] = null,
        ["Orleans:Membership:TableRefreshTimeout"] = null,
        ["Orleans:Membership:IAmAliveTablePublishTimeout"] = null,
    };

    /// <summary>The cluster's id, which is also its service id (the key of its rows in the Orleans tables).</summary>
    public string ClusterId => _clusterId;

    public async Task<string> StartSiloAsync()
    {
        var siloPort = FreePort.Next();
        var environment = ClusterConfiguration.ToDictionary(pair => pair.Key.Replace(":", "__", StringComparison.Ordinal), pair => pair.Value);
        environment["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["Orleans__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = ServiceProcess.Start(RepositoryPaths.TestSiloProgram, environment);
        var endpoint = $"127.0.0.1:{siloPort}";
        _silos.Add((endpoint, process));

        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new GiveUpException("The silo exited:\n" + process.Output);
            }
            return await database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{_clusterId}' AND port = {siloPort} AND status = 3") == 1;
        }, TimeSpan.FromSeconds(60), $"silo {endpoint} to become active");
        return endpoint;
    }

    public async Task<IClusterClient> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(ClusterConfiguration!);
        builder.UseOrleansClient(client => client.UseSplynxCluster(builder.Configuration));
        var clientHost = builder.Build();
        _clientHosts.Add(clientHost);
        await clientHost.StartAsync();
        return clientHost.Services.GetRequiredService<IClusterClient>();
    }

    public Task<long> ActiveSilosInMembershipTableAsync() =>
        database.ScalarAsync<long>($"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{_clusterId}' AND status = 3");

    /// <summary>The operating system's ids of the silo processes, in the order they were started.</summary>
    public IReadOnlyList<int> ProcessIds => [.. _silos.Select(silo => silo.Process.Id)];

    /// <summary>What the silos logged (warnings and errors), to explain a failure.</summary>
    public string Output => string.Join("\n", _silos.Select(silo => $"--- silo {silo.Endpoint} ---\n{silo.Process.Output}"));

    /// <summary>SIGKILL: the silo gets no chance to leave the cluster; the others must notice.</summary>
    public void Kill(string endpoint) => _silos.Single(silo => silo.Endpoint == endpoint).Process.Kill();

    /// <summary>SIGTERM, as an operator's stop: the silo shuts down gracefully and leaves the cluster.</summary>
    public async Task StopAsync(string endpoint)
    {
        var exitCode = await _silos.Single(silo => silo.Endpoint == endpoint).Process.StopAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, $"The silo {endpoint} exited with {exitCode} after SIGTERM:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var clientHost in _clientHosts)
        {
            await clientHost.StopAsync(TimeSpan.FromSeconds(5));
            clientHost.Dispose();
        }
        foreach (var (_, process) in _silos)
        {
            await process.DisposeAsync();
        }
    }
}

using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.Storage;

namespace Splynx.Orleans.Hosting;

public static class SiloHostingExtensions
{
    private const string AdoNetInvariant = "Npgsql";

    /// <summary>Everything a silo of this service needs: database, schema on start, Orleans on PostgreSQL.</summary>
    public static IHostApplicationBuilder AddSplynxSilo(this IHostApplicationBuilder builder)
    {
        builder.AddSplynxDatabase();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddMailboxSync(builder.Configuration);
        builder.Services.AddHostedService<MailboxFailover>();
        builder.Services.AddHostedService<MailboxSpread>();
        builder.UseOrleans(silo => silo.UseSplynxCluster(builder.Configuration));
        return builder;
    }

    /// <summary>
    /// Clustering, grain storage and reminders on PostgreSQL through the ADO.NET providers, with the
    /// endpoints and identity of the <c>Orleans</c> section. <c>Orleans:Membership</c> and
    /// <c>Orleans:ReminderOptions</c> tune Orleans' own membership and reminder options.
    /// </summary>
    public static ISiloBuilder UseSplynxCluster(this ISiloBuilder silo, IConfiguration configuration)
    {
        var options = configuration.GetSection(OrleansHostingOptions.SectionName).Get<OrleansHostingOptions>() ?? new();
        var connectionString = DatabaseHostingExtensions.RequirePostgresConnectionString(configuration);

        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        if (IPAddress.TryParse(options.AdvertisedIP, out var address))
        {
            silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort, options.ListenOnAnyHostAddress);
        }
        else
        {
            // A host name (a container's service name, say) is resolved once at start.
            silo.ConfigureEndpoints(options.AdvertisedIP, options.SiloPort, options.GatewayPort,
                listenOnAnyHostAddress: options.ListenOnAnyHostAddress);
        }

        silo.UseAdoNetClustering(clustering =>
        {
            clustering.Invariant = AdoNetInvariant;
            clustering.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton<GrainStateSerializer>();
        silo.AddAdoNetGrainStorageAsDefault(storage => storage.Configure<GrainStateSerializer>((options, serializer) =>
        {
            options.Invariant = AdoNetInvariant;
            options.ConnectionString = connectionString;
            options.GrainStorageSerializer = serializer;
        }));
        silo.UseAdoNetReminderService(reminders =>
        {
            reminders.Invariant = AdoNetInvariant;
            reminders.ConnectionString = connectionString;
        });

        // A dead silo's mailboxes resume once membership declares it dead (MailboxFailover), so detection is most
        // of a failover: three missed probes at 3 s find a killed silo in about 10 s (Orleans' defaults take 15 s or
        // more, and a silo that missed the gossip learned it only at the next table read, a minute later). The price:
        // a silo that stalls longer than that (a long GC pause, a frozen VM) is declared dead and must restart.
        silo.Services.Configure<ClusterMembershipOptions>(membership =>
        {
            membership.ProbeTimeout = TimeSpan.FromSeconds(3);
            membership.NumMissedProbesLimit = 3;
            membership.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        });
        silo.Services.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        silo.Services.Configure<ReminderOptions>(configuration.GetSection("Orleans:ReminderOptions"));
        return silo;
    }

    /// <summary>The client side of the same cluster: gateways are found in the PostgreSQL membership table.</summary>
    public static IClientBuilder UseSplynxCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var options = configuration.GetSection(OrleansHostingOptions.SectionName).Get<OrleansHostingOptions>() ?? new();
        var connectionString = DatabaseHostingExtensions.RequirePostgresConnectionString(configuration);
        client.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.ClusterId;
            cluster.ServiceId = options.ServiceId;
        });
        client.UseAdoNetClustering(clustering =>
        {
            clustering.Invariant = AdoNetInvariant;
            clustering.ConnectionString = connectionString;
        });
        return client;
    }
}

namespace Splynx.Orleans.Hosting;

/// <summary>The <c>Orleans</c> configuration section: who the cluster is and where this node listens.</summary>
public sealed class OrleansHostingOptions
{
    public const string SectionName = "Orleans";

    /// <summary>Silos and clients with the same cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = "splynx";

    /// <summary>Identifies the service's durable data (grain state, reminders) across cluster redeployments.</summary>
    public string ServiceId { get; set; } = "splynx-orleans";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address (or host name) other silos and clients use to reach this silo.</summary>
    public string AdvertisedIP { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface (containers) instead of only the advertised address.</summary>
    public bool ListenOnAnyHostAddress { get; set; }

    /// <summary>The web host runs a silo in its own process instead of connecting to a cluster as a client.</summary>
    public bool CoHosted { get; set; }
}

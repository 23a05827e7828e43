using Splynx.Orleans.Hosting;

namespace Splynx.Orleans.WebHost.Hosting;

public static class OrleansHosting
{
    /// <summary>
    /// The web host joins the cluster as a client, or with <c>Orleans:CoHosted=true</c> runs a silo
    /// in its own process (single-node installs, the local run).
    /// </summary>
    public static WebApplicationBuilder AddSplynxOrleans(this WebApplicationBuilder builder)
    {
        var coHosted = builder.Configuration.GetValue<bool>("Orleans:CoHosted");
        if (coHosted)
        {
            builder.AddSplynxSilo();
            return builder;
        }

        builder.AddSplynxDatabase();
        builder.UseOrleansClient(client => client
            .UseSplynxCluster(builder.Configuration)
            // Keep trying while the silos are not up yet (a whole cluster starting at once), until shutdown.
            .UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                return true;
            }));
        return builder;
    }
}

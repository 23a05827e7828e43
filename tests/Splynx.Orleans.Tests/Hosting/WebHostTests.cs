using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Identity;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Hosting;

/// <summary>The service's own programs, started as an operator starts them.</summary>
public sealed class WebHostTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Co_hosted_web_hosts_started_together_migrate_become_ready_and_create_one_bootstrap_admin()
    {
        await using var database = await TestDatabase.CreateAsync(migrated: false);
        var clusterId = NewClusterId();
        const string password = "first-admin-password";
        var webHosts = new List<(ServiceProcess Process, Uri Url)>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
                var environment = ClusterEnvironment(database, clusterId);
                environment["Orleans__CoHosted"] = "true";
                environment["Database__MigrateOnStart"] = "true";
                environment["Bootstrap__AdminLogin"] = "boss";
                environment["Bootstrap__AdminPassword"] = password;
                environment["ASPNETCORE_URLS"] = url.ToString();
                webHosts.Add((ServiceProcess.Start(RepositoryPaths.WebHostProgram, environment), url));
            }

            using var http = new HttpClient();
            foreach (var (process, url) in webHosts)
            {
                await WaitUntilReadyAsync(http, process, url);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url, "/healthz"))).StatusCode);
                Assert.Contains("<div id=\"root\"></div>", await http.GetStringAsync(url), StringComparison.Ordinal);
            }

            Assert.Equal(2, await database.ScalarAsync<long>(
                $"SELECT count(*) FROM orleans_membership WHERE deployment_id = '{clusterId}' AND status = 3"));
            Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM admins"));
            Assert.Equal("superadmin", await database.ScalarAsync<string>("SELECT role FROM admins WHERE login = 'boss'"));
            var hash = await database.ScalarAsync<string>("SELECT password_hash FROM admins WHERE login = 'boss'");
            var id = await database.ScalarAsync<string>("SELECT id FROM admins WHERE login = 'boss'");
            Assert.DoesNotContain(password, hash, StringComparison.Ordinal);
            Assert.NotEqual(PasswordVerificationResult.Failed,
                new PasswordHasher<object>().VerifyHashedPassword(new object(), hash!, password));
            Assert.False(string.IsNullOrEmpty(id));
        }
        finally
        {
            foreach (var (process, _) in webHosts)
            {
                await process.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Client_web_host_is_ready_with_a_silo_and_not_ready_after_the_silo_shut_down_gracefully()
    {
        await using var database = await TestDatabase.CreateAsync();
        var clusterId = NewClusterId();
        var siloEnvironment = ClusterEnvironment(database, clusterId);
        var siloOperations = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        siloEnvironment["ASPNETCORE_URLS"] = siloOperations.ToString();
        await using var silo = ServiceProcess.Start(RepositoryPaths.SiloProgram, siloEnvironment);

        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var webEnvironment = ClusterEnvironment(database, clusterId);
        webEnvironment["ASPNETCORE_URLS"] = url.ToString();
        await using var webHost = ServiceProcess.Start(RepositoryPaths.WebHostProgram, webEnvironment);
        using var http = new HttpClient();
        await WaitUntilReadyAsync(http, webHost, url);

        // The silo answers the operator too: its own health and Orleans' figures for Prometheus.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(siloOperations, "/healthz"))).StatusCode);
        Assert.Contains("orleans_", await http.GetStringAsync(new Uri(siloOperations, "/metrics")), StringComparison.Ordinal);

        Assert.Equal(0, await silo.StopAsync(TimeSpan.FromSeconds(60)));
        // A graceful stop leaves the cluster properly: the silo marked itself dead (6) in the membership table.
        Assert.Equal(6, await database.ScalarAsync<int>(
            $"SELECT status FROM orleans_membership WHERE deployment_id = '{clusterId}' AND port = {siloEnvironment["Orleans__SiloPort"]}"));
        await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri(url, "/readyz"))).StatusCode == HttpStatusCode.ServiceUnavailable,
            StartTimeout, "/readyz to report the cluster gone");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri(url, "/healthz"))).StatusCode);
    }

    private static string NewClusterId() => "w" + Guid.NewGuid().ToString("N")[..12];

    private static Dictionary<string, string> ClusterEnvironment(TestDatabase database, string clusterId) => new()
    {
        ["ConnectionStrings__Postgres"] = database.ConnectionString,
        ["Orleans__ClusterId"] = clusterId,
        ["Orleans__ServiceId"] = clusterId,
        ["Orleans__AdvertisedIP"] = "127.0.0.1",
        ["Orleans__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        ["Orleans__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
    };

    private static Task WaitUntilReadyAsync(HttpClient http, ServiceProcess process, Uri url) =>
        Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new GiveUpException("The web host exited:\n" + process.Output);
            }
            return (await http.GetAsync(new Uri(url, "/readyz"))).StatusCode == HttpStatusCode.OK;
        }, StartTimeout, $"{url}readyz to answer 200");
}

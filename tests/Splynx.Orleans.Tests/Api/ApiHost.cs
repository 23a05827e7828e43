using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Api;

/// <summary>
/// One co-hosted web host process (its own database and silo) for a test class, with a bootstrap
/// super-admin. Every response any test reads is scanned for the passwords the tests used.
/// </summary>
public sealed class ApiHost : IAsyncLifetime
{
    public const string BossLogin = "boss";
    public const string BossPassword = "boss-password-7f3a9c";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);
    private readonly List<ServiceProcess> _moreWebHosts = [];
    private readonly string _clusterId = "a" + Guid.NewGuid().ToString("N")[..12];
    private TestDatabase? _database;
    private ServiceProcess? _process;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    internal TestDatabase Database => _database ?? throw new InvalidOperationException("The host has not started.");

    public IEnumerable<string> Secrets => _secrets.Keys;

    public async Task InitializeAsync()
    {
        RememberSecret(BossPassword);
        _database = await TestDatabase.CreateAsync(migrated: false);
        // Free ports are only free when asked: another test may take one first. Start again elsewhere then.
        for (var attempt = 1; ; attempt++)
        {
            Url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            _process = StartWebHost(_database, Url, _clusterId);
            try
            {
                await WaitUntilReadyAsync(_process, Url);
                return;
            }
            catch (GiveUpException) when (attempt < 3 && _process.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await _process.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Another co-hosted web host in the same cluster and database (a second node): its silo joins the first's.
    /// Returns its address; browsers reach it with <see cref="NewBrowser(IPAddress?, Uri?)"/>.
    /// </summary>
    /// <summary>Another web host of the same cluster: with a silo of its own, or as a pure Orleans client of the silos.</summary>
    public async Task<Uri> StartAnotherWebHostAsync(bool coHosted = true)
    {
        for (var attempt = 1; ; attempt++)
        {
            var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
            var process = StartWebHost(Database, url, _clusterId, coHosted);
            _moreWebHosts.Add(process);
            try
            {
                await WaitUntilReadyAsync(process, url);
                return url;
            }
            catch (GiveUpException) when (attempt < 3 && process.Output.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                _moreWebHosts.Remove(process);
                await process.DisposeAsync();
            }
        }
    }

    private static ServiceProcess StartWebHost(TestDatabase database, Uri url, string clusterId, bool coHosted = true)
    {
        return ServiceProcess.Start(RepositoryPaths.WebHostProgram, new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = database.ConnectionString,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__ServiceId"] = clusterId,
            ["Orleans__AdvertisedIP"] = "127.0.0.1",
            ["Orleans__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Orleans__CoHosted"] = coHosted ? "true" : "false",
            ["Database__MigrateOnStart"] = "true",
            ["Bootstrap__AdminLogin"] = BossLogin,
            ["Bootstrap__AdminPassword"] = BossPassword,
            ["ASPNETCORE_URLS"] = url.ToString(),
        });
    }

    private static async Task WaitUntilReadyAsync(ServiceProcess process, Uri url)
    {
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new GiveUpException("The web host exited:\n" + process.Output);
            }
            return (await http.GetAsync(new Uri(url, "/readyz"))).StatusCode == HttpStatusCode.OK;
        }, StartTimeout, $"{url}readyz to answer 200");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _moreWebHosts)
        {
            await process.DisposeAsync();
        }
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>What the web host wrote, to explain a failure.</summary>
    public string Output => _process?.Output ?? "";

    /// <summary>A password that must never appear in any response.</summary>
    public void RememberSecret(string secret) => _secrets.TryAdd(secret, 0);

    /// <summary>A browser of its own (cookies), optionally connecting from another loopback address.</summary>
    public Browser NewBrowser(IPAddress? from = null, Uri? webHost = null) => new(this, from, webHost ?? Url);

    /// <summary>A browser logged in as a new admin made by the super-admin.</summary>
    public async Task<(Browser Browser, JsonElement Admin, string Password)> NewAdminAsync(string role = "admin")
    {
        using var boss = NewBrowser();
        await boss.LoginAsync(BossLogin, BossPassword);
        var login = "a" + Guid.NewGuid().ToString("N")[..10];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        RememberSecret(password);
        var created = await boss.PostAsync("/api/admins", new { login, password, name = "Admin " + login, email = login + "@example.test", role });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var browser = NewBrowser();
        await browser.LoginAsync(login, password);
        return (browser, created.Json, password);
    }

    internal void CheckNoSecretIn(string body)
    {
        foreach (var secret in _secrets.Keys)
        {
            Assert.False(body.Contains(secret, StringComparison.Ordinal), $"A response contains a password: {body}");
        }
    }
}

/// <summary>An HTTP answer read whole: status, headers, body and the body as JSON when it is JSON.</summary>
public sealed record ApiAnswer(HttpStatusCode Status, HttpResponseMessage Response, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? ContentType => Response.Content.Headers.ContentType?.MediaType;

    /// <summary>The field keys of a 400 validation problem.</summary>
    public IReadOnlyCollection<string> ErrorFields =>
        Json.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(error => error.Name).ToList() : [];

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>One simulated browser: its own cookie jar, and, if asked, its own client address.</summary>
public sealed class Browser : IDisposable
{
    private readonly ApiHost _host;
    private readonly HttpClient _http;

    internal Browser(ApiHost host, IPAddress? from, Uri webHost)
    {
        _host = host;
        Cookies = new CookieContainer();
        var handler = new SocketsHttpHandler { CookieContainer = Cookies, AllowAutoRedirect = false };
        if (from is not null)
        {
            // The whole of 127.0.0.0/8 is loopback: binding the client side makes it another "address".
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        BaseAddress = webHost;
        _http = new HttpClient(handler) { BaseAddress = webHost, Timeout = TimeSpan.FromSeconds(60) };
    }

    public CookieContainer Cookies { get; }

    /// <summary>The web host this browser talks to.</summary>
    public Uri BaseAddress { get; }

    public Task<ApiAnswer> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public Task<ApiAnswer> DeleteAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Delete, path));

    public Task<ApiAnswer> PostAsync(string path, object? body = null) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) });

    public Task<ApiAnswer> PutAsync(string path, object body) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body) });

    /// <summary>Sends JSON exactly as written (wrong types, unknown names).</summary>
    public Task<ApiAnswer> SendRawAsync(HttpMethod method, string path, string json) =>
        SendAsync(new HttpRequestMessage(method, path) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") });

    public async Task<ApiAnswer> LoginAsync(string login, string password)
    {
        var answer = await PostAsync("/api/auth/login", new { login, password });
        Assert.True(answer.Status == HttpStatusCode.OK, $"Login of {login}: {answer}");
        return answer;
    }

    public async Task<ApiAnswer> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            _host.CheckNoSecretIn(body);
            return new ApiAnswer(response.StatusCode, response, body);
        }
    }

    public void Dispose() => _http.Dispose();
}

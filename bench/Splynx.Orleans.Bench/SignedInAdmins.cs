using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Splynx.Orleans.Bench;

/// <summary>
/// Admins as their browsers are: created by the super-admin through the API, each signed in with a cookie of its
/// own and listening on <c>/hubs/mail</c>, noting when each subject's <c>messageReceived</c> first arrives.
/// </summary>
internal sealed class SignedInAdmins : IAsyncDisposable
{
    private const string AdminPassword = "bench-admin-password";
    private readonly List<HubConnection> _connections = [];

    private SignedInAdmins(IReadOnlyList<string> ids) => Ids = ids;

    public IReadOnlyList<string> Ids { get; }

    public ConcurrentDictionary<string, DateTime> Seen { get; } = new();

    /// <summary>Creates <paramref name="count"/> admins; their ids are their mailboxes' ids.</summary>
    public static async Task<IReadOnlyList<string>> CreateAsync(Uri webHost, string superLogin, string superPassword, string prefix, int count)
    {
        using var super = await SignInAsync(webHost, superLogin, superPassword);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var created = await super.Http.PostAsJsonAsync("/api/admins", new
            {
                login = $"{prefix}a{i}",
                password = AdminPassword,
                name = $"Bench admin {i}",
                email = $"{prefix}a{i}@example.test",
                role = "admin",
            });
            created.EnsureSuccessStatusCode();
            ids.Add((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }
        return ids;
    }

    /// <summary>Signs each admin in and connects its live channel.</summary>
    public static async Task<SignedInAdmins> ConnectAsync(Uri webHost, string prefix, IReadOnlyList<string> ids)
    {
        var admins = new SignedInAdmins(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            using var session = await SignInAsync(webHost, $"{prefix}a{i}", AdminPassword);
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(webHost, "/hubs/mail"), options => options.Cookies = session.Cookies)
                .Build();
            connection.On<JsonElement>("messageReceived", summary =>
            {
                if (summary.TryGetProperty("subject", out var subject) && subject.GetString() is { } text)
                {
                    admins.Seen.TryAdd(text, DateTime.UtcNow);
                }
            });
            await connection.StartAsync();
            admins._connections.Add(connection);
        }
        return admins;
    }

    private static async Task<Session> SignInAsync(Uri webHost, string login, string password)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = webHost };
        (await http.PostAsJsonAsync("/api/auth/login", new { login, password })).EnsureSuccessStatusCode();
        return new Session(http, cookies);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    private sealed record Session(HttpClient Http, CookieContainer Cookies) : IDisposable
    {
        public void Dispose() => Http.Dispose();
    }
}

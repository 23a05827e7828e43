using System.Net;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Splynx.Orleans.Storage.Admins;

/// <summary>Limits on failed logins (<c>Auth:LoginThrottle</c>).</summary>
public sealed class LoginThrottleOptions
{
    public const string SectionName = "Auth:LoginThrottle";

    /// <summary>Failures for one login from one address before that pair is refused.</summary>
    public int FailuresPerLogin { get; set; } = 5;

    /// <summary>Failures from one address across all logins before the address is refused (password spraying).</summary>
    public int FailuresPerAddress { get; set; } = 50;

    /// <summary>How long failures count, and so about how long a refusal lasts.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Counts failed logins in sliding windows, per (login, address) and per address, in PostgreSQL so that
/// every web host counts together. Only failures are recorded, so people who type their password right are
/// never slowed down; a refused attempt is not checked at all, so it cannot confirm a guessed password either.
/// </summary>
public sealed class LoginThrottle(NpgsqlDataSource dataSource, IOptions<LoginThrottleOptions> options)
{
    private readonly LoginThrottleOptions _settings = options.Value;

    /// <summary>Null when the attempt may go ahead, else how long the client should wait.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(string login, IPAddress? address, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // For each limit, the failure that filled it: once it leaves the window, the next attempt may go ahead.
        var waitSeconds = await connection.ExecuteScalarAsync<double?>(new CommandDefinition("""
            SELECT extract(epoch FROM greatest(
                       (SELECT failed_at FROM login_failures
                         WHERE login = @login AND address = @address AND failed_at > now() - make_interval(secs => @window)
                         ORDER BY failed_at DESC OFFSET @perLogin - 1 LIMIT 1),
                       (SELECT failed_at FROM login_failures
                         WHERE address = @address AND failed_at > now() - make_interval(secs => @window)
                         ORDER BY failed_at DESC OFFSET @perAddress - 1 LIMIT 1))
                   + make_interval(secs => @window) - now())::float8
            """, new
            {
                login = LoginKey(login),
                address = AddressKey(address),
                window = _settings.Window.TotalSeconds,
                perLogin = Math.Max(1, _settings.FailuresPerLogin),
                perAddress = Math.Max(1, _settings.FailuresPerAddress),
            }, cancellationToken: cancellationToken));
        return waitSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Max(1, seconds)) : null;
    }

    public async Task RecordFailureAsync(string login, IPAddress? address, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => @window);
            INSERT INTO login_failures (login, address) VALUES (@login, @address);
            """, new { login = LoginKey(login), address = AddressKey(address), window = _settings.Window.TotalSeconds },
            cancellationToken: cancellationToken));
    }

    private static string LoginKey(string login) => login.Trim().ToUpperInvariant();

    private static string AddressKey(IPAddress? address) =>
        address?.IsIPv4MappedToIPv6 == true ? address.MapToIPv4().ToString() : address?.ToString() ?? "unknown";
}

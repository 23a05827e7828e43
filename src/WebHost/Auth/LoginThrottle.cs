using System.Net;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Splynx.Orleans.WebHost.Auth;

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
        // For each limit, the failure that filled it: once it leaves the window, the next attempt may go ahead.
        await using var command = dataSource.CreateCommand("""
            SELECT greatest(
                       (SELECT failed_at FROM login_failures
                         WHERE login = @login AND address = @address AND failed_at > now() - @window
                         ORDER BY failed_at DESC OFFSET @per_login - 1 LIMIT 1),
                       (SELECT failed_at FROM login_failures
                         WHERE address = @address AND failed_at > now() - @window
                         ORDER BY failed_at DESC OFFSET @per_address - 1 LIMIT 1))
                   + @window - now()
            """);
        AddKey(command, login, address);
        command.Parameters.AddWithValue("window", _settings.Window);
        command.Parameters.AddWithValue("per_login", Math.Max(1, _settings.FailuresPerLogin));
        command.Parameters.AddWithValue("per_address", Math.Max(1, _settings.FailuresPerAddress));
        return await command.ExecuteScalarAsync(cancellationToken) is TimeSpan wait
            ? wait > TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1)
            : null;
    }

    public async Task RecordFailureAsync(string login, IPAddress? address, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM login_failures WHERE failed_at < now() - @window;
            INSERT INTO login_failures (login, address) VALUES (@login, @address);
            """);
        AddKey(command, login, address);
        command.Parameters.AddWithValue("window", _settings.Window);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddKey(NpgsqlCommand command, string login, IPAddress? address)
    {
        var client = address?.IsIPv4MappedToIPv6 == true ? address.MapToIPv4().ToString() : address?.ToString() ?? "unknown";
        command.Parameters.AddWithValue("login", login.Trim().ToUpperInvariant());
        command.Parameters.AddWithValue("address", client);
    }
}

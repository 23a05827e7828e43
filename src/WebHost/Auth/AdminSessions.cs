using Npgsql;
using Splynx.Orleans.WebHost.Admins;

namespace Splynx.Orleans.WebHost.Auth;

/// <summary>
/// The <c>admin_sessions</c> table: every login is a session the auth cookie names, checked on each request
/// (on every web host), so that logging out ends it for every copy of the cookie.
/// </summary>
public sealed class AdminSessions(NpgsqlDataSource dataSource)
{
    // A session is used again within this long, or its cookie has expired anyway (sliding expiration).
    public static readonly TimeSpan IdleLimit = TimeSpan.FromHours(12);

    // How stale last_seen_at may be before a request writes it again: not a write per request.
    private static readonly TimeSpan TouchAfter = TimeSpan.FromMinutes(5);

    /// <summary>Records a new session of the admin (and forgets sessions nobody used for longer than <see cref="IdleLimit"/>).</summary>
    public async Task<Guid> StartAsync(string adminId, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using var command = dataSource.CreateCommand("""
            DELETE FROM admin_sessions WHERE last_seen_at < now() - @idle_limit;
            INSERT INTO admin_sessions (id, admin_id) VALUES (@id, @admin_id);
            """);
        command.Parameters.AddWithValue("idle_limit", IdleLimit);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("admin_id", adminId);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    /// <summary>The admin, if the session is theirs and still open.</summary>
    public async Task<Admin?> FindAdminAsync(string adminId, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH touched AS (
                UPDATE admin_sessions SET last_seen_at = now()
                 WHERE id = @session_id AND admin_id = @admin_id
                   AND last_seen_at < now() - @touch_after AND last_seen_at >= now() - @idle_limit)
            SELECT {AdminStore.Columns} FROM admins
             WHERE id = @admin_id
               AND EXISTS (SELECT 1 FROM admin_sessions
                            WHERE id = @session_id AND admin_id = @admin_id AND last_seen_at >= now() - @idle_limit)
            """);
        command.Parameters.AddWithValue("touch_after", TouchAfter);
        command.Parameters.AddWithValue("idle_limit", IdleLimit);
        command.Parameters.AddWithValue("session_id", sessionId);
        command.Parameters.AddWithValue("admin_id", adminId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? AdminStore.Read(reader) : null;
    }

    public async Task EndAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM admin_sessions WHERE id = @id");
        command.Parameters.AddWithValue("id", sessionId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

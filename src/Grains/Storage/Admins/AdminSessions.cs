using Dapper;
using Npgsql;

namespace Splynx.Orleans.Storage.Admins;

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

    // Intervals go as seconds: Dapper would send a TimeSpan as a time of day.
    private static readonly double IdleSeconds = IdleLimit.TotalSeconds;
    private static readonly double TouchSeconds = TouchAfter.TotalSeconds;

    /// <summary>Records a new session of the admin (and forgets sessions nobody used for longer than <see cref="IdleLimit"/>).</summary>
    public async Task<Guid> StartAsync(string adminId, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            DELETE FROM admin_sessions WHERE last_seen_at < now() - make_interval(secs => @idle);
            INSERT INTO admin_sessions (id, admin_id) VALUES (@id, @adminId);
            """, new { idle = IdleSeconds, id, adminId }, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>The admin, if the session is theirs and still open.</summary>
    public async Task<Admin?> FindAdminAsync(string adminId, Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Admin>(new CommandDefinition($"""
            WITH touched AS (
                UPDATE admin_sessions SET last_seen_at = now()
                 WHERE id = @sessionId AND admin_id = @adminId
                   AND last_seen_at < now() - make_interval(secs => @touch) AND last_seen_at >= now() - make_interval(secs => @idle))
            SELECT {AdminStore.Columns} FROM admins
             WHERE id = @adminId
               AND EXISTS (SELECT 1 FROM admin_sessions
                            WHERE id = @sessionId AND admin_id = @adminId AND last_seen_at >= now() - make_interval(secs => @idle))
            """, new { touch = TouchSeconds, idle = IdleSeconds, sessionId, adminId }, cancellationToken: cancellationToken));
    }

    public async Task EndAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM admin_sessions WHERE id = @sessionId", new { sessionId },
            cancellationToken: cancellationToken));
    }
}

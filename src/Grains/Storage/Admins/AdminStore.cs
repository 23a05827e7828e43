using Dapper;
using Npgsql;

namespace Splynx.Orleans.Storage.Admins;

/// <summary>An administrator as the service knows it; the password hash stays inside <see cref="AdminStore"/> and login.</summary>
public sealed record Admin(string Id, string Login, string Name, string Email, string Role)
{
    public AdminAccount Account => new(Id, Login);
}

/// <summary>The identity a password hash is bound to.</summary>
public sealed record AdminAccount(string Id, string Login);

/// <summary>The <c>admins</c> table: logins are unique without regard to case.</summary>
public sealed class AdminStore(NpgsqlDataSource dataSource)
{
    /// <summary>The columns an <see cref="Admin"/> is read from, in its constructor's order.</summary>
    internal const string Columns = "id, login, name, email, role";

    public async Task<IReadOnlyList<Admin>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return [.. await connection.QueryAsync<Admin>(new CommandDefinition(
            $"SELECT {Columns} FROM admins ORDER BY lower(login)", cancellationToken: cancellationToken))];
    }

    public async Task<Admin?> FindByIdAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Admin>(new CommandDefinition(
            $"SELECT {Columns} FROM admins WHERE id = @id", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>The admin with that login (any case) and their password hash.</summary>
    public async Task<(Admin Admin, string PasswordHash)?> FindForLoginAsync(string login, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<Admin, string, (Admin, string)>(new CommandDefinition(
                $"SELECT {Columns}, password_hash FROM admins WHERE lower(login) = lower(@login)", new { login },
                cancellationToken: cancellationToken),
            (admin, hash) => (admin, hash), splitOn: "password_hash");
        return found.Select(pair => ((Admin, string)?)pair).SingleOrDefault();
    }

    /// <summary>Which of the given ids are admins.</summary>
    public async Task<IReadOnlySet<string>> ExistingIdsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var existing = await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT id FROM admins WHERE id = ANY(@ids)", new { ids = ids.ToArray() }, cancellationToken: cancellationToken));
        return existing.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every admin's login by id (for operator commands).</summary>
    public async Task<IReadOnlyDictionary<string, string>> LoginsByIdAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Id, string Login)>(new CommandDefinition(
            "SELECT id, login FROM admins", cancellationToken: cancellationToken));
        return rows.ToDictionary(row => row.Id, row => row.Login, StringComparer.Ordinal);
    }

    /// <summary>Adds an admin; false when the login is taken (in any case).</summary>
    public Task<bool> TryCreateAsync(Admin admin, string passwordHash, CancellationToken cancellationToken) =>
        InsertAsync("""
            INSERT INTO admins (id, login, password_hash, name, email, role)
            VALUES (@Id, @Login, @PasswordHash, @Name, @Email, @Role)
            ON CONFLICT DO NOTHING
            """, admin, passwordHash, cancellationToken);

    /// <summary>
    /// Adds the first admin, only while there is none: several hosts may start at once, and the statement inserts
    /// only into an empty table (the unique login settles any race). False when there already was one.
    /// </summary>
    public Task<bool> TryCreateFirstAsync(Admin admin, string passwordHash, CancellationToken cancellationToken) =>
        InsertAsync("""
            INSERT INTO admins (id, login, password_hash, name, email, role)
            SELECT @Id, @Login, @PasswordHash, @Name, @Email, @Role
             WHERE NOT EXISTS (SELECT 1 FROM admins)
            ON CONFLICT DO NOTHING
            """, admin, passwordHash, cancellationToken);

    public async Task UpdatePasswordHashAsync(string id, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE admins SET password_hash = @passwordHash WHERE id = @id", new { id, passwordHash }, cancellationToken: cancellationToken));
    }

    private async Task<bool> InsertAsync(string sql, Admin admin, string passwordHash, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(sql,
            new { admin.Id, admin.Login, PasswordHash = passwordHash, admin.Name, admin.Email, admin.Role },
            cancellationToken: cancellationToken)) == 1;
    }
}

using Npgsql;

namespace Splynx.Orleans.WebHost.Admins;

/// <summary>An administrator as the service knows it; the password hash stays inside <see cref="AdminStore"/> and login.</summary>
public sealed record Admin(string Id, string Login, string Name, string Email, string Role)
{
    public AdminAccount Account => new(Id, Login);
}

/// <summary>The <c>admins</c> table: logins are unique without regard to case.</summary>
public sealed class AdminStore(NpgsqlDataSource dataSource)
{
    internal const string Columns = "id, login, name, email, role";

    public async Task<IReadOnlyList<Admin>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM admins ORDER BY lower(login)
            """);
        var admins = new List<Admin>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            admins.Add(Read(reader));
        }
        return admins;
    }

    public async Task<Admin?> FindByIdAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM admins WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>The admin with that login (any case) and their password hash.</summary>
    public async Task<(Admin Admin, string PasswordHash)?> FindForLoginAsync(string login, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns}, password_hash FROM admins WHERE lower(login) = lower(@login)
            """);
        command.Parameters.AddWithValue("login", login);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (Read(reader), reader.GetString(5)) : null;
    }

    /// <summary>Which of the given ids are admins.</summary>
    public async Task<IReadOnlySet<string>> ExistingIdsAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        if (ids.Count == 0)
        {
            return existing;
        }
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM admins WHERE id = ANY(@ids)
            """);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            existing.Add(reader.GetString(0));
        }
        return existing;
    }

    /// <summary>Adds an admin; false when the login is taken (in any case).</summary>
    public async Task<bool> TryCreateAsync(Admin admin, string passwordHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO admins (id, login, password_hash, name, email, role)
            VALUES (@id, @login, @hash, @name, @email, @role)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("id", admin.Id);
        command.Parameters.AddWithValue("login", admin.Login);
        command.Parameters.AddWithValue("hash", passwordHash);
        command.Parameters.AddWithValue("name", admin.Name);
        command.Parameters.AddWithValue("email", admin.Email);
        command.Parameters.AddWithValue("role", admin.Role);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task UpdatePasswordHashAsync(string id, string passwordHash, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE admins SET password_hash = @hash WHERE id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("hash", passwordHash);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static Admin Read(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
}

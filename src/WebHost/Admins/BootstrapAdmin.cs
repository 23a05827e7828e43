using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Splynx.Orleans.WebHost.Admins;

/// <summary>The first super-admin, from <c>Bootstrap:AdminLogin</c> and <c>Bootstrap:AdminPassword</c>.</summary>
public static class BootstrapAdmin
{
    public static WebApplicationBuilder AddBootstrapAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IPasswordHasher<AdminAccount>, PasswordHasher<AdminAccount>>();
        builder.Services.AddHostedService<BootstrapAdminService>();
        return builder;
    }
}

/// <summary>The identity a password hash is bound to.</summary>
public sealed record AdminAccount(string Id, string Login);

/// <summary>
/// Creates the bootstrap super-admin when there is no admin at all. Several hosts may start at once:
/// the statement inserts only into an empty table and the unique login settles any race.
/// </summary>
internal sealed partial class BootstrapAdminService(
    IConfiguration configuration,
    NpgsqlDataSource dataSource,
    IPasswordHasher<AdminAccount> passwordHasher,
    ILogger<BootstrapAdminService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var login = configuration["Bootstrap:AdminLogin"];
        var password = configuration["Bootstrap:AdminPassword"];
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password))
        {
            return;
        }

        var account = new AdminAccount(Guid.CreateVersion7().ToString("N"), login.Trim());
        await using var command = dataSource.CreateCommand("""
            INSERT INTO admins (id, login, password_hash, name, email, role)
            SELECT @id, @login, @hash, @login, '', 'superadmin'
             WHERE NOT EXISTS (SELECT 1 FROM admins)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("id", account.Id);
        command.Parameters.AddWithValue("login", account.Login);
        command.Parameters.AddWithValue("hash", passwordHasher.HashPassword(account, password));
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            LogCreated(account.Login);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap super-admin '{Login}'.")]
    private partial void LogCreated(string login);
}

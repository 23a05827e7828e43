using Microsoft.AspNetCore.Identity;
using Splynx.Orleans.Storage.Admins;
using Splynx.Orleans.WebHost.Auth;

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

/// <summary>
/// Creates the bootstrap super-admin when there is no admin at all (<see cref="AdminStore.TryCreateFirstAsync"/>).
/// </summary>
internal sealed partial class BootstrapAdminService(
    IConfiguration configuration,
    AdminStore admins,
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
        var admin = new Admin(account.Id, account.Login, account.Login, "", AdminRoles.SuperAdmin);
        if (await admins.TryCreateFirstAsync(admin, passwordHasher.HashPassword(account, password), cancellationToken))
        {
            LogCreated(account.Login);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the bootstrap super-admin '{Login}'.")]
    private partial void LogCreated(string login);
}

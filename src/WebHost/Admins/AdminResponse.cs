using Splynx.Orleans.Storage.Admins;
namespace Splynx.Orleans.WebHost.Admins;

/// <summary>An admin as the API shows it (never a password or its hash).</summary>
public sealed record AdminResponse(string Id, string Login, string Name, string Email, string Role)
{
    public static AdminResponse From(Admin admin) => new(admin.Id, admin.Login, admin.Name, admin.Email, admin.Role);
}

using System.Security.Claims;
using Splynx.Orleans.WebHost.Admins;

namespace Splynx.Orleans.WebHost.Auth;

/// <summary>The signed-in admin as the auth cookie carries them.</summary>
public static class CurrentAdmin
{
    public static ClaimsPrincipal ToPrincipal(Admin admin) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, admin.Id),
                new Claim(ClaimTypes.Name, admin.Login),
                new Claim(ClaimTypes.Role, admin.Role),
            ],
            Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>The admin's id; only called behind <c>RequireAuthorization</c>, where it is always present.</summary>
    public static string AdminId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("The request is not authenticated: the endpoint must require authorization.");
}

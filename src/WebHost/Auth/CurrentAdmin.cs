using System.Security.Claims;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Auth;

/// <summary>The signed-in admin as the auth cookie carries them.</summary>
public static class CurrentAdmin
{
    public static ClaimsPrincipal ToPrincipal(Admin admin, Guid sessionId) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, admin.Id),
                new Claim(ClaimTypes.Name, admin.Login),
                new Claim(ClaimTypes.Role, admin.Role),
                new Claim(ClaimTypes.Sid, sessionId.ToString()),
            ],
            Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationDefaults.AuthenticationScheme));

    /// <summary>The login session the cookie belongs to (<see cref="AdminSessions"/>), if it names a valid one.</summary>
    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.Sid), out var id) ? id : null;

    /// <summary>The admin's id; only called behind <c>RequireAuthorization</c>, where it is always present.</summary>
    public static string AdminId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("The request is not authenticated: the endpoint must require authorization.");
}

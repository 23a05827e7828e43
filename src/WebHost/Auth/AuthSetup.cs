using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Splynx.Orleans.Secrets;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Auth;

public static class AuthSetup
{
    public const string CookieName = "splynx_auth";

    /// <summary>
    /// Cookie authentication whose keys every web host shares (the Data Protection key ring in
    /// PostgreSQL), answering 401/403 as problem details instead of redirecting to a login page.
    /// </summary>
    public static WebApplicationBuilder AddSplynxAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSecretProtection(builder.Configuration);
        builder.Services.AddSingleton<AdminStore>();
        builder.Services.AddSingleton<AdminSessions>();
        builder.Services.Configure<LoginThrottleOptions>(builder.Configuration.GetSection(LoginThrottleOptions.SectionName));
        builder.Services.AddSingleton<LoginThrottle>();

        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = AdminSessions.IdleLimit;
                options.SlidingExpiration = true;
                options.Events = new CookieAuthenticationEvents
                {
                    OnRedirectToLogin = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                        "Not logged in", "Log in with POST /api/auth/login first."),
                    OnRedirectToAccessDenied = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                        "Not allowed", "Your role does not allow this."),
                    OnValidatePrincipal = RefreshFromDatabaseAsync,
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminRoles.SuperAdminPolicy, policy => policy.RequireRole(AdminRoles.SuperAdmin));
        return builder;
    }

    /// <summary>
    /// A cookie outlives changes to its admin and its session: a removed admin or an ended session (logout,
    /// on any web host) is logged out, and a changed role applies at once, on every web host.
    /// </summary>
    private static async Task RefreshFromDatabaseAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var id = principal?.FindFirst(ClaimTypes.NameIdentifier)?.Value;
        var sessionId = principal?.SessionId();
        var sessions = context.HttpContext.RequestServices.GetRequiredService<AdminSessions>();
        var admin = id is null || sessionId is not { } session
            ? null
            : await sessions.FindAdminAsync(id, session, context.HttpContext.RequestAborted);
        if (admin is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
        else if (!principal!.IsInRole(admin.Role) || principal.Identity?.Name != admin.Login)
        {
            context.ReplacePrincipal(CurrentAdmin.ToPrincipal(admin, sessionId!.Value));
            context.ShouldRenew = true;
        }
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}

using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Auth;

public sealed record LoginRequest(string? Login, string? Password);

/// <summary>Login, logout and who am I.</summary>
public static class AuthApi
{
    // Unknown logins are checked against this hash too, so that the answer takes as long as for a known one.
    private static readonly string UnknownLoginHash =
        new PasswordHasher<AdminAccount>().HashPassword(new AdminAccount("", ""), Guid.NewGuid().ToString());

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", LoginAsync).AllowAnonymous();
        // Cast: a handler taking only HttpContext would otherwise bind as a RequestDelegate and drop its result.
        auth.MapPost("/logout", (Delegate)LogoutAsync).RequireAuthorization();
        app.MapGet("/api/me", GetMeAsync).WithTags("Auth").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Ok<AdminResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext http, AdminStore admins, AdminSessions sessions, IPasswordHasher<AdminAccount> hasher,
        LoginThrottle throttle)
    {
        var login = request.Login?.Trim() ?? "";
        var password = request.Password ?? "";
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (login.Length == 0)
        {
            errors["login"] = ["is required"];
        }
        if (password.Length == 0)
        {
            errors["password"] = ["is required"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var address = http.Connection.RemoteIpAddress;
        if (await throttle.RetryAfterAsync(login, address, http.RequestAborted) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed logins",
                detail: $"Too many wrong passwords for this login from your address. Try again in {Math.Max(1, seconds / 60)} minute(s).");
        }

        var found = await admins.FindForLoginAsync(login, http.RequestAborted);
        var verification = found is { } known
            ? hasher.VerifyHashedPassword(known.Admin.Account, known.PasswordHash, password)
            : VerifyUnknown(hasher, password);
        if (found is not { } account || verification == PasswordVerificationResult.Failed)
        {
            await throttle.RecordFailureAsync(login, address, CancellationToken.None);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Wrong login or password",
                detail: "Check the login and the password and try again.");
        }
        if (verification == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await admins.UpdatePasswordHashAsync(account.Admin.Id, hasher.HashPassword(account.Admin.Account, password), http.RequestAborted);
        }

        var session = await sessions.StartAsync(account.Admin.Id, http.RequestAborted);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, CurrentAdmin.ToPrincipal(account.Admin, session));
        return TypedResults.Ok(AdminResponse.From(account.Admin));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext http, AdminSessions sessions)
    {
        // Ends the session for every copy of the cookie, not only for this browser.
        if (http.User.SessionId() is { } session)
        {
            await sessions.EndAsync(session, http.RequestAborted);
        }
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<AdminResponse>, ProblemHttpResult>> GetMeAsync(ClaimsPrincipal user, AdminStore admins, CancellationToken cancellationToken) =>
        await admins.FindByIdAsync(user.AdminId(), cancellationToken) is { } admin
            ? TypedResults.Ok(AdminResponse.From(admin))
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not logged in", detail: "Your account no longer exists.");

    private static PasswordVerificationResult VerifyUnknown(IPasswordHasher<AdminAccount> hasher, string password)
    {
        hasher.VerifyHashedPassword(new AdminAccount("", ""), UnknownLoginHash, password);
        return PasswordVerificationResult.Failed;
    }
}

using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.Storage.Admins;

namespace Splynx.Orleans.WebHost.Admins;

public sealed record CreateAdminRequest(string? Login, string? Password, string? Name, string? Email, string? Role);

/// <summary>The administrators: every admin sees the list, super-admins add admins.</summary>
public static partial class AdminsApi
{
    private const int MinPasswordLength = 8;

    public static IEndpointRouteBuilder MapAdminsApi(this IEndpointRouteBuilder app)
    {
        var admins = app.MapGroup("/api/admins").WithTags("Admins").RequireAuthorization();
        admins.MapGet("/", ListAsync);
        admins.MapGet("/{id}", GetAsync).WithName("GetAdmin");
        admins.MapPost("/", CreateAsync).RequireAuthorization(AdminRoles.SuperAdminPolicy);
        return app;
    }

    private static async Task<Ok<AdminResponse[]>> ListAsync(AdminStore admins, CancellationToken cancellationToken) =>
        TypedResults.Ok((await admins.ListAsync(cancellationToken)).Select(AdminResponse.From).ToArray());

    private static async Task<Results<Ok<AdminResponse>, ProblemHttpResult>> GetAsync(
        string id, AdminStore admins, CancellationToken cancellationToken) =>
        await admins.FindByIdAsync(id, cancellationToken) is { } admin
            ? TypedResults.Ok(AdminResponse.From(admin))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such admin");

    private static async Task<Results<CreatedAtRoute<AdminResponse>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateAdminRequest request, AdminStore admins, IPasswordHasher<AdminAccount> hasher, CancellationToken cancellationToken)
    {
        var login = request.Login?.Trim() ?? "";
        var email = request.Email?.Trim() ?? "";
        var name = string.IsNullOrWhiteSpace(request.Name) ? login : request.Name.Trim();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (login.Length == 0)
        {
            errors["login"] = ["is required"];
        }
        else if (!LoginFormat().IsMatch(login))
        {
            errors["login"] = ["may only contain letters, digits and . _ - @, and be 2 to 64 characters long"];
        }
        if ((request.Password ?? "").Length < MinPasswordLength)
        {
            errors["password"] = [$"must be at least {MinPasswordLength} characters long"];
        }
        if (email.Length == 0)
        {
            errors["email"] = ["is required"];
        }
        else if (!MailAddressRules.IsAddress(email))
        {
            errors["email"] = [$"'{email}' is not an email address"];
        }
        if (name.Length > 200)
        {
            errors["name"] = ["must be at most 200 characters long"];
        }
        if (!AdminRoles.IsKnown(request.Role))
        {
            errors["role"] = [$"must be {AdminRoles.Admin} or {AdminRoles.SuperAdmin}"];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var admin = new Admin(Guid.CreateVersion7().ToString("N"), login, name, email, request.Role!);
        if (!await admins.TryCreateAsync(admin, hasher.HashPassword(admin.Account, request.Password!), cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Login taken",
                detail: $"An admin with the login '{login}' already exists (logins ignore case).");
        }
        return TypedResults.CreatedAtRoute(AdminResponse.From(admin), "GetAdmin", new { id = admin.Id });
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{2,64}$")]
    private static partial Regex LoginFormat();
}

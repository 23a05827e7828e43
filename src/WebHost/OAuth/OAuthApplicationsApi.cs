using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.OAuth;
using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.OAuth;

/// <summary>The OAuth application registrations admins sign in with for their mail (super-admins only).</summary>
public static class OAuthApplicationsApi
{
    /// <summary>Where providers send the browser back after sign-in, below the web host's own address.</summary>
    public const string CallbackPath = "/api/oauth/callback";

    public static IEndpointRouteBuilder MapOAuthApplicationsApi(this IEndpointRouteBuilder app)
    {
        var applications = app.MapGroup("/api/system/oauth-applications").WithTags("System")
            .RequireAuthorization(AdminRoles.SuperAdminPolicy);
        applications.MapGet("/", ListAsync);
        applications.MapPost("/", CreateAsync);
        applications.MapPut("/{id}", UpdateAsync);
        applications.MapDelete("/{id}", DeleteAsync);
        return app;
    }

    /// <summary>The redirect URI as this web host is reached (behind a proxy, as the proxy forwards it).</summary>
    public static string RedirectUri(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{CallbackPath}";

    private static async Task<Ok<OAuthApplicationsResponse>> ListAsync(HttpRequest request, IClusterClient cluster) =>
        TypedResults.Ok(new OAuthApplicationsResponse(RedirectUri(request),
            [.. (await Registrations(cluster).ListAsync()).Select(OAuthApplicationResponse.From)]));

    private static async Task<Results<Created<OAuthApplicationResponse>, ValidationProblem>> CreateAsync(
        OAuthApplicationRequest request, IClusterClient cluster)
    {
        if (request.Kind is not { } kind)
        {
            return MissingKind();
        }
        var result = (await Registrations(cluster).SaveAsync(request.ToGrain("", kind)))!;
        return result.Saved is { } saved
            ? TypedResults.Created($"/api/system/oauth-applications/{saved.Id}", OAuthApplicationResponse.From(saved))
            : TypedResults.ValidationProblem(result.Errors, title: "The OAuth application was not saved");
    }

    private static async Task<Results<Ok<OAuthApplicationResponse>, ValidationProblem, ProblemHttpResult>> UpdateAsync(
        string id, OAuthApplicationRequest request, IClusterClient cluster)
    {
        if (request.Kind is not { } kind)
        {
            return MissingKind();
        }
        var result = await Registrations(cluster).SaveAsync(request.ToGrain(id, kind));
        if (result is null)
        {
            return NotFound();
        }
        return result.Saved is { } saved
            ? TypedResults.Ok(OAuthApplicationResponse.From(saved))
            : TypedResults.ValidationProblem(result.Errors, title: "The OAuth application was not saved");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, IClusterClient cluster) =>
        await Registrations(cluster).DeleteAsync(id) ? TypedResults.NoContent() : NotFound();

    private static ValidationProblem MissingKind() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["kind"] = ["Choose microsoft, google or openIdConnect."] },
        title: "The OAuth application was not saved");

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such OAuth application");

    private static IOAuthApplicationsGrain Registrations(IClusterClient cluster) =>
        cluster.GetGrain<IOAuthApplicationsGrain>(IOAuthApplicationsGrain.Key);
}

using Microsoft.AspNetCore.Http.HttpResults;
using Splynx.Orleans.Sending;
using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.Sending;

/// <summary>The SMTP server admins with "use system SMTP" send through (super-admins only).</summary>
public static class SystemSmtpApi
{
    public static IEndpointRouteBuilder MapSystemSmtpApi(this IEndpointRouteBuilder app)
    {
        var smtp = app.MapGroup("/api/system/smtp").WithTags("System").RequireAuthorization(AdminRoles.SuperAdminPolicy);
        smtp.MapGet("/", GetAsync);
        smtp.MapPut("/", PutAsync);
        return app;
    }

    private static async Task<Ok<SystemSmtpResponse>> GetAsync(IClusterClient cluster) =>
        TypedResults.Ok(SystemSmtpResponse.From(await SystemSmtp(cluster).GetAsync()));

    private static async Task<Results<Ok<SystemSmtpResponse>, ValidationProblem>> PutAsync(SystemSmtpRequest request, IClusterClient cluster)
    {
        var result = await SystemSmtp(cluster).UpdateAsync(request.ToGrain());
        return result.Saved is { } saved
            ? TypedResults.Ok(SystemSmtpResponse.From(saved))
            : TypedResults.ValidationProblem(result.Errors, title: "The system SMTP settings were not saved");
    }

    private static ISystemSmtpGrain SystemSmtp(IClusterClient cluster) => cluster.GetGrain<ISystemSmtpGrain>(ISystemSmtpGrain.Key);
}

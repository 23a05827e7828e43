using Splynx.Orleans.WebHost.Auth;

namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>SignalR push of mailbox events (P1) and the at-once effect of access changes on live connections (S6).</summary>
public static class RealtimeSetup
{
    private const string MailSettingsPath = "/api/me/mail-settings";

    public static WebApplicationBuilder AddMailRealtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<ConnectionAccess>();
        builder.Services.AddSingleton<MailboxEventRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MailboxEventRelay>());
        return builder;
    }

    /// <summary>
    /// After saved mail settings, the groups of the connections concerned follow before the answer leaves, so that
    /// a revoked delegate's browser stops receiving the owner's mail at once.
    /// </summary>
    public static WebApplication UseMailAccessRefresh(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            await next(context);
            if (HttpMethods.IsPut(context.Request.Method)
                && string.Equals(context.Request.Path.Value?.TrimEnd('/'), MailSettingsPath, StringComparison.OrdinalIgnoreCase)
                && context.Response.StatusCode == StatusCodes.Status200OK
                && context.User.Identity?.IsAuthenticated == true)
            {
                var services = context.RequestServices;
                await services.GetRequiredService<ConnectionAccess>().RefreshAfterAccessChangeAsync(context.User.AdminId(), CancellationToken.None);
                await services.GetRequiredService<MailboxEventRelay>().SyncSubscriptionsAsync(renewAll: false, CancellationToken.None);
            }
        });
        return app;
    }

    public static IEndpointRouteBuilder MapMailHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<MailHub>(MailHub.Path);
        return app;
    }
}

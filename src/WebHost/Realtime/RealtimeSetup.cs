namespace Splynx.Orleans.WebHost.Realtime;

/// <summary>SignalR push of mailbox events (P1) and the at-once effect of access changes on live connections (S6).</summary>
public static class RealtimeSetup
{
    public static WebApplicationBuilder AddMailRealtime(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<ConnectionAccess>();
        builder.Services.AddSingleton<LiveAccessRefresh>();
        builder.Services.AddSingleton<MailboxEventRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<MailboxEventRelay>());
        return builder;
    }

    public static IEndpointRouteBuilder MapMailHub(this IEndpointRouteBuilder app)
    {
        app.MapHub<MailHub>(MailHub.Path);
        return app;
    }
}

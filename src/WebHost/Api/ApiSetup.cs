using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Auth;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.WebHost.Customers;
using Splynx.Orleans.WebHost.Mailbox;
using Splynx.Orleans.WebHost.Messages;
using Splynx.Orleans.WebHost.OAuth;
using Splynx.Orleans.WebHost.Operations;
using Splynx.Orleans.WebHost.Realtime;
using Splynx.Orleans.WebHost.Sending;
using Splynx.Orleans.Storage.Mailboxes;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.WebHost.Api;

/// <summary>The REST API: JSON conventions, limits, errors as problem details, OpenAPI and every area's endpoints.</summary>
public static class ApiSetup
{
    /// <summary>Largest request body the API reads (<c>Api:MaxRequestBodyBytes</c>); more is a 413.</summary>
    private const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddSplynxApi(this WebApplicationBuilder builder)
    {
        builder.AddSplynxAuth();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // Values of the type they are: enums only as their names ("starttls"), numbers never in quotes.
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        // Unreadable bodies throw, so that ApiExceptionHandler can name the field in a problem details answer.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        var maxBody = builder.Configuration.GetValue("Api:MaxRequestBodyBytes", DefaultMaxRequestBodyBytes);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
        builder.Services.AddOpenApi();
        // A web host that is only a cluster client reads messages and customers from the database itself.
        builder.Services.TryAddSingleton<MailboxAccessRules>();
        builder.Services.TryAddSingleton<MessageQueries>();
        builder.Services.TryAddSingleton<CustomerRepository>();
        builder.Services.TryAddSingleton<MailboxPresenceStore>();
        builder.Services.AddSingleton<OperationsFeed>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OperationsFeed>());
        builder.AddMailRealtime();
        return builder;
    }

    public static WebApplication UseSplynxApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    public static WebApplication MapSplynxApi(this WebApplication app)
    {
        app.MapOpenApi().AllowAnonymous();
        app.MapAuthApi();
        app.MapAdminsApi();
        app.MapMailSettingsApi();
        app.MapMailboxApi();
        app.MapMessagesApi();
        app.MapCustomersApi();
        app.MapSendingApi();
        app.MapSystemSmtpApi();
        app.MapOAuthApplicationsApi();
        app.MapMailboxOverviewApi();
        app.MapMailHub();
        return app;
    }
}

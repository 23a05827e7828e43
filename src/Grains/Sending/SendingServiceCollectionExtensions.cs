using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Splynx.Orleans.Storage.Outbox;

namespace Splynx.Orleans.Sending;

public static class SendingServiceCollectionExtensions
{
    /// <summary>What the outbox and system SMTP grains need on a silo: SMTP, the outbox table and the send limits.</summary>
    public static IServiceCollection AddSending(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SendOptions>(configuration.GetSection(SendOptions.SectionName));
        services.AddSingleton<ISmtpConnector, MailKitSmtpConnector>();
        services.AddSingleton<OutboxRepository>();
        services.AddSingleton<SentFolderCopier>();
        return services;
    }
}

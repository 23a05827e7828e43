using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox.Imap;
using Splynx.Orleans.Secrets;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Mailbox;

public static class MailboxServiceCollectionExtensions
{
    /// <summary>What the mailbox grains need on a silo: IMAP, the message store, secrets and sync timing.</summary>
    public static IServiceCollection AddMailboxSync(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<MailSyncOptions>(configuration.GetSection(MailSyncOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSecretProtection(configuration);
        services.AddSingleton<MailServerTrust>();
        services.AddSingleton<IImapConnector, MailKitImapConnector>();
        services.AddSingleton<ImapConnectThrottle>();
        services.AddSingleton<IMessageStore, PostgresMessageStore>();
        services.AddSingleton<MailboxAccessRules>();
        services.AddSingleton<CustomerRepository>();
        services.AddSingleton<MessagePairing>();
        services.AddSingleton<MessageQueries>();
        services.AddHostedService<SearchReindexer>();
        services.AddSending(configuration);
        return services;
    }
}

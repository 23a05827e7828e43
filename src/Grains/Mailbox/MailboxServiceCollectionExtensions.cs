using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Splynx.Orleans.Customers;
using Splynx.Orleans.Mailbox.Imap;
using Splynx.Orleans.Mailbox.Presence;
using Splynx.Orleans.Secrets;
using Splynx.Orleans.Sending;
using Splynx.Orleans.Storage.Messages;
using Splynx.Orleans.Storage.Mailboxes;
using Splynx.Orleans.Storage.Customers;

namespace Splynx.Orleans.Mailbox;

public static class MailboxServiceCollectionExtensions
{
    /// <summary>What the mailbox grains need on a silo: IMAP, the message store, secrets and sync timing.</summary>
    public static IServiceCollection AddMailboxSync(this IServiceCollection services, IConfiguration configuration)
    {
        // .NET knows only the Unicode encodings, ASCII and Latin-1 until the code pages are registered, and MimeKit
        // looks its charsets up once, the first time it decodes anything (an envelope, say): registered later,
        // windows-1252, KOI8-R, ISO-2022-JP... stay unknown to it for the life of the process, and mail comes out garbled.
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        services.Configure<MailSyncOptions>(configuration.GetSection(MailSyncOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSecretProtection(configuration);
        services.AddSingleton<MailServerTrust>();
        services.AddSingleton<IImapConnector, MailKitImapConnector>();
        services.AddSingleton<ImapConnectThrottle>();
        services.TryAddSingleton<OAuth.OAuthTokenClient>();
        services.Configure<MailClusterOptions>(configuration.GetSection(MailClusterOptions.SectionName));
        services.AddSingleton<MailboxPresenceStore>();
        services.AddSingleton<MailboxPresencePublisher>();
        services.AddHostedService(provider => provider.GetRequiredService<MailboxPresencePublisher>());
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

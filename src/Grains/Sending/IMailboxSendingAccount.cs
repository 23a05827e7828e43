using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>
/// The mailbox grain's answer for its admin's outbox grain alone: the settings with the account password in
/// clear. Internal to the silo's assembly, so no cluster client (a web host) has a contract to ask for it.
/// </summary>
internal interface IMailboxSendingAccount : IGrainWithStringKey
{
    /// <summary>The saved settings with the password in <see cref="CredentialsSettings.Password"/> (empty when none is saved).</summary>
    Task<MailSettings> GetSettingsForSendingAsync();
}

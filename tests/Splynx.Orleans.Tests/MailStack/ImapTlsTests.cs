using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.MailStack;

/// <summary>The Dovecot of the stack speaks TLS both ways, with a certificate no one should trust blindly.</summary>
public sealed class ImapTlsTests
{
    [Theory]
    [InlineData(SecureSocketOptions.StartTls)]
    [InlineData(SecureSocketOptions.SslOnConnect)]
    public async Task Login_succeeds_when_certificate_validation_is_off(SecureSocketOptions security)
    {
        var user = await LocalStack.CreateMailUserAsync();

        using var imap = await MailClients.ImapAsync(user, security);
        await imap.Inbox.OpenAsync(FolderAccess.ReadOnly);

        Assert.True(imap.IsAuthenticated);
        Assert.True(imap.IsSecure);
        Assert.True(imap.Capabilities.HasFlag(ImapCapabilities.Idle));
    }

    [Theory]
    [InlineData(SecureSocketOptions.StartTls)]
    [InlineData(SecureSocketOptions.SslOnConnect)]
    public async Task Self_signed_certificate_is_refused_with_a_tls_error_when_validation_is_on(SecureSocketOptions security)
    {
        using var imap = new ImapClient();

        var error = await Assert.ThrowsAsync<SslHandshakeException>(() =>
            imap.ConnectAsync(LocalStack.MailHost, MailClients.ImapPortFor(security), security));

        Assert.False(imap.IsConnected);
        Assert.Contains("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Special_use_folders_are_there_for_a_new_user()
    {
        var user = await LocalStack.CreateMailUserAsync();

        using var imap = await MailClients.ImapAsync(user);
        var folders = await imap.GetFoldersAsync(imap.PersonalNamespaces[0]);

        foreach (var role in new[] { FolderAttributes.Sent, FolderAttributes.Drafts, FolderAttributes.Trash, FolderAttributes.Junk })
        {
            Assert.Contains(folders, folder => folder.Attributes.HasFlag(role));
        }
    }
}

using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>The clear mail password leaves a mailbox grain only for its outbox grain, through a contract no cluster client has.</summary>
public sealed class SendingAccountContractTests
{
    [Fact]
    public void The_password_for_sending_is_behind_an_interface_internal_to_the_silo_assembly()
    {
        Assert.DoesNotContain(typeof(IMailboxGrain).GetMethods(), method => method.Name.Contains("Sending", StringComparison.Ordinal));

        var contract = Assert.Single(typeof(MailboxGrain).GetInterfaces(), type => type.Name == "IMailboxSendingAccount");
        Assert.False(contract.IsPublic, "a public contract would let any cluster client ask for the password");
        Assert.Equal(typeof(MailboxGrain).Assembly, contract.Assembly);
        Assert.NotEqual(typeof(IMailboxGrain).Assembly, contract.Assembly);
    }
}

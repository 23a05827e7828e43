using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Tests.Mailbox;

public sealed class MailSettingsValidatorTests
{
    private static readonly DateOnly Today = new(2026, 11, 26);

    private static MailSettings Valid() => MailSettings.Default with
    {
        Tracking = TrackingSettings.Default with { Enabled = true, DenyList = ["spam@example.com", "example.org"] },
        Credentials = new CredentialsSettings("alice", "secret", false),
        Imap = new ImapSettings("imap.example.com", 993, ImapSecurity.Ssl, false, null),
    };

    [Fact]
    public void Valid_settings_have_no_errors() =>
        Assert.Empty(MailSettingsValidator.Validate(Valid(), hasSavedPassword: false, Today));

    [Fact]
    public void A_deny_list_line_that_is_neither_address_nor_domain_is_named_by_its_line()
    {
        var settings = Valid() with { Tracking = Valid().Tracking with { DenyList = ["ok@example.com", "foo@", "example", "a b@example.com"] } };

        var errors = MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today);

        Assert.Equal(["tracking.denyList[1]", "tracking.denyList[2]", "tracking.denyList[3]"], errors.Keys.Order());
        Assert.Equal("line 2: 'foo@' is not an address or a domain", Assert.Single(errors["tracking.denyList[1]"]));
    }

    [Fact]
    public void Every_problem_is_reported_with_its_field()
    {
        var settings = MailSettings.Default with
        {
            Tracking = TrackingSettings.Default with { Enabled = true, HistoricFrom = Today.AddDays(1) },
            Imap = new ImapSettings("", 0, ImapSecurity.Ssl, false, null),
            Smtp = SmtpSettings.Default with { Enabled = true, Port = 70000, ReplyTo = "not an address" },
        };

        var errors = MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today);

        Assert.Equal(
            ["credentials.password", "credentials.username", "imap.port", "imap.server", "smtp.port", "smtp.replyTo", "smtp.server", "tracking.historicFrom"],
            errors.Keys.Order());
    }

    [Fact]
    public void A_saved_password_may_be_left_out()
    {
        var settings = Valid() with { Credentials = new CredentialsSettings("alice", null, true) };

        Assert.Contains("credentials.password", MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today).Keys);
        Assert.Empty(MailSettingsValidator.Validate(settings, hasSavedPassword: true, Today));
    }

    [Fact]
    public void An_oauth_account_needs_no_password_but_a_grant_for_its_application()
    {
        var settings = Valid() with { Credentials = new CredentialsSettings("alice@isp.example", null, false, "microsoft") };

        var errors = MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today);

        Assert.Equal(["credentials.oauthApplicationId"], errors.Keys);
        Assert.Contains("Sign in", Assert.Single(errors["credentials.oauthApplicationId"]));
        Assert.Empty(MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today, hasSavedGrant: true));
        Assert.Empty(MailSettingsValidator.Validate(settings with { Credentials = settings.Credentials with { RefreshToken = "grant" } },
            hasSavedPassword: false, Today));
    }

    [Fact]
    public void An_oauth_account_is_named_by_its_address_and_its_application()
    {
        var settings = Valid() with { Credentials = new CredentialsSettings("alice", null, false, " ", "grant") };

        var errors = MailSettingsValidator.Validate(settings, hasSavedPassword: true, Today);

        Assert.Equal(["credentials.oauthApplicationId", "credentials.username"], errors.Keys.Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65535)]
    public void Any_port_from_1_to_65535_is_valid(int port)
    {
        var settings = Valid() with { Imap = Valid().Imap with { Port = port }, Smtp = SmtpSettings.Default with { Port = port } };
        Assert.Empty(MailSettingsValidator.Validate(settings, hasSavedPassword: false, Today));
    }

    [Fact]
    public void A_server_must_be_a_host_name_or_an_ip_address()
    {
        var errors = MailSettingsValidator.Validate(Valid() with { Imap = Valid().Imap with { Server = "imap://mail.example.com" } }, false, Today);
        Assert.Contains("imap.server", errors.Keys);
        Assert.Empty(MailSettingsValidator.Validate(Valid() with { Imap = Valid().Imap with { Server = "127.0.0.1" } }, false, Today));
        Assert.Empty(MailSettingsValidator.Validate(Valid() with { Imap = Valid().Imap with { Server = "localhost" } }, false, Today));
    }
}

public sealed class DenyListTests
{
    private readonly DenyList _denyList = new(["Spammer@Example.com", "bad.org", "@worse.net"]);

    [Theory]
    [InlineData("spammer@example.com", true)]
    [InlineData("SPAMMER@EXAMPLE.COM", true)]
    [InlineData("friend@example.com", false)]
    [InlineData("anyone@bad.org", true)]
    [InlineData("anyone@mail.bad.org", true)]
    [InlineData("anyone@notbad.org", false)]
    [InlineData("anyone@worse.net", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Matches_addresses_and_domains_with_their_subdomains_without_regard_to_case(string? address, bool denied) =>
        Assert.Equal(denied, _denyList.Matches(address));
}

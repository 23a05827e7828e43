namespace Splynx.Orleans.Storage.Migrations;

/// <summary>
/// Failed logins, counted by every web host together: an attacker who spreads guesses over the web hosts
/// behind a load balancer meets the same limits as one who does not.
/// </summary>
internal static class LoginFailuresSchema
{
    public static Migration Migration { get; } = new(13, "login failures", """
        CREATE TABLE login_failures (
            login     text NOT NULL,
            address   text NOT NULL,
            failed_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX login_failures_login ON login_failures (login, address, failed_at);
        CREATE INDEX login_failures_address ON login_failures (address, failed_at);
        CREATE INDEX login_failures_age ON login_failures (failed_at);
        """);
}

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// Every problem of a set of mail settings, each under the JSON path of its field
/// (<c>imap.port</c>, <c>tracking.denyList[2]</c>), in words a person can act on.
/// </summary>
public static class MailSettingsValidator
{
    /// <param name="settings">The settings as they would be saved.</param>
    /// <param name="hasSavedPassword">A password is already stored, so leaving it out keeps it.</param>
    /// <param name="today">Today's date, for the historic start date.</param>
    /// <param name="hasSavedGrant">A refresh token for the settings' OAuth application is already stored.</param>
    public static IReadOnlyDictionary<string, string[]> Validate(MailSettings settings, bool hasSavedPassword, DateOnly today, bool hasSavedGrant = false)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }

        var tracking = settings.Tracking;
        if (tracking.HistoricFrom is { } from && from > today)
        {
            Add("tracking.historicFrom", "must not be in the future");
        }
        for (var line = 0; line < tracking.DenyList.Count; line++)
        {
            if (DenyList.Problem(tracking.DenyList[line] ?? "") is { } problem)
            {
                Add($"tracking.denyList[{line}]", $"line {line + 1}: {problem}");
            }
        }

        for (var i = 0; i < settings.Access.AdminIds.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(settings.Access.AdminIds[i]))
            {
                Add($"access.adminIds[{i}]", "must be an admin id");
            }
        }

        var credentials = settings.Credentials;
        var imap = settings.Imap;
        var needsAccount = tracking.Enabled || (settings.Smtp.Enabled && !settings.Smtp.UseSystem);
        if (needsAccount && string.IsNullOrWhiteSpace(credentials.Username))
        {
            Add("credentials.username", "is required to sync or send mail");
        }
        if (credentials.UsesOAuth)
        {
            if (!string.IsNullOrWhiteSpace(credentials.Username) && !MailAddressRules.IsAddress(credentials.Username.Trim()))
            {
                Add("credentials.username", "must be the account's email address when signing in with OAuth");
            }
            if (string.IsNullOrWhiteSpace(credentials.OAuthApplicationId))
            {
                Add("credentials.oauthApplicationId", "is required to sign in with OAuth");
            }
            else if (needsAccount && string.IsNullOrEmpty(credentials.RefreshToken) && !hasSavedGrant)
            {
                Add("credentials.oauthApplicationId", "Sign in with the provider first: no grant is saved for this application");
            }
        }
        else if (needsAccount && string.IsNullOrEmpty(credentials.Password) && !hasSavedPassword)
        {
            Add("credentials.password", "is required to sync or send mail");
        }

        if (tracking.Enabled && string.IsNullOrWhiteSpace(imap.Server))
        {
            Add("imap.server", "is required to sync mail");
        }
        else if (!string.IsNullOrWhiteSpace(imap.Server) && !MailAddressRules.IsHost(imap.Server.Trim()))
        {
            Add("imap.server", $"'{imap.Server}' is not a host name or an IP address");
        }
        if (imap.Port is < 1 or > 65535)
        {
            Add("imap.port", "must be between 1 and 65535 (usually 993 for SSL, 143 for STARTTLS)");
        }
        if (!Enum.IsDefined(imap.Security))
        {
            Add("imap.security", "must be ssl, starttls or none");
        }

        var smtp = settings.Smtp;
        if (!string.IsNullOrWhiteSpace(smtp.ReplyTo) && !MailAddressRules.IsAddress(smtp.ReplyTo.Trim()))
        {
            Add("smtp.replyTo", $"'{smtp.ReplyTo}' is not an email address");
        }
        if (smtp.Enabled && !smtp.UseSystem && string.IsNullOrWhiteSpace(smtp.Server))
        {
            Add("smtp.server", "is required to send through your own server");
        }
        else if (!string.IsNullOrWhiteSpace(smtp.Server) && !MailAddressRules.IsHost(smtp.Server.Trim()))
        {
            Add("smtp.server", $"'{smtp.Server}' is not a host name or an IP address");
        }
        if (smtp.Port is < 1 or > 65535)
        {
            Add("smtp.port", "must be between 1 and 65535 (usually 25, 465 or 587)");
        }
        if (!Enum.IsDefined(smtp.Security))
        {
            Add("smtp.security", "must be none, starttls or ssl");
        }
        if (!Enum.IsDefined(smtp.Auth))
        {
            Add("smtp.auth", "must be none, plain, login or cram-md5");
        }

        return errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
    }
}

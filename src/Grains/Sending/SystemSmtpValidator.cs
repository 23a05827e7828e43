using Splynx.Orleans.Mailbox;

namespace Splynx.Orleans.Sending;

/// <summary>Every problem of the system SMTP settings, under the JSON name of its field.</summary>
public static class SystemSmtpValidator
{
    /// <param name="hasSavedPassword">A password is already stored, so leaving it out keeps it.</param>
    public static IReadOnlyDictionary<string, string[]> Validate(SystemSmtpSettings settings, bool hasSavedPassword)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var server = settings.Server?.Trim() ?? "";
        if (server.Length == 0)
        {
            errors["server"] = ["is required"];
        }
        else if (!MailAddressRules.IsHost(server))
        {
            errors["server"] = [$"'{settings.Server}' is not a host name or an IP address"];
        }
        if (settings.Port is not (>= 1 and <= 65535))
        {
            errors["port"] = ["must be between 1 and 65535 (usually 25, 465 or 587)"];
        }
        if (settings.Security is not { } security || !Enum.IsDefined(security))
        {
            errors["security"] = ["must be none, starttls or ssl"];
        }
        if (settings.Auth is not { } auth || !Enum.IsDefined(auth))
        {
            errors["auth"] = ["must be none, plain, login or cram-md5"];
        }
        else if (auth != SmtpAuth.None)
        {
            if (string.IsNullOrWhiteSpace(settings.Username))
            {
                errors["username"] = ["is required unless the auth type is none"];
            }
            if (string.IsNullOrEmpty(settings.Password) && !hasSavedPassword)
            {
                errors["password"] = ["is required unless the auth type is none"];
            }
        }
        var sender = settings.SenderEmail?.Trim() ?? "";
        if (sender.Length == 0)
        {
            errors["senderEmail"] = ["is required: it is the From address of every admin who uses the system SMTP"];
        }
        else if (!MailAddressRules.IsAddress(sender))
        {
            errors["senderEmail"] = [$"'{settings.SenderEmail}' is not an email address"];
        }
        if (settings.SenderName is { Length: > 200 })
        {
            errors["senderName"] = ["must be at most 200 characters"];
        }
        return errors;
    }
}

using System.Net;

namespace Splynx.Orleans.Mailbox;

/// <summary>The shapes of host names, domains and addresses that settings accept.</summary>
public static class MailAddressRules
{
    /// <summary>A DNS name with at least two labels (<c>example.com</c>), each 1–63 letters, digits or hyphens.</summary>
    public static bool IsDomain(string value)
    {
        if (value.Length is 0 or > 253)
        {
            return false;
        }
        var labels = value.Split('.');
        return labels.Length >= 2 && labels.All(IsLabel);
    }

    /// <summary>A server name: a DNS name (one label allowed, as <c>localhost</c>) or an IP address.</summary>
    public static bool IsHost(string value) =>
        IPAddress.TryParse(value, out _) || (value.Length is > 0 and <= 253 && value.Split('.').All(IsLabel));

    /// <summary><c>local@domain</c>: a local part without spaces, quotes or a second <c>@</c>, and a domain.</summary>
    public static bool IsAddress(string value)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1)
        {
            return false;
        }
        var local = value[..at];
        return local.Length <= 64
            && !local.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '"' or '<' or '>' or ',' or ';')
            && !local.StartsWith('.') && !local.EndsWith('.') && !local.Contains("..", StringComparison.Ordinal)
            && IsDomain(value[(at + 1)..]);
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63
        && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
        && label[0] != '-' && label[^1] != '-';
}

namespace Splynx.Orleans.Mailbox;

/// <summary>
/// The addresses and domains whose mail is ignored (S5): <c>user@example.com</c> matches that
/// address, <c>example.com</c> that domain and its subdomains; case never matters.
/// </summary>
public sealed class DenyList
{
    private readonly HashSet<string> _addresses = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _domains = new(StringComparer.OrdinalIgnoreCase);

    public DenyList(IEnumerable<string> entries)
    {
        foreach (var entry in entries)
        {
            var normalized = Normalize(entry);
            if (normalized.Contains('@', StringComparison.Ordinal))
            {
                _addresses.Add(normalized);
            }
            else if (normalized.Length > 0)
            {
                _domains.Add(normalized);
            }
        }
    }

    public bool IsEmpty => _addresses.Count == 0 && _domains.Count == 0;

    public bool Matches(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return false;
        }
        var normalized = address.Trim().ToLowerInvariant();
        if (_addresses.Contains(normalized))
        {
            return true;
        }
        var at = normalized.LastIndexOf('@');
        var domain = at >= 0 ? normalized[(at + 1)..] : normalized;
        // example.com, then the parents of mail.example.com: mail.example.com, example.com, com.
        for (var candidate = domain; candidate.Length > 0;)
        {
            if (_domains.Contains(candidate))
            {
                return true;
            }
            var dot = candidate.IndexOf('.', StringComparison.Ordinal);
            candidate = dot < 0 ? "" : candidate[(dot + 1)..];
        }
        return false;
    }

    /// <summary>Lower case, trimmed; a leading <c>@</c> (as in <c>@example.com</c>) means the domain.</summary>
    public static string Normalize(string entry) => entry.Trim().TrimStart('@').ToLowerInvariant();

    /// <summary>Null when the line is an address or a domain, otherwise why it is neither.</summary>
    public static string? Problem(string entry)
    {
        var normalized = Normalize(entry);
        if (normalized.Length == 0)
        {
            return "is empty";
        }
        var at = normalized.LastIndexOf('@');
        if (at < 0)
        {
            return MailAddressRules.IsDomain(normalized) ? null : $"'{entry.Trim()}' is not an address or a domain";
        }
        return MailAddressRules.IsAddress(normalized) ? null : $"'{entry.Trim()}' is not an address or a domain";
    }
}

using System.Text;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>Makes text from the wild storable in a PostgreSQL text column.</summary>
internal static class DatabaseText
{
    /// <summary>
    /// Drops NUL characters (PostgreSQL text cannot hold them) and replaces lone surrogates (not encodable
    /// as UTF-8), so that a message with such bytes is stored rather than failing its whole batch.
    /// </summary>
    public static string? Clean(string? value)
    {
        if (value is null || (!value.Contains('\0', StringComparison.Ordinal) && !value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')))
        {
            return value;
        }
        var clean = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var character = value[i];
            if (character == '\0')
            {
                continue;
            }
            if (char.IsHighSurrogate(character) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                clean.Append(character).Append(value[++i]);
            }
            else
            {
                clean.Append(char.IsSurrogate(character) ? '\uFFFD' : character);
            }
        }
        return clean.ToString();
    }
}

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>LIST patterns: <c>*</c> matches anything, <c>%</c> anything but the hierarchy delimiter.</summary>
internal static class Glob
{
    public static bool Matches(string pattern, string name, bool ignoreCase) => Matches(pattern.AsSpan(), name.AsSpan(), ignoreCase);

    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name, bool ignoreCase)
    {
        if (pattern.IsEmpty)
        {
            return name.IsEmpty;
        }
        if (pattern[0] is '*' or '%')
        {
            for (var taken = 0; taken <= name.Length; taken++)
            {
                if (Matches(pattern[1..], name[taken..], ignoreCase))
                {
                    return true;
                }
                if (taken < name.Length && pattern[0] == '%' && name[taken] == '/')
                {
                    return false;
                }
            }
            return false;
        }
        return !name.IsEmpty
            && (ignoreCase ? char.ToUpperInvariant(pattern[0]) == char.ToUpperInvariant(name[0]) : pattern[0] == name[0])
            && Matches(pattern[1..], name[1..], ignoreCase);
    }
}

namespace Splynx.Orleans.Mailbox.Presence;

/// <summary>
/// Splits work among the live silos without talking: every silo sorts the same live set and hashes the same ids
/// the same way, so each takes a distinct share and together they take all.
/// </summary>
public static class ClusterShare
{
    public static bool IsMine(string id, IReadOnlyList<string> liveSilosInOrder, string localSilo)
    {
        var index = IndexOf(liveSilosInOrder, localSilo);
        return index >= 0 && StableHash(id) % (uint)liveSilosInOrder.Count == index;
    }

    /// <summary>FNV-1a: the same on every silo and every run (string.GetHashCode is randomised per process).</summary>
    public static uint StableHash(string id)
    {
        var hash = 2166136261u;
        foreach (var character in id)
        {
            hash = (hash ^ character) * 16777619u;
        }
        return hash;
    }

    /// <summary>
    /// The moves that bring every silo to the mean, as (from, to, how many): the fullest silos give to the emptiest.
    /// Nothing when each holds within <paramref name="tolerance"/> of the mean (or one mailbox, whichever is more).
    /// </summary>
    public static IReadOnlyList<(string From, string To, int Count)> PlanSpread(IReadOnlyDictionary<string, int> countsBySilo, double tolerance)
    {
        if (countsBySilo.Count < 2)
        {
            return [];
        }
        var mean = countsBySilo.Values.Sum() / (double)countsBySilo.Count;
        // At least one mailbox of slack: with few mailboxes, 10 % is less than one, and they would move back and forth.
        var slack = Math.Max(1, tolerance * mean);
        if (countsBySilo.Values.All(count => Math.Abs(count - mean) <= slack))
        {
            return [];
        }
        var target = (int)Math.Ceiling(mean);
        var surplus = countsBySilo.Where(pair => pair.Value > target).OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Silo: pair.Key, Left: pair.Value - target)).ToList();
        var deficit = countsBySilo.Where(pair => pair.Value < (int)Math.Floor(mean)).OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (Silo: pair.Key, Left: (int)Math.Floor(mean) - pair.Value)).ToList();
        var moves = new List<(string, string, int)>();
        int giver = 0, taker = 0;
        while (giver < surplus.Count && taker < deficit.Count)
        {
            var count = Math.Min(surplus[giver].Left, deficit[taker].Left);
            moves.Add((surplus[giver].Silo, deficit[taker].Silo, count));
            surplus[giver] = (surplus[giver].Silo, surplus[giver].Left - count);
            deficit[taker] = (deficit[taker].Silo, deficit[taker].Left - count);
            if (surplus[giver].Left == 0)
            {
                giver++;
            }
            if (deficit[taker].Left == 0)
            {
                taker++;
            }
        }
        return moves;
    }

    private static int IndexOf(IReadOnlyList<string> silos, string silo)
    {
        for (var i = 0; i < silos.Count; i++)
        {
            if (silos[i] == silo)
            {
                return i;
            }
        }
        return -1;
    }
}

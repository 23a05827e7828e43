using Splynx.Orleans.Mailbox.Presence;

namespace Splynx.Orleans.Tests.Cluster;

/// <summary>The arithmetic by which silos split mailboxes without talking to each other.</summary>
public sealed class ClusterShareTests
{
    private static readonly string[] Silos = ["a@1", "b@2", "c@3"];

    [Fact]
    public void Every_id_is_taken_by_exactly_one_live_silo_and_the_shares_are_about_even()
    {
        var ids = Enumerable.Range(0, 3000).Select(index => $"admin-{index:x}").ToList();
        var takers = ids.Select(id => Silos.Where(silo => ClusterShare.IsMine(id, Silos, silo)).ToList()).ToList();

        Assert.All(takers, taker => Assert.Single(taker));
        var shares = takers.GroupBy(taker => taker[0]).ToDictionary(group => group.Key, group => group.Count());
        Assert.All(Silos, silo => Assert.InRange(shares[silo], 900, 1100));
        Assert.False(ClusterShare.IsMine(ids[0], Silos, "not-live@9"));
    }

    [Fact]
    public void A_joining_silo_receives_from_the_fullest_until_all_are_near_the_mean()
    {
        var moves = ClusterShare.PlanSpread(new Dictionary<string, int> { ["a@1"] = 340, ["b@2"] = 330, ["c@3"] = 330, ["d@4"] = 0 }, 0.10);

        Assert.All(moves, move => Assert.Equal("d@4", move.To));
        Assert.Equal(250, moves.Sum(move => move.Count));
        Assert.Equal(90, moves.Single(move => move.From == "a@1").Count);
    }

    [Theory]
    [InlineData(340, 330, 330)]
    [InlineData(7, 6, 6)]
    [InlineData(3, 2, 2)]
    public void Nothing_moves_while_every_silo_is_within_the_tolerance(int a, int b, int c)
    {
        Assert.Empty(ClusterShare.PlanSpread(new Dictionary<string, int> { ["a@1"] = a, ["b@2"] = b, ["c@3"] = c }, 0.10));
    }
}

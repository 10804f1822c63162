using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Tests.Security;

/// <summary>Operation matching with daprd's rules (pkg/config/acl_trie.go), quirks included.</summary>
public sealed class OperationTrieTests
{
    [Theory]
    [InlineData("/orders", "/orders", true)]
    [InlineData("/orders", "/other", false)]
    // A node that carries an operation ends the search: a plain name also covers everything below it.
    [InlineData("/orders", "/orders/42/status", true)]
    [InlineData("/orders", "/ordersx", false)]
    // "*" as a last segment: one segment, and the parent itself.
    [InlineData("/stock/*", "/stock/apple", true)]
    [InlineData("/stock/*", "/stock", true)]
    [InlineData("/stock/*", "/stock/apple/more", false)]
    // "**": any depth, the parent included.
    [InlineData("/orders/**", "/orders", true)]
    [InlineData("/orders/**", "/orders/42/status", true)]
    // "*" in the middle never matches (it is only honoured as the last segment).
    [InlineData("/orders/*/status", "/orders/42/status", false)]
    // Globs inside a segment.
    [InlineData("/ord*", "/orders", true)]
    [InlineData("/ord*", "/ord", true)]
    [InlineData("/*s", "/orders", true)]
    [InlineData("/a*d", "/abcd", true)]
    [InlineData("/a*d", "/abce", false)]
    public void Find_MatchesAsDaprdDoes(string operation, string call, bool matches)
    {
        var trie = new OperationTrie();
        var rule = Rule(operation, "allow");
        trie.Add(operation, rule);

        (trie.Find(call) is not null).ShouldBe(matches);
    }

    [Fact]
    public void Find_TakesTheFirstMatchingNode_WithoutLookingForALongerOne()
    {
        var trie = new OperationTrie();
        var first = Rule("/orders", "allow");
        trie.Add("/orders", first);
        trie.Add("/orders/*/status", Rule("/orders/*/status", "deny"));

        trie.Find("/orders/42/status").ShouldBeSameAs(first);
    }

    [Fact]
    public void Add_SameOperationTwice_KeepsTheFirst()
    {
        var trie = new OperationTrie();
        var first = Rule("/a", "allow");
        trie.Add("/a", first);
        trie.Add("/a", Rule("/a", "deny"));

        trie.Find("/a").ShouldBeSameAs(first);
    }

    [Fact]
    public void Find_ExactSegmentBeforeAGlobSibling_FollowsTheExactOne()
    {
        var trie = new OperationTrie();
        var deep = Rule("/op/a/b/c/f", "allow");
        trie.Add("/op/a/b/*", Rule("/op/a/b/*", "allow"));
        trie.Add("/op/a/b/c/f", deep);
        trie.Add("/op/a/b*", Rule("/op/a/b*", "allow"));

        trie.Find("/op/a/b/c/f").ShouldBeSameAs(deep);
        trie.Find("/op/a/b/c/d").ShouldBeNull();
        trie.Find("/op/a/bc").ShouldNotBeNull();
    }

    private static OperationRule Rule(string operation, string action) =>
        new(operation, new Dictionary<string, string> { ["*"] = action }, action);
}

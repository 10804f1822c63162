namespace BioDapr.Sidecar.Security;

/// <summary>
/// The operations of one app policy, matched as daprd matches them (pkg/config/acl_trie.go), quirks
/// included, so a policy that works under daprd works the same here:
/// <list type="bullet">
/// <item>operations are split on <c>/</c>; each segment is a node, in the order the policy lists them;</item>
/// <item>a segment <c>*</c> matches one segment, but only as the last one (<c>/a/*</c> matches <c>/a/b</c>,
/// not <c>/a/b/c</c>); <c>**</c> matches the rest, however long; other segments may contain <c>*</c> as a
/// glob over the segment (<c>/order*</c>);</item>
/// <item>the first node that matches a segment is taken (no backtracking), and a node that carries an
/// operation ends the search there, so <c>/orders</c> also matches <c>/orders/1/status</c>;</item>
/// <item>when the same operation is listed twice, the first one wins.</item>
/// </list>
/// </summary>
internal sealed class OperationTrie
{
    private const string OneSegment = "/*";
    private const string AnySegments = "/**";

    private readonly Node _root = new("/");

    /// <summary>Adds an operation (a path starting with <c>/</c>).</summary>
    public void Add(string operation, OperationRule rule)
    {
        var parts = operation.Split('/');
        var node = _root;
        for (var i = 1; i < parts.Length; i++)
        {
            var segment = "/" + parts[i];
            var isLast = i == parts.Length - 1;
            var existing = node.Children.Find(c => c.Segment == segment);
            if (existing is null)
            {
                existing = new Node(segment) { Rule = isLast ? rule : null };
                node.Children.Add(existing);
            }
            else if (isLast)
            {
                existing.Rule ??= rule;
            }

            node = existing;
        }
    }

    /// <summary>The rule of the operation <paramref name="operation"/> matches, or null.</summary>
    public OperationRule? Find(string operation)
    {
        var parts = operation.Split('/');
        var node = _root;
        for (var i = 1; i < parts.Length; i++)
        {
            var isLast = i == parts.Length - 1;
            var next = Match(node, "/" + parts[i], isLast);
            if (next is null)
            {
                return null;
            }

            node = next;
            if (node.Rule is not null)
            {
                // A single-segment wildcard with more to come: keep descending under it.
                if (!isLast && node.Segment.EndsWith(OneSegment, StringComparison.Ordinal) && !node.Segment.EndsWith(AnySegments, StringComparison.Ordinal))
                {
                    continue;
                }

                return node.Rule;
            }

            if (isLast)
            {
                return Match(node, OneSegment, isLast: true) is { Rule: { } wildcard } ? wildcard : null;
            }
        }

        return null;
    }

    private static Node? Match(Node node, string segment, bool isLast)
    {
        foreach (var child in node.Children)
        {
            if (child.Segment == segment)
            {
                return child;
            }

            if (child.Segment == OneSegment)
            {
                if (isLast)
                {
                    return child;
                }

                continue;
            }

            if (child.Segment == AnySegments || Glob(segment, child.Segment))
            {
                return child;
            }
        }

        return null;
    }

    // '*' matches any run of characters, including none; everything else literally.
    private static bool Glob(string text, string pattern)
    {
        var matches = new bool[text.Length + 1, pattern.Length + 1];
        matches[0, 0] = true;
        for (var j = 1; j <= pattern.Length && pattern[j - 1] == '*'; j++)
        {
            matches[0, j] = true;
        }

        for (var i = 1; i <= text.Length; i++)
        {
            for (var j = 1; j <= pattern.Length; j++)
            {
                matches[i, j] = pattern[j - 1] == '*'
                    ? matches[i, j - 1] || matches[i - 1, j]
                    : text[i - 1] == pattern[j - 1] && matches[i - 1, j - 1];
            }
        }

        return matches[text.Length, pattern.Length];
    }

    private sealed class Node(string segment)
    {
        public string Segment { get; } = segment;

        public OperationRule? Rule { get; set; }

        public List<Node> Children { get; } = [];
    }
}

namespace BioDapr.Sidecar.Expressions;

/// <summary>A node of a parsed CEL expression. <see cref="Position"/> is the source offset for messages.</summary>
internal abstract record CelNode(int Position)
{
    /// <summary>A literal: long, ulong, double, bool, string, byte array or null.</summary>
    internal sealed record Literal(int Position, object? Value) : CelNode(Position);

    /// <summary>A variable reference.</summary>
    internal sealed record Identifier(int Position, string Name) : CelNode(Position);

    /// <summary><c>operand.field</c>; with <paramref name="TestOnly"/> it is the <c>has(operand.field)</c> macro.</summary>
    internal sealed record Select(int Position, CelNode Operand, string Field, bool TestOnly) : CelNode(Position);

    /// <summary><c>operand[key]</c>.</summary>
    internal sealed record Index(int Position, CelNode Operand, CelNode Key) : CelNode(Position);

    /// <summary>A function call: global (<paramref name="Target"/> null) or receiver style (<c>s.startsWith(x)</c>).</summary>
    internal sealed record Call(int Position, CelNode? Target, string Function, IReadOnlyList<CelNode> Arguments) : CelNode(Position);

    /// <summary><c>!operand</c> or <c>-operand</c>.</summary>
    internal sealed record Unary(int Position, CelTokenKind Operator, CelNode Operand) : CelNode(Position);

    /// <summary>A binary operator, including <c>&amp;&amp;</c>, <c>||</c> and <c>in</c>.</summary>
    internal sealed record Binary(int Position, CelTokenKind Operator, CelNode Left, CelNode Right) : CelNode(Position);

    /// <summary><c>condition ? whenTrue : whenFalse</c>.</summary>
    internal sealed record Conditional(int Position, CelNode Condition, CelNode WhenTrue, CelNode WhenFalse) : CelNode(Position);

    /// <summary><c>[a, b, c]</c>.</summary>
    internal sealed record ListLiteral(int Position, IReadOnlyList<CelNode> Items) : CelNode(Position);

    /// <summary><c>{k: v, ...}</c>.</summary>
    internal sealed record MapLiteral(int Position, IReadOnlyList<KeyValuePair<CelNode, CelNode>> Entries) : CelNode(Position);

    /// <summary>
    /// A comprehension macro over a list or map's keys: <c>all</c>, <c>exists</c>, <c>exists_one</c>,
    /// <c>filter</c> or <c>map</c> (with an optional <paramref name="Filter"/> for the three-argument form).
    /// </summary>
    internal sealed record Comprehension(int Position, string Macro, CelNode Range, string Variable, CelNode? Filter, CelNode Body) : CelNode(Position);
}

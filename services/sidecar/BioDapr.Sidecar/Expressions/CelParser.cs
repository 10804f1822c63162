namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// Recursive-descent parser for CEL's grammar (precedence from lowest: <c>?:</c>, <c>||</c>, <c>&amp;&amp;</c>,
/// relations and <c>in</c>, <c>+ -</c>, <c>* / %</c>, unary <c>! -</c>, member access, primaries).
/// Macros (<c>has</c>, <c>all</c>, <c>exists</c>, <c>exists_one</c>, <c>filter</c>, <c>map</c>) are expanded here,
/// and calls to functions outside the supported set are rejected, as CEL's type checker would.
/// </summary>
internal sealed class CelParser
{
    private const int MaxDepth = 100;
    private const int MaxTokens = 4096;

    private static readonly Dictionary<string, int[]> GlobalFunctions = new(StringComparer.Ordinal)
    {
        ["size"] = [1],
        ["int"] = [1],
        ["uint"] = [1],
        ["double"] = [1],
        ["string"] = [1],
        ["bool"] = [1],
        ["bytes"] = [1],
        ["dyn"] = [1],
        ["matches"] = [2],
    };

    private static readonly Dictionary<string, int[]> ReceiverFunctions = new(StringComparer.Ordinal)
    {
        ["size"] = [0],
        ["startsWith"] = [1],
        ["endsWith"] = [1],
        ["contains"] = [1],
        ["matches"] = [1],
    };

    private static readonly HashSet<string> Macros = ["all", "exists", "exists_one", "filter", "map"];

    private readonly string _text;
    private readonly List<CelToken> _tokens;
    private int _index;
    private int _depth;

    private CelParser(string text)
    {
        _text = text;
        _tokens = CelLexer.Tokenize(text);
    }

    public static CelNode Parse(string text)
    {
        var parser = new CelParser(text);
        if (parser._tokens.Count > MaxTokens)
        {
            throw new CelParseException(text, parser._tokens[MaxTokens].Position, $"the expression has more than {MaxTokens} tokens");
        }

        if (parser.Current.Kind == CelTokenKind.End)
        {
            throw new CelParseException(text, 0, "the expression is empty");
        }

        var node = parser.ParseExpression();
        parser.Expect(CelTokenKind.End, "an operator or the end of the expression");
        return node;
    }

    private CelToken Current => _tokens[_index];

    private CelToken Advance() => _tokens[_index++];

    private bool Accept(CelTokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        _index++;
        return true;
    }

    private CelToken Expect(CelTokenKind kind, string expected)
    {
        if (Current.Kind != kind)
        {
            throw Error(Current.Position, $"expected {expected}, found {Current.Describe()}");
        }

        return Advance();
    }

    private CelParseException Error(int position, string problem) => new(_text, position, problem);

    private CelNode ParseExpression()
    {
        if (++_depth > MaxDepth)
        {
            throw Error(Current.Position, $"the expression nests deeper than {MaxDepth} levels");
        }

        var condition = ParseOr();
        if (Current.Kind == CelTokenKind.Question)
        {
            var position = Advance().Position;
            var whenTrue = ParseOr();
            Expect(CelTokenKind.Colon, "':' of the conditional operator");
            var whenFalse = ParseExpression();
            condition = new CelNode.Conditional(position, condition, whenTrue, whenFalse);
        }

        _depth--;
        return condition;
    }

    private CelNode ParseOr()
    {
        var left = ParseAnd();
        while (Current.Kind == CelTokenKind.Or)
        {
            var position = Advance().Position;
            left = new CelNode.Binary(position, CelTokenKind.Or, left, ParseAnd());
        }

        return left;
    }

    private CelNode ParseAnd()
    {
        var left = ParseRelation();
        while (Current.Kind == CelTokenKind.And)
        {
            var position = Advance().Position;
            left = new CelNode.Binary(position, CelTokenKind.And, left, ParseRelation());
        }

        return left;
    }

    private CelNode ParseRelation()
    {
        var left = ParseAddition();
        while (Current.Kind is CelTokenKind.Less or CelTokenKind.LessEqual or CelTokenKind.Greater or CelTokenKind.GreaterEqual
               or CelTokenKind.Equal or CelTokenKind.NotEqual or CelTokenKind.In)
        {
            var op = Advance();
            left = new CelNode.Binary(op.Position, op.Kind, left, ParseAddition());
        }

        return left;
    }

    private CelNode ParseAddition()
    {
        var left = ParseMultiplication();
        while (Current.Kind is CelTokenKind.Plus or CelTokenKind.Minus)
        {
            var op = Advance();
            left = new CelNode.Binary(op.Position, op.Kind, left, ParseMultiplication());
        }

        return left;
    }

    private CelNode ParseMultiplication()
    {
        var left = ParseUnary();
        while (Current.Kind is CelTokenKind.Star or CelTokenKind.Slash or CelTokenKind.Percent)
        {
            var op = Advance();
            left = new CelNode.Binary(op.Position, op.Kind, left, ParseUnary());
        }

        return left;
    }

    private CelNode ParseUnary()
    {
        if (Current.Kind == CelTokenKind.Not)
        {
            var positions = new List<int>();
            while (Current.Kind == CelTokenKind.Not)
            {
                positions.Add(Advance().Position);
            }

            var operand = ParseMember();
            for (var i = positions.Count - 1; i >= 0; i--)
            {
                operand = new CelNode.Unary(positions[i], CelTokenKind.Not, operand);
            }

            return operand;
        }

        if (Current.Kind == CelTokenKind.Minus)
        {
            var positions = new List<int>();
            while (Current.Kind == CelTokenKind.Minus)
            {
                positions.Add(Advance().Position);
            }

            CelNode operand;
            var remaining = positions.Count;
            if (Current.Kind is CelTokenKind.Int or CelTokenKind.Double && !IsFollowedByMemberAccess())
            {
                // A minus directly before a numeric literal is part of the literal, so -9223372036854775808 is valid.
                var literal = Advance();
                operand = literal.Kind == CelTokenKind.Int
                    ? new CelNode.Literal(literal.Position, NegativeInt(literal))
                    : new CelNode.Literal(literal.Position, -(double)literal.Value!);
                remaining--;
            }
            else
            {
                operand = ParseMember();
            }

            for (var i = remaining - 1; i >= 0; i--)
            {
                operand = new CelNode.Unary(positions[i], CelTokenKind.Minus, operand);
            }

            return operand;
        }

        return ParseMember();
    }

    private bool IsFollowedByMemberAccess() =>
        _tokens[_index + 1].Kind is CelTokenKind.Dot or CelTokenKind.LeftBracket;

    private long NegativeInt(CelToken literal)
    {
        var magnitude = (ulong)literal.Value!;
        return magnitude <= (ulong)long.MaxValue + 1
            ? (long)(0UL - magnitude)
            : throw Error(literal.Position, $"integer literal -{literal.Text} is out of range");
    }

    private CelNode ParseMember()
    {
        var node = ParsePrimary();
        while (true)
        {
            if (Current.Kind == CelTokenKind.Dot)
            {
                var dot = Advance();
                var name = Expect(CelTokenKind.Identifier, "a field or method name after '.'");
                if (Current.Kind == CelTokenKind.LeftParen)
                {
                    Advance();
                    var arguments = ParseArguments(CelTokenKind.RightParen, "')'");
                    node = MakeReceiverCall(name, node, arguments);
                }
                else
                {
                    node = new CelNode.Select(dot.Position, node, name.Text, TestOnly: false);
                }
            }
            else if (Current.Kind == CelTokenKind.LeftBracket)
            {
                var bracket = Advance();
                var key = ParseExpression();
                Expect(CelTokenKind.RightBracket, "']'");
                node = new CelNode.Index(bracket.Position, node, key);
            }
            else
            {
                return node;
            }
        }
    }

    private CelNode ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case CelTokenKind.Int:
                Advance();
                var magnitude = (ulong)token.Value!;
                return magnitude <= long.MaxValue
                    ? new CelNode.Literal(token.Position, (long)magnitude)
                    : throw Error(token.Position, $"integer literal {token.Text} is out of range");
            case CelTokenKind.UInt:
            case CelTokenKind.Double:
            case CelTokenKind.String:
            case CelTokenKind.Bytes:
                Advance();
                return new CelNode.Literal(token.Position, token.Value);
            case CelTokenKind.True:
                Advance();
                return new CelNode.Literal(token.Position, true);
            case CelTokenKind.False:
                Advance();
                return new CelNode.Literal(token.Position, false);
            case CelTokenKind.Null:
                Advance();
                return new CelNode.Literal(token.Position, null);
            case CelTokenKind.LeftParen:
            {
                Advance();
                var inner = ParseExpression();
                Expect(CelTokenKind.RightParen, "')'");
                return inner;
            }

            case CelTokenKind.LeftBracket:
            {
                Advance();
                var items = ParseArguments(CelTokenKind.RightBracket, "']'", allowTrailingComma: true);
                return new CelNode.ListLiteral(token.Position, items);
            }

            case CelTokenKind.LeftBrace:
                Advance();
                return ParseMapLiteral(token.Position);
            case CelTokenKind.Dot:
            {
                // A leading dot names a root-scoped identifier: ".event" is "event".
                Advance();
                var name = Expect(CelTokenKind.Identifier, "an identifier after the leading '.'");
                return ParseIdentifierOrCall(name);
            }

            case CelTokenKind.Identifier:
                Advance();
                return ParseIdentifierOrCall(token);
            default:
                throw Error(token.Position, $"expected an expression, found {token.Describe()}");
        }
    }

    private CelNode ParseIdentifierOrCall(CelToken name)
    {
        if (Current.Kind != CelTokenKind.LeftParen)
        {
            return new CelNode.Identifier(name.Position, name.Text);
        }

        Advance();
        var arguments = ParseArguments(CelTokenKind.RightParen, "')'");
        if (name.Text == "has")
        {
            return arguments is [CelNode.Select { TestOnly: false } select]
                ? select with { TestOnly = true }
                : throw Error(name.Position, "invalid argument to has() macro: it takes one field selection such as has(event.data.price)");
        }

        if (!GlobalFunctions.TryGetValue(name.Text, out var arities))
        {
            throw Error(name.Position, $"undeclared reference to '{name.Text}': unknown function");
        }

        return arities.Contains(arguments.Count)
            ? new CelNode.Call(name.Position, null, name.Text, arguments)
            : throw Error(name.Position, $"function '{name.Text}' takes {string.Join(" or ", arities)} argument(s), found {arguments.Count}");
    }

    private CelNode MakeReceiverCall(CelToken name, CelNode target, List<CelNode> arguments)
    {
        if (Macros.Contains(name.Text) && arguments.Count is 2 or 3)
        {
            if (arguments[0] is not CelNode.Identifier variable)
            {
                throw Error(arguments[0].Position, $"the first argument of {name.Text}() must be a variable name");
            }

            if (arguments.Count == 3 && name.Text != "map")
            {
                throw Error(name.Position, $"macro '{name.Text}' takes two arguments");
            }

            return arguments.Count == 3
                ? new CelNode.Comprehension(name.Position, name.Text, target, variable.Name, arguments[1], arguments[2])
                : new CelNode.Comprehension(name.Position, name.Text, target, variable.Name, null, arguments[1]);
        }

        if (!ReceiverFunctions.TryGetValue(name.Text, out var arities))
        {
            throw Error(name.Position, $"undeclared reference to '{name.Text}': unknown function");
        }

        return arities.Contains(arguments.Count)
            ? new CelNode.Call(name.Position, target, name.Text, arguments)
            : throw Error(name.Position, $"method '{name.Text}' takes {string.Join(" or ", arities)} argument(s), found {arguments.Count}");
    }

    private List<CelNode> ParseArguments(CelTokenKind close, string closeText, bool allowTrailingComma = false)
    {
        var items = new List<CelNode>();
        if (Accept(close))
        {
            return items;
        }

        while (true)
        {
            items.Add(ParseExpression());
            if (Accept(close))
            {
                return items;
            }

            Expect(CelTokenKind.Comma, $"',' or {closeText}");
            if (allowTrailingComma && Accept(close))
            {
                return items;
            }
        }
    }

    private CelNode.MapLiteral ParseMapLiteral(int position)
    {
        var entries = new List<KeyValuePair<CelNode, CelNode>>();
        if (Accept(CelTokenKind.RightBrace))
        {
            return new CelNode.MapLiteral(position, entries);
        }

        while (true)
        {
            var key = ParseExpression();
            Expect(CelTokenKind.Colon, "':' between a map key and its value");
            var value = ParseExpression();
            entries.Add(new KeyValuePair<CelNode, CelNode>(key, value));
            if (Accept(CelTokenKind.RightBrace))
            {
                return new CelNode.MapLiteral(position, entries);
            }

            Expect(CelTokenKind.Comma, "',' or '}'");
            if (Accept(CelTokenKind.RightBrace))
            {
                return new CelNode.MapLiteral(position, entries);
            }
        }
    }
}

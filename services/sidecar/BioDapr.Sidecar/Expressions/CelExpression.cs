using System.Text.RegularExpressions;

namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// A compiled expression in the subset of CEL (Common Expression Language) that Dapr uses for
/// subscription routing rules (<c>event.type == "widget"</c>, <c>event.data.price &gt; 100</c>) and circuit
/// breaker trips (<c>consecutiveFailures &gt;= 5</c>). Immutable and safe to evaluate concurrently.
/// </summary>
/// <remarks>
/// <para>Supported: int (64-bit), uint (<c>1u</c>), double, string (quotes, triple quotes, raw, escapes),
/// bytes, bool, null, list and map literals; field selection, indexing, <c>! -</c>, <c>* / %</c>, <c>+ -</c>
/// (numbers, string, bytes and list concatenation), comparisons with CEL's cross-type numeric rules,
/// <c>in</c>, <c>&amp;&amp; ||</c> with error absorption, <c>?:</c>, <c>size</c>, <c>has</c>, <c>startsWith</c>,
/// <c>endsWith</c>, <c>contains</c>, <c>matches</c> (.NET regular expressions with a one-second timeout,
/// close to RE2 for the usual patterns), <c>int uint double string bool bytes dyn</c>, and the macros
/// <c>all exists exists_one filter map</c>. Arithmetic does not mix types: <c>1 + 1.0</c> is an error, as in CEL.</para>
/// <para>Variables may be JSON (<see cref="System.Text.Json.JsonElement"/>; numbers are doubles, as in the
/// map Dapr builds with <c>json.Unmarshal</c>) or CLR values. An undefined variable, a missing key and a
/// type mismatch are <see cref="CelEvaluationException"/>s, not false.</para>
/// <para>How Dapr treats an evaluation error in a routing rule (<c>findMatchingRoute</c> in
/// <c>pkg/runtime/subscription</c>): the rules after it are not tried; if the subscription has a dead-letter
/// topic the message goes there and counts as handled, otherwise the delivery fails as a retriable error
/// (so the inbound resiliency policy retries it). A rule whose result is not a bool is the same kind of
/// error. For a circuit breaker <c>trip</c>, an error or a non-bool result means "do not trip".</para>
/// <para>Unlike cel-go, a <c>matches</c> pattern written as a literal is compiled here, so an invalid pattern
/// is reported when the resource loads instead of on the first message.</para>
/// </remarks>
internal sealed class CelExpression
{
    private readonly CelNode _root;
    private readonly Dictionary<CelNode, Regex> _patterns;

    private CelExpression(string text, CelNode root, Dictionary<CelNode, Regex> patterns)
    {
        Text = text;
        _root = root;
        _patterns = patterns;
    }

    /// <summary>The source text.</summary>
    public string Text { get; }

    /// <summary>Parses and checks an expression.</summary>
    /// <exception cref="CelParseException">The text is not a valid expression of the supported subset.</exception>
    public static CelExpression Compile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var root = CelParser.Parse(text);
        var patterns = new Dictionary<CelNode, Regex>(ReferenceEqualityComparer.Instance);
        CompileLiteralPatterns(text, root, patterns);
        return new CelExpression(text, root, patterns);
    }

    /// <summary>Evaluates the expression; the result is a CEL value (long, ulong, double, bool, string, byte array, null, list or map).</summary>
    /// <exception cref="CelEvaluationException">The evaluation failed.</exception>
    public object? Evaluate(ICelActivation variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        return new CelInterpreter(variables, _patterns).Evaluate(_root);
    }

    /// <summary>Evaluates the expression and requires a bool result.</summary>
    /// <exception cref="CelEvaluationException">The evaluation failed or the result is not a bool.</exception>
    public bool EvaluateBool(ICelActivation variables)
    {
        var result = Evaluate(variables);
        return result is bool b
            ? b
            : throw new CelEvaluationException($"the result of expression '{Text}' is {CelValues.TypeName(result)}, not a bool");
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private static void CompileLiteralPatterns(string text, CelNode node, Dictionary<CelNode, Regex> patterns)
    {
        switch (node)
        {
            case CelNode.Call call:
                var patternArgument = call.Target is null ? call.Arguments.ElementAtOrDefault(1) : call.Arguments.ElementAtOrDefault(0);
                if (call.Function == "matches" && patternArgument is CelNode.Literal { Value: string pattern })
                {
                    try
                    {
                        patterns[call] = CelInterpreter.CompilePattern(pattern);
                    }
                    catch (ArgumentException e)
                    {
                        throw new CelParseException(text, patternArgument.Position, $"invalid regular expression '{pattern}': {e.Message}");
                    }
                }

                if (call.Target is not null)
                {
                    CompileLiteralPatterns(text, call.Target, patterns);
                }

                foreach (var argument in call.Arguments)
                {
                    CompileLiteralPatterns(text, argument, patterns);
                }

                break;
            case CelNode.Select select:
                CompileLiteralPatterns(text, select.Operand, patterns);
                break;
            case CelNode.Index index:
                CompileLiteralPatterns(text, index.Operand, patterns);
                CompileLiteralPatterns(text, index.Key, patterns);
                break;
            case CelNode.Unary unary:
                CompileLiteralPatterns(text, unary.Operand, patterns);
                break;
            case CelNode.Binary binary:
                CompileLiteralPatterns(text, binary.Left, patterns);
                CompileLiteralPatterns(text, binary.Right, patterns);
                break;
            case CelNode.Conditional conditional:
                CompileLiteralPatterns(text, conditional.Condition, patterns);
                CompileLiteralPatterns(text, conditional.WhenTrue, patterns);
                CompileLiteralPatterns(text, conditional.WhenFalse, patterns);
                break;
            case CelNode.ListLiteral list:
                foreach (var item in list.Items)
                {
                    CompileLiteralPatterns(text, item, patterns);
                }

                break;
            case CelNode.MapLiteral map:
                foreach (var (key, value) in map.Entries)
                {
                    CompileLiteralPatterns(text, key, patterns);
                    CompileLiteralPatterns(text, value, patterns);
                }

                break;
            case CelNode.Comprehension comprehension:
                CompileLiteralPatterns(text, comprehension.Range, patterns);
                if (comprehension.Filter is not null)
                {
                    CompileLiteralPatterns(text, comprehension.Filter, patterns);
                }

                CompileLiteralPatterns(text, comprehension.Body, patterns);
                break;
        }
    }
}

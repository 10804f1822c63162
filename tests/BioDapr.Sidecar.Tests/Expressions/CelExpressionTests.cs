using System.Text.Json;
using BioDapr.Sidecar.Expressions;

namespace BioDapr.Sidecar.Tests.Expressions;

public sealed class CelExpressionTests
{
    private static readonly JsonElement Event = JsonDocument.Parse("""
        {
          "id": "1", "type": "widget", "source": "orders", "specversion": "1.0",
          "data": { "price": 150, "name": "gizmo", "tags": ["a", "b"], "nested": { "ok": true }, "nothing": null, "ratio": 0.5 }
        }
        """).RootElement;

    private static object? Eval(string text, ICelActivation? activation = null) =>
        CelExpression.Compile(text).Evaluate(activation ?? CelActivation.Empty);

    private static object? EvalEvent(string text) => Eval(text, CelActivation.Single("event", Event));

    [Theory]
    [InlineData("1 + 2 * 3", 7L)]
    [InlineData("(1 + 2) * 3", 9L)]
    [InlineData("10 - 4 - 3", 3L)]
    [InlineData("20 / 4 / 5", 1L)]
    [InlineData("7 % 4", 3L)]
    [InlineData("-7 / 2", -3L)]
    [InlineData("-7 % 2", -1L)]
    [InlineData("-(3 + 4)", -7L)]
    [InlineData("--5", 5L)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0x1F", 31L)]
    [InlineData("2 + 3 * 4 - 6 / 2", 11L)]
    public void Evaluate_IntegerArithmetic_FollowsPrecedence(string text, long expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1.5 + 2.0", 3.5)]
    [InlineData("1e3 / 4.0", 250.0)]
    [InlineData("-.5 * 2.0", -1.0)]
    [InlineData("1.0 / 0.0", double.PositiveInfinity)]
    public void Evaluate_DoubleArithmetic_IsIeee(string text, double expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1u + 2u", 3UL)]
    [InlineData("10u / 3u", 3UL)]
    [InlineData("10u % 3u", 1UL)]
    [InlineData("0xFFu", 255UL)]
    public void Evaluate_UnsignedArithmetic_StaysUnsigned(string text, ulong expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("true || false && false", true)]
    [InlineData("(true || false) && false", false)]
    [InlineData("!true || true", true)]
    [InlineData("!!true", true)]
    [InlineData("1 < 2 == true", true)]
    [InlineData("1 + 1 == 2 && 2 * 2 == 4", true)]
    [InlineData("true ? false : true", false)]
    [InlineData("false ? 1 : 2 == 2", true)]
    [InlineData("1 < 2 ? 3 > 2 : false", true)]
    [InlineData("true ? (false ? 1 : 2) : 3", 2L)]
    [InlineData("false ? 1 : true ? 2 : 3", 2L)]
    public void Evaluate_LogicAndConditional_FollowPrecedence(string text, object expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("1 == 1.0", true)]
    [InlineData("1 == 1u", true)]
    [InlineData("1.5 > 1", true)]
    [InlineData("2u > 1.5", true)]
    [InlineData("-1 < 0u", true)]
    [InlineData("9223372036854775807 < 9223372036854775808u", true)]
    [InlineData("9007199254740993 > 9007199254740992.0", true)]
    [InlineData("1 != 2.0", true)]
    [InlineData("1 <= 1.0", true)]
    [InlineData("1 >= 1.5", false)]
    [InlineData("\"a\" == 1", false)]
    [InlineData("null == null", true)]
    [InlineData("null == 0", false)]
    [InlineData("[1, 2] == [1.0, 2u]", true)]
    [InlineData("{\"a\": 1} == {\"a\": 1.0}", true)]
    [InlineData("{\"a\": 1} == {\"b\": 1}", false)]
    [InlineData("b\"ab\" == b\"ab\"", true)]
    public void Evaluate_Equality_IsHeterogeneous(string text, bool expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("\"abc\" < \"abd\"", true)]
    [InlineData("\"b\" > \"abc\"", true)]
    [InlineData("false < true", true)]
    [InlineData("b\"a\" < b\"b\"", true)]
    [InlineData("\"a\" + \"b\" == \"ab\"", true)]
    [InlineData("size(\"h\u00e9llo\") == 5", true)]
    [InlineData("\"hello\".size() == 5", true)]
    [InlineData("\"hello\".startsWith(\"he\")", true)]
    [InlineData("\"hello\".endsWith(\"lo\")", true)]
    [InlineData("\"hello\".contains(\"ell\")", true)]
    [InlineData("\"hello\".contains(\"xyz\")", false)]
    [InlineData("\"order-123\".matches(\"^order-[0-9]+$\")", true)]
    [InlineData("\"order-abc\".matches(\"^order-[0-9]+$\")", false)]
    [InlineData("matches(\"abc\", \"b\")", true)]
    [InlineData("\"ab\".matches(\"(?P<x>a)b\")", true)]
    public void Evaluate_StringFunctions_Work(string text, bool expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("2 in [1, 2, 3]", true)]
    [InlineData("2.0 in [1, 2, 3]", true)]
    [InlineData("4 in [1, 2, 3]", false)]
    [InlineData("\"a\" in {\"a\": 1}", true)]
    [InlineData("\"b\" in {\"a\": 1}", false)]
    [InlineData("1 in {1: \"x\"}", true)]
    [InlineData("1u in {1: \"x\"}", true)]
    [InlineData("size([1, 2, 3]) == 3", true)]
    [InlineData("size({\"a\": 1}) == 1", true)]
    [InlineData("[1, 2] + [3] == [1, 2, 3]", true)]
    [InlineData("[1, 2, 3][1] == 2", true)]
    [InlineData("{\"k\": \"v\"}[\"k\"] == \"v\"", true)]
    [InlineData("{\"k\": {\"n\": 1}}.k.n == 1", true)]
    [InlineData("[1, 2, 3].all(x, x > 0)", true)]
    [InlineData("[1, 2, 3].exists(x, x > 2)", true)]
    [InlineData("[1, 2, 3].exists_one(x, x > 1)", false)]
    [InlineData("[1, 2, 3].filter(x, x > 1) == [2, 3]", true)]
    [InlineData("[1, 2, 3].map(x, x * 2) == [2, 4, 6]", true)]
    [InlineData("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", true)]
    [InlineData("{\"a\": 1, \"b\": 2}.all(k, k in [\"a\", \"b\"])", true)]
    [InlineData("[1, 2].exists(x, [3, 4].exists(x, x == 4))", true)]
    [InlineData("[0, 1].exists(x, 1 / x == 1)", true)]
    [InlineData("[1, 2,] == [1, 2]", true)]
    public void Evaluate_ListsMapsAndMacros_Work(string text, bool expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("int(\"42\")", 42L)]
    [InlineData("int(3.9)", 3L)]
    [InlineData("int(-3.9)", -3L)]
    [InlineData("int(7u)", 7L)]
    [InlineData("uint(7)", 7UL)]
    [InlineData("double(2)", 2.0)]
    [InlineData("double(\"1.5\")", 1.5)]
    [InlineData("string(12)", "12")]
    [InlineData("string(1.5)", "1.5")]
    [InlineData("string(1000000.0)", "1e+06")]
    [InlineData("string(123456.0)", "123456")]
    [InlineData("string(0.00001)", "1e-05")]
    [InlineData("string(0.0001)", "0.0001")]
    [InlineData("string(true)", "true")]
    [InlineData("string(b\"hi\")", "hi")]
    [InlineData("bool(\"true\")", true)]
    [InlineData("dyn(5)", 5L)]
    public void Evaluate_Conversions_MatchCel(string text, object expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("\"tab\\there\"", "tab\there")]
    [InlineData("'single \"quoted\"'", "single \"quoted\"")]
    [InlineData("\"\\u00e9\\x41\\101\"", "\u00e9AA")]
    [InlineData("r\"raw\\n\"", "raw\\n")]
    [InlineData("\"\"\"multi\nline\"\"\"", "multi\nline")]
    [InlineData("\"\\U0001F600\"", "\U0001F600")]
    public void Evaluate_StringLiterals_DecodeEscapes(string text, string expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Fact]
    public void Evaluate_BytesLiteral_KeepsRawBytes()
    {
        Eval("b\"\\xff\\x00a\"").ShouldBe(new byte[] { 0xff, 0x00, (byte)'a' });
    }

    [Theory]
    [InlineData("event.type == \"widget\"", true)]
    [InlineData("event.data.price > 100", true)]
    [InlineData("event.data.price == 150", true)]
    [InlineData("event.data.price >= 150u", true)]
    [InlineData("event.data.ratio < 1", true)]
    [InlineData("event.data.name.startsWith(\"giz\")", true)]
    [InlineData("\"a\" in event.data.tags", true)]
    [InlineData("size(event.data.tags) == 2", true)]
    [InlineData("event.data.tags[1] == \"b\"", true)]
    [InlineData("event.data.nested.ok", true)]
    [InlineData("event.data.nothing == null", true)]
    [InlineData("has(event.data.price)", true)]
    [InlineData("has(event.data.missing)", false)]
    [InlineData("has(event.data.nothing)", true)]
    [InlineData("event.type == \"gadget\" || event.data.price > 100", true)]
    [InlineData("event[\"type\"] == \"widget\"", true)]
    [InlineData(".event.type == \"widget\"", true)]
    [InlineData("event.data.tags.exists(t, t == \"b\")", true)]
    public void Evaluate_JsonEvent_ReadsLikeDapr(string text, bool expected)
    {
        EvalEvent(text).ShouldBe(expected);
    }

    [Fact]
    public void Evaluate_JsonNumber_IsDouble()
    {
        EvalEvent("event.data.price").ShouldBe(150.0);
    }

    [Fact]
    public void Evaluate_ClrValues_AreNormalized()
    {
        var activation = new CelActivation(new Dictionary<string, object?>
        {
            ["requests"] = 12L,
            ["totalFailures"] = 7,
            ["small"] = (short)3,
            ["ratio"] = 0.25f,
            ["name"] = "svc",
            ["flags"] = new List<object?> { true, false },
            ["labels"] = new Dictionary<string, object?> { ["tier"] = "gold", ["count"] = 2 },
            ["grid"] = new[] { 1, 2, 3 },
        });

        Eval("requests > 10 && totalFailures * 2 > requests", activation).ShouldBe(true);
        Eval("small + 1 == 4", activation).ShouldBe(true);
        Eval("ratio == 0.25", activation).ShouldBe(true);
        Eval("labels.tier == \"gold\" && labels.count == 2", activation).ShouldBe(true);
        Eval("flags[0] && !flags[1]", activation).ShouldBe(true);
        Eval("grid[2] == 3 && size(grid) == 3", activation).ShouldBe(true);
        Eval("name + \"-x\"", activation).ShouldBe("svc-x");
    }

    [Fact]
    public void Evaluate_DottedVariableName_ResolvesQualifiedIdentifier()
    {
        Eval("a.b.c == 1", CelActivation.Single("a.b", new Dictionary<string, object?> { ["c"] = 1L })).ShouldBe(true);
    }

    [Theory]
    [InlineData("consecutiveFailures >= 5", 5L, true)]
    [InlineData("consecutiveFailures >= 5", 4L, false)]
    [InlineData("consecutiveFailures > 5", 6L, true)]
    public void EvaluateBool_BreakerTrip_UsesCounts(string text, long failures, bool expected)
    {
        CelExpression.Compile(text).EvaluateBool(CelActivation.Single("consecutiveFailures", failures)).ShouldBe(expected);
    }

    [Theory]
    [InlineData("false && undefined_var", false)]
    [InlineData("undefined_var && false", false)]
    [InlineData("true || undefined_var", true)]
    [InlineData("undefined_var || true", true)]
    [InlineData("false && (1 / 0 == 1)", false)]
    [InlineData("(1 / 0 == 1) || true", true)]
    [InlineData("1 && false", false)]
    public void Evaluate_LogicalOperators_AbsorbErrorsCommutatively(string text, bool expected)
    {
        Eval(text).ShouldBe(expected);
    }

    [Theory]
    [InlineData("undefined_var", "undeclared reference to 'undefined_var'")]
    [InlineData("true && undefined_var", "undeclared reference")]
    [InlineData("undefined_var || false", "undeclared reference")]
    [InlineData("1 && true", "no such overload: int && bool")]
    [InlineData("1 + 1.0", "no such overload: int + double")]
    [InlineData("\"a\" < 1", "no such overload: string < int")]
    [InlineData("\"a\" + 1", "no such overload: string + int")]
    [InlineData("1 / 0", "divide by zero")]
    [InlineData("1 % 0", "modulus by zero")]
    [InlineData("9223372036854775807 + 1", "integer overflow")]
    [InlineData("-9223372036854775808 - 1", "integer overflow")]
    [InlineData("-(-9223372036854775808)", "integer overflow")]
    [InlineData("-9223372036854775808 / -1", "integer overflow")]
    [InlineData("0u - 1u", "unsigned integer overflow")]
    [InlineData("1.5 % 1.0", "no such overload: double % double")]
    [InlineData("!1", "no such overload: !int")]
    [InlineData("-\"a\"", "no such overload: -string")]
    [InlineData("1 ? 2 : 3", "the condition must be a bool")]
    [InlineData("[1, 2][5]", "index out of range: 5")]
    [InlineData("[1, 2][\"x\"]", "no such overload")]
    [InlineData("{\"a\": 1}[\"b\"]", "no such key: b")]
    [InlineData("{\"a\": 1}.b", "no such key: b")]
    [InlineData("1.size()", "no such overload: size(int)")]
    [InlineData("\"x\".startsWith(1)", "no such overload")]
    [InlineData("int(\"4.5\")", "type conversion error from 'string' to 'int'")]
    [InlineData("int(1e20)", "integer overflow")]
    [InlineData("uint(-1)", "unsigned integer overflow")]
    [InlineData("uint(-0.5)", "unsigned integer overflow")]
    [InlineData("int(9223372036854775808u)", "integer overflow")]
    [InlineData("string(null)", "type conversion error from 'null_type' to 'string'")]
    [InlineData("bool(\"yes\")", "type conversion error")]
    [InlineData("{\"a\": 1, \"a\": 2}", "repeated key")]
    [InlineData("{1.5: 1}", "unsupported map key type: double")]
    [InlineData("\"abc\".matches(x)", "undeclared reference")]
    [InlineData("[1, 2].all(x, x)", "predicate must be a bool")]
    [InlineData("[0, 1].all(x, 1 / x == 1)", "divide by zero")]
    [InlineData("5.exists(x, true)", "needs a list or map")]
    [InlineData("0.0 / 0.0 < 1.0", "NaN values cannot be ordered")]
    public void Evaluate_Errors_ThrowCelEvaluationException(string text, string expectedMessage)
    {
        Should.Throw<CelEvaluationException>(() => Eval(text)).Message.ShouldContain(expectedMessage);
    }

    [Theory]
    [InlineData("event.data.missing == 1", "no such key: missing")]
    [InlineData("event.type.length == 1", "type 'string' does not support field selection")]
    [InlineData("has(event.type.x)", "invalid type for has()")]
    [InlineData("event.data.price * 2 > 10", "no such overload: double * int")]
    [InlineData("event.data.tags[2] == \"c\"", "index out of range: 2")]
    public void Evaluate_JsonEventErrors_AreEvaluationErrors(string text, string expectedMessage)
    {
        Should.Throw<CelEvaluationException>(() => EvalEvent(text)).Message.ShouldContain(expectedMessage);
    }

    [Fact]
    public void EvaluateBool_NonBoolResult_Throws()
    {
        Should.Throw<CelEvaluationException>(() => CelExpression.Compile("1 + 1").EvaluateBool(CelActivation.Empty))
            .Message.ShouldContain("not a bool");
    }

    [Fact]
    public void Evaluate_NaNEquality_IsFalse()
    {
        Eval("0.0 / 0.0 == 0.0 / 0.0").ShouldBe(false);
    }

    [Fact]
    public void Evaluate_DynamicPattern_IsCompiledAtEvaluation()
    {
        Eval("\"abc\".matches(p)", CelActivation.Single("p", "^a")).ShouldBe(true);
        Should.Throw<CelEvaluationException>(() => Eval("\"abc\".matches(p)", CelActivation.Single("p", "(")))
            .Message.ShouldContain("invalid regular expression");
    }

    [Theory]
    [InlineData("", 1, 1, "the expression is empty")]
    [InlineData("event.type ==", 1, 14, "expected an expression, found end of input")]
    [InlineData("event.type = \"a\"", 1, 12, "unexpected character '='")]
    [InlineData("(1 + 2", 1, 7, "expected ')'")]
    [InlineData("1 2", 1, 3, "expected an operator or the end of the expression, found number 2")]
    [InlineData("a.", 1, 3, "expected a field or method name")]
    [InlineData("[1, 2", 1, 6, "expected ',' or ']'")]
    [InlineData("{\"a\" 1}", 1, 6, "expected ':'")]
    [InlineData("\"unterminated", 1, 1, "string literal is not terminated")]
    [InlineData("\"bad \\q escape\"", 1, 6, "invalid escape sequence")]
    [InlineData("9223372036854775808", 1, 1, "out of range")]
    [InlineData("99999999999999999999", 1, 1, "out of range")]
    [InlineData("1e", 1, 2, "exponent has no digits")]
    [InlineData("0x", 1, 1, "no digits")]
    [InlineData("foo(1)", 1, 1, "undeclared reference to 'foo'")]
    [InlineData("\"a\".reverse()", 1, 5, "undeclared reference to 'reverse'")]
    [InlineData("size(1, 2)", 1, 1, "takes 1 argument(s), found 2")]
    [InlineData("has(a)", 1, 1, "invalid argument to has() macro")]
    [InlineData("[1].all(1, true)", 1, 9, "must be a variable name")]
    [InlineData("[1].exists(x, true, 1)", 1, 5, "takes two arguments")]
    [InlineData("if", 1, 1, "reserved word")]
    [InlineData("true ? false ? 1 : 2 : 3", 1, 14, "expected ':' of the conditional operator")]
    [InlineData("a &\n& b", 1, 3, "unexpected character '&'")]
    [InlineData("1 +\n  ", 2, 3, "found end of input")]
    [InlineData("\"x\".matches(\"(\")", 1, 13, "invalid regular expression")]
    public void Compile_InvalidText_ReportsPositionAndExpectation(string text, int line, int column, string expected)
    {
        var exception = Should.Throw<CelParseException>(() => CelExpression.Compile(text));

        exception.Line.ShouldBe(line);
        exception.Column.ShouldBe(column);
        exception.Message.ShouldContain(expected);
        exception.Message.ShouldContain($"{line}:{column}");
    }

    [Fact]
    public void Compile_DeepNesting_IsRejected()
    {
        var text = new string('(', 150) + "1" + new string(')', 150);

        Should.Throw<CelParseException>(() => CelExpression.Compile(text)).Message.ShouldContain("nests deeper");
    }

    [Fact]
    public void Compile_CommentsAndWhitespace_AreIgnored()
    {
        Eval("1 + // one\n 2 \t").ShouldBe(3L);
    }

    [Fact]
    public void Compile_KeepsText()
    {
        CelExpression.Compile("a == 1").ToString().ShouldBe("a == 1");
    }

    [Fact]
    public void Evaluate_ConcurrentUse_IsSafe()
    {
        var expression = CelExpression.Compile("[1, 2, 3].map(x, x * n).exists(y, y == n * 3)");

        Parallel.For(0, 200, i =>
            expression.EvaluateBool(CelActivation.Single("n", (long)i)).ShouldBeTrue());
    }
}

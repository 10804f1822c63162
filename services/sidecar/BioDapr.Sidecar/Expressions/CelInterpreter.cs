using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// Evaluates a parsed CEL expression against an activation. One instance per evaluation: it holds the
/// variables of the comprehension macros in scope. Errors are <see cref="CelEvaluationException"/>;
/// <c>&amp;&amp;</c>, <c>||</c>, <c>all</c> and <c>exists</c> absorb an error when the other side decides the result.
/// </summary>
internal sealed class CelInterpreter(ICelActivation activation, IReadOnlyDictionary<CelNode, Regex> precompiled)
{
    /// <summary>How long one regular-expression match may run before the evaluation fails.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    private const int RegexCacheLimit = 128;
    private static readonly ConcurrentDictionary<string, Regex> RegexCache = new(StringComparer.Ordinal);

    private readonly List<KeyValuePair<string, object?>> _scopes = [];

    public object? Evaluate(CelNode node) => node switch
    {
        CelNode.Literal literal => literal.Value,
        CelNode.Identifier identifier => Resolve(identifier),
        CelNode.Select select => EvaluateSelect(select),
        CelNode.Index index => EvaluateIndex(index),
        CelNode.Unary unary => EvaluateUnary(unary),
        CelNode.Binary { Operator: CelTokenKind.And } and => EvaluateLogical(and, stopOn: false),
        CelNode.Binary { Operator: CelTokenKind.Or } or => EvaluateLogical(or, stopOn: true),
        CelNode.Binary binary => EvaluateBinary(binary),
        CelNode.Conditional conditional => EvaluateConditional(conditional),
        CelNode.ListLiteral list => list.Items.Select(Evaluate).ToList(),
        CelNode.MapLiteral map => EvaluateMap(map),
        CelNode.Call call => EvaluateCall(call),
        CelNode.Comprehension comprehension => EvaluateComprehension(comprehension),
        _ => throw new CelEvaluationException($"unsupported expression node {node.GetType().Name}"),
    };

    internal static Regex CompilePattern(string pattern) =>
        // RE2's named groups are written (?P<name>...); .NET spells them (?<name>...).
        new(pattern.Replace("(?P<", "(?<", StringComparison.Ordinal), RegexOptions.CultureInvariant, RegexTimeout);

    private object? Resolve(CelNode.Identifier identifier)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
        {
            if (_scopes[i].Key == identifier.Name)
            {
                return _scopes[i].Value;
            }
        }

        return activation.TryResolve(identifier.Name, out var value)
            ? CelValues.Normalize(value)
            : throw new CelEvaluationException($"undeclared reference to '{identifier.Name}'");
    }

    private bool IsDefined(string name) =>
        _scopes.Exists(s => s.Key == name) || activation.TryResolve(name, out _);

    private object? EvaluateSelect(CelNode.Select select)
    {
        // A dotted name such as "a.b" may itself be a variable when "a" is not one.
        if (!select.TestOnly && TryQualifiedName(select, out var root, out var qualified)
            && !IsDefined(root) && activation.TryResolve(qualified, out var qualifiedValue))
        {
            return CelValues.Normalize(qualifiedValue);
        }

        var operand = Evaluate(select.Operand);
        if (!CelValues.TryGetMap(operand, out var map))
        {
            throw new CelEvaluationException(select.TestOnly
                ? $"invalid type for has(): {CelValues.TypeName(operand)} has no fields (looking for '{select.Field}')"
                : $"type '{CelValues.TypeName(operand)}' does not support field selection (looking for '{select.Field}')");
        }

        if (select.TestOnly)
        {
            return map.ContainsKey(select.Field);
        }

        return map.TryGetValue(select.Field, out var value)
            ? CelValues.Normalize(value)
            : throw new CelEvaluationException($"no such key: {select.Field}");
    }

    private static bool TryQualifiedName(CelNode.Select select, out string root, out string qualified)
    {
        var parts = new List<string> { select.Field };
        CelNode current = select.Operand;
        while (current is CelNode.Select { TestOnly: false } inner)
        {
            parts.Add(inner.Field);
            current = inner.Operand;
        }

        if (current is CelNode.Identifier identifier)
        {
            parts.Add(identifier.Name);
            parts.Reverse();
            root = identifier.Name;
            qualified = string.Join('.', parts);
            return true;
        }

        root = qualified = "";
        return false;
    }

    private object? EvaluateIndex(CelNode.Index index)
    {
        var operand = Evaluate(index.Operand);
        var key = Evaluate(index.Key);
        if (CelValues.TryGetMap(operand, out var map))
        {
            return map.TryGetValue(key, out var value)
                ? CelValues.Normalize(value)
                : throw new CelEvaluationException($"no such key: {FormatForMessage(key)}");
        }

        if (CelValues.TryGetList(operand, out var list))
        {
            long position = key switch
            {
                long l => l,
                ulong u when u <= long.MaxValue => (long)u,
                double d when d == Math.Truncate(d) && d is > -9.2e18 and < 9.2e18 => (long)d,
                _ => throw CelValues.NoOverload("[]", operand, key),
            };
            return position >= 0 && position < list.Count
                ? CelValues.Normalize(list[(int)position])
                : throw new CelEvaluationException($"index out of range: {position}");
        }

        throw CelValues.NoOverload("[]", operand, key);
    }

    private object? EvaluateUnary(CelNode.Unary unary)
    {
        var operand = Evaluate(unary.Operand);
        if (unary.Operator == CelTokenKind.Not)
        {
            return operand is bool b ? !b : throw new CelEvaluationException($"no such overload: !{CelValues.TypeName(operand)}");
        }

        return operand switch
        {
            long l => l == long.MinValue ? throw Overflow() : (object)(-l),
            double d => (object)(-d),
            _ => throw new CelEvaluationException($"no such overload: -{CelValues.TypeName(operand)}"),
        };
    }

    private bool EvaluateLogical(CelNode.Binary binary, bool stopOn)
    {
        var (left, leftError) = TryEvaluate(binary.Left);
        if (leftError is null && left is bool l && l == stopOn)
        {
            return stopOn;
        }

        var (right, rightError) = TryEvaluate(binary.Right);
        if (rightError is null && right is bool r && r == stopOn)
        {
            return stopOn;
        }

        if (leftError is not null)
        {
            throw leftError;
        }

        if (rightError is not null)
        {
            throw rightError;
        }

        return left is bool && right is bool
            ? !stopOn
            : throw CelValues.NoOverload(stopOn ? "||" : "&&", left, right);
    }

    private (object? Value, CelEvaluationException? Error) TryEvaluate(CelNode node)
    {
        try
        {
            return (Evaluate(node), null);
        }
        catch (CelEvaluationException e)
        {
            return (null, e);
        }
    }

    private object? EvaluateConditional(CelNode.Conditional conditional)
    {
        var condition = Evaluate(conditional.Condition);
        return condition is bool b
            ? Evaluate(b ? conditional.WhenTrue : conditional.WhenFalse)
            : throw new CelEvaluationException($"no such overload: {CelValues.TypeName(condition)} ? _ : _ (the condition must be a bool)");
    }

    private Dictionary<object, object?> EvaluateMap(CelNode.MapLiteral map)
    {
        var result = new Dictionary<object, object?>();
        foreach (var (keyNode, valueNode) in map.Entries)
        {
            var key = Evaluate(keyNode);
            if (key is not (string or long or ulong or bool))
            {
                throw new CelEvaluationException($"unsupported map key type: {CelValues.TypeName(key)}");
            }

            if (!result.TryAdd(key, Evaluate(valueNode)))
            {
                throw new CelEvaluationException($"Failed with repeated key: {FormatForMessage(key)}");
            }
        }

        return result;
    }

    private object? EvaluateBinary(CelNode.Binary binary)
    {
        var left = Evaluate(binary.Left);
        var right = Evaluate(binary.Right);
        switch (binary.Operator)
        {
            case CelTokenKind.Equal:
                return CelValues.AreEqual(left, right);
            case CelTokenKind.NotEqual:
                return !CelValues.AreEqual(left, right);
            case CelTokenKind.Less:
                return CelValues.CompareForOrdering(left, right, "<") < 0;
            case CelTokenKind.LessEqual:
                return CelValues.CompareForOrdering(left, right, "<=") <= 0;
            case CelTokenKind.Greater:
                return CelValues.CompareForOrdering(left, right, ">") > 0;
            case CelTokenKind.GreaterEqual:
                return CelValues.CompareForOrdering(left, right, ">=") >= 0;
            case CelTokenKind.In:
                return EvaluateIn(left, right);
            case CelTokenKind.Plus:
                return Add(left, right);
            case CelTokenKind.Minus:
                return Arithmetic(left, right, "-", (a, b) => checked(a - b), (a, b) => checked(a - b), (a, b) => a - b);
            case CelTokenKind.Star:
                return Arithmetic(left, right, "*", (a, b) => checked(a * b), (a, b) => checked(a * b), (a, b) => a * b);
            case CelTokenKind.Slash:
                return Arithmetic(
                    left,
                    right,
                    "/",
                    (a, b) => b == 0 ? throw new CelEvaluationException("divide by zero") : a == long.MinValue && b == -1 ? throw Overflow() : a / b,
                    (a, b) => b == 0 ? throw new CelEvaluationException("divide by zero") : a / b,
                    (a, b) => a / b);
            case CelTokenKind.Percent:
                return Arithmetic(
                    left,
                    right,
                    "%",
                    (a, b) => b == 0 ? throw new CelEvaluationException("modulus by zero") : a == long.MinValue && b == -1 ? throw Overflow() : a % b,
                    (a, b) => b == 0 ? throw new CelEvaluationException("modulus by zero") : a % b,
                    null);
            default:
                throw new CelEvaluationException($"unsupported operator {binary.Operator}");
        }
    }

    private static bool EvaluateIn(object? element, object? container)
    {
        if (CelValues.TryGetMap(container, out var map))
        {
            return map.ContainsKey(element);
        }

        if (CelValues.TryGetList(container, out var list))
        {
            return list.Any(item => CelValues.AreEqual(element, item));
        }

        throw CelValues.NoOverload("in", element, container);
    }

    private static object Add(object? left, object? right)
    {
        switch (left, right)
        {
            case (string a, string b):
                return a + b;
            case (byte[] a, byte[] b):
                return (byte[])[.. a, .. b];
        }

        if (CelValues.TryGetList(left, out var leftList) && CelValues.TryGetList(right, out var rightList))
        {
            return leftList.Concat(rightList).ToList();
        }

        return Arithmetic(left, right, "+", (a, b) => checked(a + b), (a, b) => checked(a + b), (a, b) => a + b);
    }

    private static object Arithmetic(
        object? left,
        object? right,
        string operatorText,
        Func<long, long, long> ints,
        Func<ulong, ulong, ulong> uints,
        Func<double, double, double>? doubles)
    {
        try
        {
            return (left, right) switch
            {
                (long a, long b) => (object)ints(a, b),
                (ulong a, ulong b) => (object)uints(a, b),
                (double a, double b) when doubles is not null => (object)doubles(a, b),
                _ => throw CelValues.NoOverload(operatorText, left, right),
            };
        }
        catch (OverflowException)
        {
            throw left is ulong ? new CelEvaluationException("unsigned integer overflow") : Overflow();
        }
    }

    private object? EvaluateCall(CelNode.Call call)
    {
        var target = call.Target is null ? null : Evaluate(call.Target);
        var arguments = call.Arguments.Select(Evaluate).ToList();
        if (call.Target is not null)
        {
            return CallMethod(call, target, arguments);
        }

        var argument = arguments[0];
        return call.Function switch
        {
            "size" => Size(argument),
            "int" => ToInt(argument),
            "uint" => ToUInt(argument),
            "double" => ToDouble(argument),
            "string" => ToText(argument),
            "bool" => ToBool(argument),
            "bytes" => argument switch
            {
                byte[] b => b,
                string s => Encoding.UTF8.GetBytes(s),
                _ => throw ConversionError(argument, "bytes"),
            },
            "dyn" => argument,
            "matches" => Matches(call, argument, arguments[1]),
            _ => throw new CelEvaluationException($"unknown function '{call.Function}'"),
        };
    }

    private object CallMethod(CelNode.Call call, object? target, List<object?> arguments)
    {
        if (call.Function == "size")
        {
            return Size(target);
        }

        if (call.Function == "matches")
        {
            return Matches(call, target, arguments[0]);
        }

        if (target is not string text || arguments[0] is not string other)
        {
            throw new CelEvaluationException(
                $"no such overload: {CelValues.TypeName(target)}.{call.Function}({CelValues.TypeName(arguments[0])})");
        }

        return call.Function switch
        {
            "startsWith" => text.StartsWith(other, StringComparison.Ordinal),
            "endsWith" => text.EndsWith(other, StringComparison.Ordinal),
            "contains" => text.Contains(other, StringComparison.Ordinal),
            _ => throw new CelEvaluationException($"unknown method '{call.Function}'"),
        };
    }

    private bool Matches(CelNode.Call call, object? text, object? pattern)
    {
        if (text is not string input || pattern is not string patternText)
        {
            throw new CelEvaluationException($"no such overload: matches({CelValues.TypeName(text)}, {CelValues.TypeName(pattern)})");
        }

        var regex = precompiled.GetValueOrDefault(call) ?? GetOrCompile(patternText);
        try
        {
            return regex.IsMatch(input);
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new CelEvaluationException($"regular expression '{patternText}' took longer than {RegexTimeout.TotalSeconds}s to match", e);
        }
    }

    private static Regex GetOrCompile(string pattern)
    {
        if (RegexCache.TryGetValue(pattern, out var cached))
        {
            return cached;
        }

        Regex regex;
        try
        {
            regex = CompilePattern(pattern);
        }
        catch (ArgumentException e)
        {
            throw new CelEvaluationException($"invalid regular expression '{pattern}': {e.Message}", e);
        }

        if (RegexCache.Count < RegexCacheLimit)
        {
            RegexCache.TryAdd(pattern, regex);
        }

        return regex;
    }

    private static long Size(object? value)
    {
        return value switch
        {
            string s => s.EnumerateRunes().Count(),
            byte[] b => b.Length,
            _ when CelValues.TryGetMap(value, out var map) => map.Count,
            _ when CelValues.TryGetList(value, out var list) => list.Count,
            _ => throw new CelEvaluationException($"no such overload: size({CelValues.TypeName(value)})"),
        };
    }

    private static long ToInt(object? value) => value switch
    {
        long l => l,
        ulong u => u <= long.MaxValue ? (long)u : throw Overflow(),
        double d => d is > -9.2233720368547758e18 and < 9.2233720368547758e18 ? (long)d : throw Overflow(),
        string s when IsDecimalInteger(s) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw ConversionError(value, "int"),
    };

    private static ulong ToUInt(object? value) => value switch
    {
        ulong u => u,
        long l => l >= 0 ? (ulong)l : throw new CelEvaluationException("unsigned integer overflow"),
        double d => d is >= 0 and < 1.8446744073709552e19 ? (ulong)d : throw new CelEvaluationException("unsigned integer overflow"),
        string s when IsDecimalInteger(s) && s[0] != '-' && ulong.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw ConversionError(value, "uint"),
    };

    private static double ToDouble(object? value) => value switch
    {
        double d => d,
        long l => l,
        ulong u => u,
        string s when TryParseGoFloat(s, out var parsed) => parsed,
        _ => throw ConversionError(value, "double"),
    };

    private static string ToText(object? value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        ulong u => u.ToString(CultureInfo.InvariantCulture),
        double d => CelValues.FormatDouble(d),
        bool b => b ? "true" : "false",
        byte[] bytes => DecodeUtf8(bytes),
        _ => throw ConversionError(value, "string"),
    };

    private static bool ToBool(object? value) => value switch
    {
        bool b => b,
        string s => s switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            _ => throw ConversionError(value, "bool"),
        },
        _ => throw ConversionError(value, "bool"),
    };

    private static string DecodeUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new CelEvaluationException("invalid UTF-8 in bytes, cannot convert to string", e);
        }
    }

    private static bool IsDecimalInteger(string s)
    {
        var digits = s.Length > 0 && s[0] is '+' or '-' ? s.AsSpan(1) : s.AsSpan();
        return !digits.IsEmpty && !digits.ContainsAnyExceptInRange('0', '9');
    }

    private static bool TryParseGoFloat(string s, out double value)
    {
        switch (s.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity":
                value = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                value = double.NegativeInfinity;
                return true;
            case "nan":
                value = double.NaN;
                return true;
        }

        return double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }

    private object EvaluateComprehension(CelNode.Comprehension comprehension)
    {
        var range = Evaluate(comprehension.Range);
        IEnumerable<object?> items;
        if (CelValues.TryGetMap(range, out var map))
        {
            items = map.Keys;
        }
        else if (CelValues.TryGetList(range, out var list))
        {
            items = list.Select(CelValues.Normalize);
        }
        else
        {
            throw new CelEvaluationException($"{comprehension.Macro}() needs a list or map, found {CelValues.TypeName(range)}");
        }

        return comprehension.Macro switch
        {
            "all" => Quantify(comprehension, items, decisive: false),
            "exists" => Quantify(comprehension, items, decisive: true),
            "exists_one" => items.Count(item => Predicate(comprehension, comprehension.Body, item)) == 1,
            "filter" => items.Where(item => Predicate(comprehension, comprehension.Body, item)).ToList(),
            "map" => items
                .Where(item => comprehension.Filter is null || Predicate(comprehension, comprehension.Filter, item))
                .Select(item => WithVariable(comprehension.Variable, item, comprehension.Body))
                .ToList(),
            _ => throw new CelEvaluationException($"unknown macro '{comprehension.Macro}'"),
        };
    }

    // all() stops at the first false, exists() at the first true; an error elsewhere only counts when nothing decided.
    private bool Quantify(CelNode.Comprehension comprehension, IEnumerable<object?> items, bool decisive)
    {
        CelEvaluationException? firstError = null;
        foreach (var item in items)
        {
            try
            {
                if (Predicate(comprehension, comprehension.Body, item) == decisive)
                {
                    return decisive;
                }
            }
            catch (CelEvaluationException e)
            {
                firstError ??= e;
            }
        }

        return firstError is null ? !decisive : throw firstError;
    }

    private bool Predicate(CelNode.Comprehension comprehension, CelNode body, object? item)
    {
        var result = WithVariable(comprehension.Variable, item, body);
        return result is bool b
            ? b
            : throw new CelEvaluationException($"{comprehension.Macro}() predicate must be a bool, found {CelValues.TypeName(result)}");
    }

    private object? WithVariable(string name, object? value, CelNode body)
    {
        _scopes.Add(new KeyValuePair<string, object?>(name, value));
        try
        {
            return Evaluate(body);
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    private static CelEvaluationException Overflow() => new("integer overflow");

    private static CelEvaluationException ConversionError(object? value, string target) =>
        new($"type conversion error from '{CelValues.TypeName(value)}' to '{target}'"
            + (value is string s ? $" (value \"{s}\")" : ""));

    private static string FormatForMessage(object? value) => value switch
    {
        null => "null",
        string s => s,
        double d => CelValues.FormatDouble(d),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => CelValues.TypeName(value),
    };
}

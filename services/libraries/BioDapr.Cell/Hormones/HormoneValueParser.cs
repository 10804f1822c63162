using System.Globalization;
using BioDapr.Contracts.Hormones;

namespace BioDapr.Cell.Hormones;

/// <summary>Parses hormone values (text from the configuration store) into property types.</summary>
internal static class HormoneValueParser
{
    public static bool IsSupported(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsEnum || underlying == typeof(string) || underlying == typeof(int) || underlying == typeof(long)
            || underlying == typeof(double) || underlying == typeof(decimal) || underlying == typeof(bool) || underlying == typeof(TimeSpan);
    }

    public static bool TryParse(string text, Type type, out object? value, out string error)
    {
        value = null;
        error = string.Empty;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var trimmed = text.Trim();
        switch (underlying)
        {
            case var t when t == typeof(string):
                value = text;
                return true;
            case var t when t == typeof(int) && int.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i):
                value = i;
                return true;
            case var t when t == typeof(long) && long.TryParse(trimmed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l):
                value = l;
                return true;
            case var t when t == typeof(double) && double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                value = d;
                return true;
            case var t when t == typeof(decimal) && decimal.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var m):
                value = m;
                return true;
            case var t when t == typeof(bool) && TryParseBool(trimmed, out var b):
                value = b;
                return true;
            case var t when t == typeof(TimeSpan) && TryParseDuration(trimmed, out var span):
                value = span;
                return true;
            case { IsEnum: true } when Enum.TryParse(underlying, trimmed, ignoreCase: true, out var e) && Enum.IsDefined(underlying, e!):
                value = e;
                return true;
            default:
                error = underlying.IsEnum
                    ? $"'{text}' is not one of {string.Join(", ", Enum.GetNames(underlying))}"
                    : $"'{text}' is not a valid {Describe(underlying)}";
                return false;
        }
    }

    private static bool TryParseBool(string text, out bool value)
    {
        switch (text.ToLowerInvariant())
        {
            case "true" or "1" or "yes" or "on":
                value = true;
                return true;
            case "false" or "0" or "no" or "off":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    // A Go duration ("250ms", "1.5s") or a plain integer of milliseconds.
    private static bool TryParseDuration(string text, out TimeSpan value) =>
        GoDuration.TryParseDaprDuration(text, out value);

    private static string Describe(Type type) =>
        type == typeof(TimeSpan) ? "duration (like 250ms, 2s, or an integer of milliseconds)"
        : type == typeof(bool) ? "boolean (true/false)"
        : type == typeof(int) || type == typeof(long) ? "whole number"
        : "number";
}

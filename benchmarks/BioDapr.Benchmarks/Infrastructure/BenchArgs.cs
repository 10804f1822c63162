using System.Globalization;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>Command-line options of the benchmark commands (<c>--name value</c>).</summary>
internal static class BenchArgs
{
    public static int Int(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length
            ? int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : throw new ArgumentException($"{name} must be a positive integer, got '{args[i + 1]}'")
            : fallback;

    public static string String(string[] args, string name, string fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

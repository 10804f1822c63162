using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BioDapr.Scenarios;

/// <summary>
/// A paired difference (a − b run by run: the same seeds in the simulator, common random numbers; or a cold and a warm
/// replay on the same organism) with the 95 % confidence interval of its mean (Student's t over the pairs). Pairing
/// removes what both sides of a pair share, so the interval is the spread of the gap itself, not of either side.
/// One type for the simulator's benchmarks and the Lab's cold-start comparison. In JSON an end that is not a number
/// (no interval: fewer than two pairs; no mean: no pair) is <c>null</c>, never NaN (which JSON cannot hold: one run of
/// <c>coldstart --runs 1</c> crashed writing its results).
/// </summary>
/// <param name="Mean">Mean of the per-pair differences.</param>
/// <param name="Low">Lower end of the 95 % confidence interval (NaN for fewer than two pairs: no interval).</param>
/// <param name="High">Upper end.</param>
/// <param name="Pairs">Pairs (seeds or runs) compared.</param>
/// <param name="StandardDeviation">Sample standard deviation of the differences (0 for fewer than two pairs).</param>
[JsonConverter(typeof(PairedDifferenceJsonConverter))]
public readonly record struct PairedDifference(double Mean, double Low, double High, int Pairs, double StandardDeviation = 0)
{
    /// <summary>Whether the interval excludes zero.</summary>
    public bool Significant => Pairs > 1 && (Low > 0 || High < 0);

    /// <summary>The paired difference of two equally long lists of per-seed values.</summary>
    public static PairedDifference Of(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"paired values need as many on each side, run by run or seed by seed (got {a.Count} and {b.Count})");
        }

        var differences = a.Zip(b, (x, y) => x - y).Where(double.IsFinite).ToList();
        if (differences.Count == 0)
        {
            return new PairedDifference(double.NaN, double.NaN, double.NaN, 0);
        }

        var mean = differences.Average();
        if (differences.Count < 2)
        {
            return new PairedDifference(mean, double.NaN, double.NaN, 1);
        }

        var sd = Math.Sqrt(differences.Sum(d => (d - mean) * (d - mean)) / (differences.Count - 1));
        var half = StudentT975(differences.Count - 1) * sd / Math.Sqrt(differences.Count);
        return new PairedDifference(mean, mean - half, mean + half, differences.Count, sd);
    }

    /// <summary>Whether the whole interval lies no more than <paramref name="points"/> below zero (a ≥ b − points); false without an interval.</summary>
    public bool WithinOf(double points) => Low >= -points;

    /// <inheritdoc/>
    public override string ToString() => Pairs < 2
        ? string.Create(CultureInfo.InvariantCulture, $"{Mean:+0.0;-0.0;0.0} ({Pairs} pair: no interval)")
        : string.Create(CultureInfo.InvariantCulture, $"{Mean:+0.0;-0.0;0.0} (sd {StandardDeviation:F1}; 95 % interval {Low:+0.0;-0.0;0.0} to {High:+0.0;-0.0;0.0}; {Pairs} pairs)");

    /// <summary>The 97.5 % quantile of Student's t with <paramref name="degrees"/> degrees of freedom.</summary>
    public static double StudentT975(int degrees)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degrees, 1);
        double[] table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042];
        if (degrees <= table.Length)
        {
            return table[degrees - 1];
        }

        // Cornish–Fisher expansion around the normal quantile; within 0.001 of the exact value beyond 30.
        const double z = 1.959964;
        var g1 = (Math.Pow(z, 3) + z) / 4;
        var g2 = ((5 * Math.Pow(z, 5)) + (16 * Math.Pow(z, 3)) + (3 * z)) / 96;
        return z + (g1 / degrees) + (g2 / (degrees * (double)degrees));
    }
}

/// <summary>
/// Writes a <see cref="PairedDifference"/> as an object of its five numbers (named by the serializer's naming policy),
/// <c>null</c> for one that is not finite; reads that back (<c>null</c> or a missing number as NaN, a missing count as 0).
/// </summary>
public sealed class PairedDifferenceJsonConverter : JsonConverter<PairedDifference>
{
    /// <inheritdoc/>
    public override PairedDifference Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"a paired difference is an object with mean, low, high, pairs and standardDeviation, not {reader.TokenType}");
        }

        double mean = double.NaN, low = double.NaN, high = double.NaN, sd = 0;
        var pairs = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType is not (JsonTokenType.Number or JsonTokenType.Null))
            {
                // Not one of the five numbers (another writer's field): skipped.
                reader.Skip();
                continue;
            }

            double? number = reader.TokenType == JsonTokenType.Null ? null : reader.GetDouble();
            if (Is(name, nameof(PairedDifference.Mean), options))
            {
                mean = number ?? double.NaN;
            }
            else if (Is(name, nameof(PairedDifference.Low), options))
            {
                low = number ?? double.NaN;
            }
            else if (Is(name, nameof(PairedDifference.High), options))
            {
                high = number ?? double.NaN;
            }
            else if (Is(name, nameof(PairedDifference.Pairs), options))
            {
                pairs = (int)(number ?? 0);
            }
            else if (Is(name, nameof(PairedDifference.StandardDeviation), options))
            {
                sd = number ?? 0;
            }
        }

        return new PairedDifference(mean, low, high, pairs, sd);
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, PairedDifference value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(options);
        writer.WriteStartObject();
        Number(writer, options, nameof(PairedDifference.Mean), value.Mean);
        Number(writer, options, nameof(PairedDifference.Low), value.Low);
        Number(writer, options, nameof(PairedDifference.High), value.High);
        writer.WriteNumber(Name(nameof(PairedDifference.Pairs), options), value.Pairs);
        Number(writer, options, nameof(PairedDifference.StandardDeviation), value.StandardDeviation);
        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, JsonSerializerOptions options, string property, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(Name(property, options), value);
        }
        else
        {
            writer.WriteNull(Name(property, options));
        }
    }

    private static string Name(string property, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(property) ?? property;

    private static bool Is(string? name, string property, JsonSerializerOptions options) =>
        string.Equals(name, Name(property, options), options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
}

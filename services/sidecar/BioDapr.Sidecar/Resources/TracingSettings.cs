using System.Globalization;

namespace BioDapr.Sidecar.Resources;

/// <summary><c>spec.tracing</c> of the Configuration.</summary>
/// <param name="SamplingRate">The text as written ("" when absent).</param>
/// <param name="Stdout">Also write spans to standard output.</param>
/// <param name="ZipkinEndpoint"><c>zipkin.endpointAddress</c>, or null.</param>
/// <param name="Otel"><c>otel</c> settings.</param>
internal sealed record TracingSettings(string SamplingRate, bool Stdout, string? ZipkinEndpoint, OtelSettings Otel)
{
    /// <summary>daprd's rate when <see cref="SamplingRate"/> is empty or not a number.</summary>
    public const double DefaultSamplingRate = 1e-4;

    /// <summary>No tracing section.</summary>
    public static TracingSettings Default { get; } = new("", false, null, new OtelSettings(null, null, IsSecure: true));

    /// <summary>The rate daprd uses: <see cref="SamplingRate"/> parsed as a number, or 1e-4 when it is not one.</summary>
    public double EffectiveSamplingRate => TryParseRate(SamplingRate, out var rate) ? rate : DefaultSamplingRate;

    /// <summary>
    /// Whether daprd installs its tracing middleware (and so returns <c>traceparent</c> and fills trace fields):
    /// on unless the sampling rate parses as exactly zero (<c>"0"</c>, <c>"0.0"</c>, ...). Empty or invalid counts as on.
    /// </summary>
    public bool Enabled => EffectiveSamplingRate != 0;

    private static bool TryParseRate(string text, out double rate)
    {
        switch (text.ToLowerInvariant())
        {
            case "inf" or "+inf" or "infinity" or "+infinity":
                rate = double.PositiveInfinity;
                return true;
            case "-inf" or "-infinity":
                rate = double.NegativeInfinity;
                return true;
            case "nan":
                rate = double.NaN;
                return true;
        }

        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out rate);
    }
}

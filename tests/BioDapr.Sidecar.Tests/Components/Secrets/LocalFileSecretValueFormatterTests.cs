using System.Text.Json;
using BioDapr.Sidecar.Components.Secrets;

namespace BioDapr.Sidecar.Tests.Components.Secrets;

public sealed class LocalFileSecretValueFormatterTests
{
    // Expected texts are what Go's fmt prints for float64 with %v (strconv 'g', shortest).
    [Theory]
    [InlineData(5432d, "5432")]
    [InlineData(1.5d, "1.5")]
    [InlineData(0d, "0")]
    [InlineData(-0d, "-0")]
    [InlineData(100d, "100")]
    [InlineData(123456d, "123456")]
    [InlineData(1e6, "1e+06")]
    [InlineData(1234567d, "1.234567e+06")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012, "0.00012")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(-2.5e-7, "-2.5e-07")]
    [InlineData(3.14159, "3.14159")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e100, "1e+100")]
    [InlineData(12345678901234567890d, "1.2345678901234567e+19")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(-42d, "-42")]
    [InlineData(999999d, "999999")]
    [InlineData(0.5, "0.5")]
    public void FormatGoFloat_Value_MatchesGoShortestG(double value, string expected)
    {
        LocalFileSecretValueFormatter.FormatGoFloat(value).ShouldBe(expected);
    }

    [Theory]
    [InlineData("\"text\"", "text")]
    [InlineData("5432", "%!s(float64=5432)")]
    [InlineData("5432.0", "%!s(float64=5432)")]
    [InlineData("1e3", "%!s(float64=1000)")]
    [InlineData("true", "%!s(bool=true)")]
    [InlineData("false", "%!s(bool=false)")]
    [InlineData("null", "%!s(<nil>)")]
    [InlineData("\"\"", "")]
    public void Format_Leaf_MatchesDaprsPercentSOutput(string json, string expected)
    {
        using var document = JsonDocument.Parse(json);

        LocalFileSecretValueFormatter.Format(document.RootElement).ShouldBe(expected);
    }

    [Fact]
    public void FormatGoFloat_Infinity_Throws()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => LocalFileSecretValueFormatter.FormatGoFloat(double.PositiveInfinity));
    }
}

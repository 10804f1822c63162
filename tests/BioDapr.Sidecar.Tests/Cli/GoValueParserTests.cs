using BioDapr.Sidecar.Cli;

namespace BioDapr.Sidecar.Tests.Cli;

public sealed class GoValueParserTests
{
    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-42", -42L)]
    [InlineData("+7", 7L)]
    [InlineData("0x1F", 31L)]
    [InlineData("0o17", 15L)]
    [InlineData("017", 15L)]
    [InlineData("0b101", 5L)]
    [InlineData("0x_1_0", 16L)]
    [InlineData("0", 0L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    [InlineData("-9223372036854775808", long.MinValue)]
    public void TryParseInt64_GoSyntax_Parses(string text, long expected)
    {
        GoValueParser.TryParseInt64(text, out var value).ShouldBeTrue();
        value.ShouldBe(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1_000")]
    [InlineData("08")]
    [InlineData("0x")]
    [InlineData("1.0")]
    [InlineData(" 1")]
    [InlineData("9223372036854775808")]
    [InlineData("0x__1")]
    public void TryParseInt64_Invalid_ReturnsFalse(string text)
    {
        GoValueParser.TryParseInt64(text, out _).ShouldBeFalse();
    }

    [Fact]
    public void TryParseUInt64_Sign_IsRejected()
    {
        GoValueParser.TryParseUInt64("+1", out _).ShouldBeFalse();
        GoValueParser.TryParseUInt64("18446744073709551615", out var max).ShouldBeTrue();
        max.ShouldBe(ulong.MaxValue);
    }

    [Theory]
    [InlineData("a,b", new[] { "a", "b" })]
    [InlineData("a", new[] { "a" })]
    [InlineData("", new string[0])]
    [InlineData("a,,b", new[] { "a", "", "b" })]
    [InlineData("\"x,y\",z", new[] { "x,y", "z" })]
    [InlineData("\"say \"\"hi\"\"\"", new[] { "say \"hi\"" })]
    public void TrySplitList_CsvSyntax_Splits(string text, string[] expected)
    {
        GoValueParser.TrySplitList(text, out var items).ShouldBeTrue();
        items.ShouldBe(expected);
    }

    [Theory]
    [InlineData("\"open")]
    [InlineData("a\"b")]
    [InlineData("\"a\"b")]
    public void TrySplitList_BadQuotes_ReturnsFalse(string text)
    {
        GoValueParser.TrySplitList(text, out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData("1Ti", 1L << 40)]
    [InlineData("1Pi", 1L << 50)]
    [InlineData("1Ei", 1L << 60)]
    [InlineData("1T", 1_000_000_000_000L)]
    [InlineData("1P", 1_000_000_000_000_000L)]
    [InlineData("1E", 1_000_000_000_000_000_000L)]
    [InlineData("1000m", 1L)]
    [InlineData("5000000u", 5L)]
    [InlineData("3000000000n", 3L)]
    [InlineData("12E3", 12_000L)]
    [InlineData("-2k", -2000L)]
    public void TryParseQuantity_AllSuffixes_Parse(string text, long expected)
    {
        GoValueParser.TryParseQuantity(text, out var bytes, out var problem).ShouldBeTrue(problem);
        bytes.ShouldBe(expected);
    }

    [Theory]
    [InlineData("10Ei", "out of range")]
    [InlineData("0.5", "not a whole number")]
    [InlineData("1e99", "exponent")]
    [InlineData("1K", "suffix")]
    [InlineData("1Mib", "suffix")]
    [InlineData(".", "regular expression")]
    public void TryParseQuantity_Invalid_SaysWhy(string text, string reason)
    {
        GoValueParser.TryParseQuantity(text, out _, out var problem).ShouldBeFalse();
        problem.ShouldContain(reason);
    }
}

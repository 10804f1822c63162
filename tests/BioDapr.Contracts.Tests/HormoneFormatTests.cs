using BioDapr.Contracts.Hormones;

namespace BioDapr.Contracts.Tests;

/// <summary>The one hormone key scheme and the one <c>value||version</c> format.</summary>
public sealed class HormoneFormatTests
{
    [Theory]
    [InlineData("42||1700000000000", "42", "1700000000000")]
    [InlineData("42", "42", "")]
    [InlineData("42||", "42", "")]
    [InlineData("a||b||c", "a", "b")]
    [InlineData("", "", "")]
    public void Parse_FollowsConfigurationRedis_TheValueEndsAtTheFirstSeparator(string stored, string value, string version) =>
        HormoneValue.Parse(stored).ShouldBe((value, version));

    [Fact]
    public void Format_ThenParse_GivesTheValueAndVersionBack()
    {
        var stored = HormoneValue.Format("250ms", "17");

        stored.ShouldBe("250ms||17");
        HormoneValue.Parse(stored).ShouldBe(("250ms", "17"));
    }

    [Theory]
    [InlineData("a||b", "1")]
    [InlineData("a", "1||2")]
    public void Format_AValueOrVersionWithTheSeparator_IsRefused_ConfigurationRedisWouldCutIt(string value, string version) =>
        Should.Throw<ArgumentException>(() => HormoneValue.Format(value, version)).Message.ShouldContain("cannot contain '||'");

    [Fact]
    public void Keys_FollowTheScheme()
    {
        HormoneKeys.Pathway("gateway", "orders", HormoneKeys.NameOf("TimeoutMs")).ShouldBe("gateway.pathways.orders.timeoutMs");
        HormoneKeys.AdmissionPrefix("orders").ShouldBe("orders.admission.");
        HormoneKeys.PathogensPrefix("inventory").ShouldBe("inventory.pathogens.");
        HormoneKeys.CortexPrefix.ShouldBe("cortex.");
        HormoneKeys.Store.ShouldBe("hormones");
    }

    [Theory]
    [InlineData("", "orders")]
    [InlineData("gateway", " ")]
    public void Keys_AnEmptyPart_IsRefused(string cell, string target) =>
        Should.Throw<ArgumentException>(() => HormoneKeys.PathwayPrefix(cell, target));
}

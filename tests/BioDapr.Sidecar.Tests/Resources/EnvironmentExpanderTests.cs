using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Tests.Resources;

public sealed class EnvironmentExpanderTests
{
    private static readonly Dictionary<string, string> Variables = new()
    {
        ["HOME"] = "/home/dapr",
        ["A_B1c"] = "x",
        ["1"] = "one",
        ["$"] = "pid",
        ["-"] = "dash",
    };

    [Theory]
    [InlineData("$HOME/bin", "/home/dapr/bin")]
    [InlineData("${HOME}bin", "/home/daprbin")]
    [InlineData("$A_B1c!", "x!")]
    [InlineData("$MISSING|", "|")]
    [InlineData("${MISSING}", "")]
    [InlineData("cost: 5$", "cost: 5$")]
    [InlineData("$ x", "$ x")]
    [InlineData("a${}b", "ab")]
    [InlineData("a${b", "ab")]
    [InlineData("$1$$", "onepid")]
    [InlineData("${-}", "dash")]
    [InlineData("$-x", "dashx")]
    [InlineData("no variables", "no variables")]
    [InlineData("${HOME}${HOME}", "/home/dapr/home/dapr")]
    public void Expand_GoSyntax_MatchesOsExpandEnv(string text, string expected)
    {
        EnvironmentExpander.Expand(text, name => Variables.GetValueOrDefault(name)).ShouldBe(expected);
    }
}

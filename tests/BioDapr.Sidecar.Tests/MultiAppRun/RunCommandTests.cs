using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

/// <summary>The <c>run</c> command's arguments: bad values are refused with a message that names them.</summary>
public sealed class RunCommandTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("soon")]
    [InlineData("3601")]
    [InlineData("1.5")]
    public async Task ExecuteAsync_BadStartupTimeout_ExitsWith2_AndNamesTheFlagAndValue(string value)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await RunCommand.ExecuteAsync(["-f", "dapr.yaml", "--startup-timeout", value], stdout, stderr, TestContext.Current.CancellationToken);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain($"--startup-timeout must be a whole number of seconds from 1 to 3600, but is '{value}'");
    }

    [Fact]
    public async Task ExecuteAsync_StartupTimeoutWithoutValue_ExitsWith2()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await RunCommand.ExecuteAsync(["-f", "dapr.yaml", "--startup-timeout"], stdout, stderr, TestContext.Current.CancellationToken);

        code.ShouldBe(2);
        stderr.ToString().ShouldContain("unknown or incomplete argument '--startup-timeout'");
    }

    [Fact]
    public void TryParseSeconds_WholeSeconds_AreTheTimeout()
    {
        RunCommand.TryParseSeconds("300", out var timeout).ShouldBeTrue();

        timeout.ShouldBe(TimeSpan.FromSeconds(300));
    }
}

using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// infra/ compiles and lints with the real Bicep CLI (NuGet package Azure.Bicep.CommandLine.linux-x64), and the gateway's
/// container app gets the client authentication its parameters choose (Microsoft Entra ID for tokens).
/// </summary>
public sealed class BicepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MainBicep_BuildsAndLints_WithoutWarnings()
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("biodapr-bicep-").FullName, "main.json");

        var build = await BicepAsync("build", Repo.PathOf("infra", "main.bicep"), "--outfile", output);
        var lint = await BicepAsync("lint", Repo.PathOf("infra", "main.bicep"));

        build.ExitCode.ShouldBe(0, build.Output);
        build.Output.ShouldNotContain("Warning", customMessage: build.Output);
        lint.ExitCode.ShouldBe(0, lint.Output);
        lint.Output.ShouldNotContain("Warning", customMessage: lint.Output);
        var template = JsonNode.Parse(await File.ReadAllTextAsync(output, Ct))!;
        var parameters = template["parameters"]!.AsObject();
        parameters["gatewayAuthentication"]!["allowedValues"]!.AsArray().Select(v => v!.GetValue<string>()).ShouldBe(["Keys", "Oidc", "Both"]);
        parameters["gatewayAuthentication"]!["defaultValue"]!.GetValue<string>().ShouldBe("Keys");
        parameters.ContainsKey("entraTenantId").ShouldBeTrue();
        parameters.ContainsKey("gatewayAudience").ShouldBeTrue();
        var compiled = template.ToJsonString();
        compiled.ShouldContain("Gateway__Authentication__Mode");
        compiled.ShouldContain("Gateway__Authentication__Oidc__Authority");
        compiled.ShouldContain("Gateway__Authentication__Oidc__Audience");
        compiled.ShouldContain("/v2.0");
    }

    [Theory]
    [InlineData("dev.bicepparam")]
    [InlineData("prod.bicepparam")]
    public async Task EachEnvironmentsParameters_BuildAgainstMainBicep(string file)
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("biodapr-bicep-").FullName, "parameters.json");

        var build = await BicepAsync("build-params", Repo.PathOf("infra", "env", file), "--outfile", output);

        build.ExitCode.ShouldBe(0, build.Output);
        File.Exists(output).ShouldBeTrue();
    }

    [Fact]
    public void TheGatewayOptions_AreTheOnesTheBicepSets()
    {
        // The configuration keys the Bicep writes are the gateway's option names (a rename breaks this test, not production).
        typeof(BioDapr.Gateway.Immune.ClientAuthenticationOptions).GetField("SectionName")!.GetValue(null).ShouldBe("Gateway:Authentication");
        typeof(BioDapr.Gateway.Immune.ClientAuthenticationOptions).GetProperty("Mode").ShouldNotBeNull();
        typeof(BioDapr.Gateway.Immune.ClientOidcOptions).GetProperty("Authority").ShouldNotBeNull();
        typeof(BioDapr.Gateway.Immune.ClientOidcOptions).GetProperty("Audience").ShouldNotBeNull();
    }

    /// <summary>Compiles <paramref name="bicepFile"/> with the served Bicep CLI and returns the ARM template.</summary>
    internal static async Task<JsonNode> BuildAsync(string bicepFile, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Directory.CreateTempSubdirectory("biodapr-bicep-").FullName, "template.json");
        var build = await BicepAsync("build", bicepFile, "--outfile", output);
        build.ExitCode.ShouldBe(0, build.Output);
        build.Output.ShouldNotContain("Warning", customMessage: build.Output);
        return JsonNode.Parse(await File.ReadAllTextAsync(output, cancellationToken))!;
    }

    /// <summary>The resources of a compiled template (an array, or an object by symbolic name in language version 2).</summary>
    internal static IEnumerable<JsonObject> Resources(JsonNode template) =>
        template["resources"] switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject map => map.Select(p => p.Value).OfType<JsonObject>(),
            _ => [],
        };

    private static async Task<(int ExitCode, string Output)> BicepAsync(params string[] arguments)
    {
        var package = typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPackage").Value!;
        var bicep = Path.Combine(package, "tools", "bicep");
        if (!OperatingSystem.IsWindows())
        {
            // NuGet does not keep the executable bit.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(bicep) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No telemetry, no version check against the internet.
        start.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(3), Ct);
        return (process.ExitCode, await stdout + await stderr);
    }
}

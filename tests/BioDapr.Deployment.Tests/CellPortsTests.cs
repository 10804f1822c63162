using System.Globalization;
using System.Text.RegularExpressions;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// Every way of running the organism keeps a cell's Dapr callbacks off its public port: the run file, tye.yaml and
/// the Bicep give each cell an app port for its sidecar and, when it has a public API, a separate public port; the
/// organism does not run as Development; the sidecars wait for a warmed-up cell.
/// </summary>
public sealed partial class CellPortsTests
{
    private static IReadOnlyList<AppRunPlan> Apps() => RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps;

    // The app ids whose sources mark an endpoint .PublicApi().
    private static HashSet<string> PublicCells() =>
        Apps().Where(app => Repo.Sources(Path.GetFileName(app.AppDirPath.TrimEnd('/'))).Any(file => File.ReadAllText(file).Contains(".PublicApi()", StringComparison.Ordinal)))
            .Select(app => app.AppId)
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void TheRunFile_GivesEveryCellAnAppPort_AndAPublicPortExactlyWhenItHasAPublicApi()
    {
        var publicCells = PublicCells();

        publicCells.ShouldBe(["cortex", "gateway", "notifications"], ignoreOrder: true);
        foreach (var app in Apps())
        {
            app.AppPort.ShouldNotBeNull($"{app.AppId} has no appPort");
            if (publicCells.Contains(app.AppId))
            {
                var publicPort = int.Parse(app.AppEnvironment["PUBLIC_PORT"], CultureInfo.InvariantCulture);
                publicPort.ShouldNotBe(app.AppPort!.Value, $"{app.AppId} serves its callbacks and its public API on one port");
            }
            else
            {
                app.AppEnvironment.ContainsKey("PUBLIC_PORT").ShouldBeFalse($"{app.AppId} has no public API");
            }
        }
    }

    [Fact]
    public void TheRunFile_DoesNotRunTheOrganismAsDevelopment_AndWaitsForWarmCells()
    {
        foreach (var app in Apps())
        {
            app.AppEnvironment.GetValueOrDefault("ASPNETCORE_ENVIRONMENT", "Production").ShouldNotBe("Development", $"{app.AppId} would answer with stack traces");
            app.SidecarArguments.ShouldContain("--enable-app-health-check", $"{app.AppId}'s sidecar would send traffic to a cold cell");
        }
    }

    [Fact]
    public void TyeYaml_GivesDaprTheAppPort_AndNamesThePublicPort()
    {
        var tye = Repo.Read("tye.yaml");
        var publicCells = PublicCells();
        foreach (var app in Apps())
        {
            var service = ServiceBlock().Matches(tye).Single(m => m.Groups["name"].Value == app.AppId).Value;
            // Tye gives daprd the first http binding as the app port.
            FirstPort().Match(service).Groups["port"].Value.ShouldBe(app.AppPort!.Value.ToString(CultureInfo.InvariantCulture), $"tye.yaml: {app.AppId}'s first binding must be its app port");
            if (publicCells.Contains(app.AppId))
            {
                service.ShouldContain($"name: PUBLIC_PORT, value: \"{app.AppEnvironment["PUBLIC_PORT"]}\"");
                service.ShouldContain($"port: {app.AppEnvironment["PUBLIC_PORT"]}");
            }
            else
            {
                service.ShouldNotContain("PUBLIC_PORT");
            }
        }
    }

    [Fact]
    public void TheBicep_PointsTheIngressAtThePublicPort_AndDaprAtTheAppPort_AndLeavesTheTokenToContainerApps()
    {
        var module = Repo.Read("infra", "modules", "containerApp.bicep");
        module.ShouldContain("ingress: publicApi ? { external: appId == 'gateway', targetPort: publicPort");
        module.ShouldContain("dapr: { enabled: true, appId: appId, appPort: appPort");
        module.ShouldContain("{ name: 'APP_PORT', value: string(appPort) }");
        module.ShouldContain("{ name: 'PUBLIC_PORT', value: string(publicPort) }");
        foreach (var file in Directory.GetFiles(Repo.PathOf("infra"), "*.bicep*", SearchOption.AllDirectories))
        {
            // Container Apps generates APP_API_TOKEN per app and revision for daprd and the container; a value of our own would break every callback.
            Regex.IsMatch(File.ReadAllText(file), @"name:\s*'APP_API_TOKEN'").ShouldBeFalse($"{file} sets APP_API_TOKEN");
        }

        var publicCells = PublicCells();
        foreach (var parameters in Directory.GetFiles(Repo.PathOf("infra", "env"), "*.bicepparam"))
        {
            foreach (Match cell in BicepCell().Matches(File.ReadAllText(parameters)))
            {
                var appId = cell.Groups["app"].Value;
                cell.Groups["public"].Value.ShouldBe(publicCells.Contains(appId) ? "true" : "false", $"{parameters}: publicApi of {appId}");
            }
        }
    }

    [GeneratedRegex(@"  - name: (?<name>[\w-]+)\n(    .*\n)+", RegexOptions.CultureInvariant)]
    private static partial Regex ServiceBlock();

    [GeneratedRegex(@"bindings: \[ \{ name: \w+, port: (?<port>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex FirstPort();

    [GeneratedRegex(@"\{ appId: '(?<app>[\w-]+)'[^}]*publicApi: (?<public>true|false) \}", RegexOptions.CultureInvariant)]
    private static partial Regex BicepCell();
}

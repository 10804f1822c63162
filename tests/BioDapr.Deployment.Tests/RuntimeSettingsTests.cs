using System.Diagnostics;
using System.Text.Json;
using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// Every way of starting the organism's .NET processes gives them its runtime settings (docs/benchmarks.md "Cold start"):
/// dynamic PGO off (MSBuild, so every runtimeconfig.json and image) and call counting from the first call (the
/// environment: the runtime has no runtimeconfig.json property for it): the run file, tye.yaml, the runner's sidecars and
/// the cells' container images.
/// </summary>
public sealed class RuntimeSettingsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void TheRunFile_GivesEveryDotnetCellTheRuntimeSettings()
    {
        var apps = RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps.Where(app => app.Command[0] == "dotnet").ToList();

        apps.Count.ShouldBe(Repo.CellDirectories().Count, "every .NET cell is in the run file");
        foreach (var app in apps)
        {
            foreach (var (name, value) in RuntimeSettings.Environment)
            {
                app.AppEnvironment.GetValueOrDefault(name).ShouldBe(value, $"dapr.yaml: {app.AppId} without {name}");
            }
        }
    }

    [Fact]
    public void TyeYaml_GivesEveryDotnetCellTheRuntimeSettings()
    {
        var services = Repo.Read("tye.yaml").Split("\n  - name: ").Where(block => block.Contains("project: services/cells/", StringComparison.Ordinal)).ToList();

        services.Count.ShouldBe(Repo.CellDirectories().Count);
        foreach (var service in services)
        {
            foreach (var (name, value) in RuntimeSettings.Environment)
            {
                service.ShouldContain($"{{ name: {name}, value: \"{value}\" }}", customMessage: $"tye.yaml: {service.Split('\n')[0]} without {name}");
            }
        }
    }

    [Fact]
    public void TheRunnersSidecars_GetTheRuntimeSettings_UnlessTheOperatorSetsThemOtherwise()
    {
        var plan = RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps[0];
        var launcher = new SidecarLauncher("dotnet", ["BioDapr.Sidecar.dll"]);

        var start = launcher.CreateStartInfo(plan);
        var own = launcher.CreateStartInfo(plan with { SidecarEnvironment = new Dictionary<string, string> { [RuntimeSettings.CallCountingDelayVariable] = "50" } });

        start.Environment[RuntimeSettings.CallCountingDelayVariable].ShouldBe("0");
        own.Environment[RuntimeSettings.CallCountingDelayVariable].ShouldBe("50", "an operator's own value wins");
    }

    [Fact]
    public async Task EveryCellsContainerImage_CarriesTheRuntimeSettings_AndItsRuntimeConfigHasPgoOff()
    {
        foreach (var cell in Repo.CellDirectories())
        {
            var evaluated = await EvaluateAsync(Repo.PathOf("services", "cells", cell, cell + ".csproj"));
            evaluated.GetProperty("Properties").GetProperty("TieredPGO").GetString().ShouldBe("false", cell);
            var variables = evaluated.GetProperty("Items").GetProperty("ContainerEnvironmentVariable").EnumerateArray()
                .ToDictionary(item => item.GetProperty("Identity").GetString()!, item => item.GetProperty("Value").GetString());
            foreach (var (name, value) in RuntimeSettings.Environment)
            {
                variables.GetValueOrDefault(name).ShouldBe(value, $"{cell}'s image without {name}");
            }
        }
    }

    // The project as MSBuild evaluates it (no build): its TieredPGO and its image's environment variables.
    private static async Task<JsonElement> EvaluateAsync(string project)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "msbuild", project, "-getProperty:TieredPGO", "-getItem:ContainerEnvironmentVariable", "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using var msbuild = Process.Start(start)!;
        var output = msbuild.StandardOutput.ReadToEndAsync(Ct);
        var errors = msbuild.StandardError.ReadToEndAsync(Ct);
        await msbuild.WaitForExitAsync(Ct);
        msbuild.ExitCode.ShouldBe(0, await errors);
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}

using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using BioDapr.Cell.Hormones;
using BioDapr.Contracts;
using BioDapr.Sidecar.Deployment;
using BioDapr.Sidecar.MultiAppRun;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Deployment.Tests;

/// <summary>The component sets, Dapr files, tye.yaml and Bicep parameters agree with each other and with the code.</summary>
public sealed partial class EnvironmentFilesTests
{
    public static TheoryData<string> Sets => new() { "local", "azure" };

    private static IReadOnlyList<ComponentDefinition> Components(string set) =>
        ResourceLoader.Load([Repo.PathOf("components", set)], appId: null).Components;

    private static IReadOnlyList<AppRunPlan> RunFileApps() =>
        RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1).Apps;

    [Fact]
    public void EveryDaprFile_Parses_WithoutWarnings()
    {
        var local = ResourceLoader.Load([Repo.PathOf("components", "local"), Repo.PathOf("dapr")], appId: null);
        var azure = ResourceLoader.Load([Repo.PathOf("components", "azure")], appId: null);
        var configuration = SidecarConfigurationLoader.Load([Repo.PathOf("dapr", "config.yaml")], _ => null);
        var (apps, runWarnings) = RunFileParser.Parse(Repo.PathOf("dapr", "dapr.yaml"), _ => null, () => 1);

        // Side files (secrets.json, hormones.json, README.md) are skipped by design.
        local.Warnings.Where(w => !w.Contains("not a YAML file", StringComparison.Ordinal)).ShouldBeEmpty();
        azure.Warnings.Where(w => !w.Contains("not a YAML file", StringComparison.Ordinal)).ShouldBeEmpty();
        local.Resiliencies.ShouldHaveSingleItem();
        configuration.SecretScopes.ShouldHaveSingleItem().StoreName.ShouldBe("secretstore");
        configuration.Tracing.SamplingRate.ShouldBe("1");
        runWarnings.ShouldBeEmpty();
        apps.Count.ShouldBe(Repo.CellDirectories().Count + Repo.NodeCellDirectories().Count);
    }

    [Fact]
    public void Services_AreGrouped_CellsDeployAsWebApps_LibrariesDoNot()
    {
        Directory.GetDirectories(Repo.PathOf("services")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()
            .ShouldBe(Repo.ServiceGroups, customMessage: "services/ holds only the groups cells, libraries and sidecar");
        foreach (var group in Repo.ServiceGroups)
        {
            foreach (var project in Directory.GetDirectories(Repo.PathOf("services", group)))
            {
                if (group == "cells" && File.Exists(Path.Combine(project, "package.json")))
                {
                    // A cell in another language: deployable as its own container image, built from its Dockerfile.
                    File.Exists(Path.Combine(project, "package-lock.json")).ShouldBeTrue($"{project}: npm ci needs a committed lockfile");
                    File.Exists(Path.Combine(project, "Dockerfile")).ShouldBeTrue($"{project}: a deployable cell needs its Dockerfile");
                    continue;
                }

                var csproj = Path.Combine(project, Path.GetFileName(project) + ".csproj");
                File.Exists(csproj).ShouldBeTrue($"{project} has no project file named after its folder");
                var isWeb = File.ReadAllText(csproj).Contains("Microsoft.NET.Sdk.Web", StringComparison.Ordinal);
                isWeb.ShouldBe(group != "libraries", $"{csproj}: projects in services/{group} {(group == "libraries" ? "are class libraries" : "are deployable web apps")}");
            }
        }
    }

    // A file a local component names (the secret store's secretsFile) is resolved by the sidecar from its working
    // directory, the app's appDirPath: it must exist from every app that loads the component (the services/ regroup
    // moved the cells one level deeper and left the gateway's sidecar unable to start under ./biodapr up).
    [Fact]
    public void EveryFileALocalComponentNames_ExistsFromEveryAppDirectoryThatLoadsIt()
    {
        var fileFields = new[] { "secretsFile" };
        var checkedPaths = 0;
        foreach (var app in RunFileApps())
        {
            foreach (var component in Components("local").Where(c => c.Scopes.Count == 0 || c.Scopes.Contains(app.AppId)))
            {
                foreach (var item in component.Metadata.Where(m => fileFields.Contains(m.Name) && m.Value is not null))
                {
                    var resolved = Path.GetFullPath(Path.Combine(app.AppDirPath, item.Value!));
                    File.Exists(resolved).ShouldBeTrue($"{component.SourceFile}: {item.Name} '{item.Value}' resolves to {resolved} from app '{app.AppId}' ({app.AppDirPath}), which does not exist");
                    checkedPaths++;
                }
            }
        }

        checkedPaths.ShouldBeGreaterThan(0, "the secret store's file is loaded by at least one app");
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryComponent_UsesADocumentedTypeAndOnlyDocumentedFields(string set)
    {
        foreach (var component in Components(set))
        {
            DocumentedComponents.Fields.Keys.ShouldContain(component.Type, $"{component.SourceFile}: {component.Type} is not a component type BioDapr documents");
            var allowed = DocumentedComponents.Fields[component.Type].Union(DocumentedComponents.RuntimeFields(component.BuildingBlock)).ToHashSet(StringComparer.Ordinal);
            foreach (var item in component.Metadata)
            {
                allowed.ShouldContain(item.Name, $"{component.SourceFile}: '{item.Name}' is not a documented field of {component.Type}");
            }
        }
    }

    [Fact]
    public void TheLocalAndAzureSets_DeclareTheSameNamesAndScopes()
    {
        var local = Components("local").ToDictionary(c => c.Name, c => c);
        var azure = Components("azure").ToDictionary(c => c.Name, c => c);

        azure.Keys.Order().ShouldBe(local.Keys.Order());
        foreach (var (name, component) in local)
        {
            azure[name].Scopes.Order().ShouldBe(component.Scopes.Order(), $"scopes of {name}");
            azure[name].BuildingBlock.ShouldBe(component.BuildingBlock, $"building block of {name}");
        }

        local.Values.Where(c => c.Metadata.Any(m => m is { Name: "actorStateStore", Value: "true" })).Select(c => c.Name)
            .ShouldBe(azure.Values.Where(c => c.Metadata.Any(m => m is { Name: "actorStateStore", Value: "true" })).Select(c => c.Name));
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryComponentACellUses_ExistsInTheSet_WithTheCellInItsScopes(string set)
    {
        var components = Components(set).ToDictionary(c => c.Name, c => c);
        var appIds = RunFileApps().ToDictionary(a => Path.GetFileName(a.AppDirPath.TrimEnd('/')), a => a.AppId);
        var checkedUses = 0;
        foreach (var cell in Repo.CellDirectories())
        {
            foreach (var store in ComponentsUsedBy(cell))
            {
                checkedUses++;
                components.ShouldContainKey(store, $"{cell} uses component '{store}', which components/{set} does not declare");
                components[store].Scopes.ShouldContain(appIds[cell], $"{cell} ({appIds[cell]}) uses '{store}' but is not in its scopes in components/{set}");
            }
        }

        // gateway, orders: secretstore, hormones (+pubsub, statestore for orders); inventory, payments: pubsub, statestore, hormones; notifications: pubsub.
        checkedUses.ShouldBeGreaterThanOrEqualTo(12);
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void EveryHormoneKeyTheCodeReads_HasADefaultInTheSet(string set)
    {
        using var defaults = JsonDocument.Parse(Repo.Read("components", set, "hormones.json"));
        var keys = defaults.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

        var used = HormoneKeysUsedByTheCells();

        used.Count.ShouldBeGreaterThan(20);
        foreach (var key in used.Keys)
        {
            keys.ShouldContain(key, $"hormone '{key}' has no default in components/{set}/hormones.json");
        }

        // The keys of cells in another language are checked by their own tests (services/cells/shipping/test/hormones.test.ts).
        var nodeCells = RunFileApps().Where(a => Repo.NodeCellDirectories().Contains(Path.GetFileName(a.AppDirPath.TrimEnd('/')))).Select(a => a.AppId + ".").ToList();
        nodeCells.ShouldNotBeEmpty();
        keys.RemoveWhere(k => nodeCells.Any(prefix => k.StartsWith(prefix, StringComparison.Ordinal)));
        keys.Except(used.Keys).ShouldBeEmpty("components/" + set + "/hormones.json has keys no cell reads");
        foreach (var property in defaults.RootElement.EnumerateObject().Where(p => keys.Contains(p.Name)))
        {
            var target = used[property.Name];
            var value = Convert.ChangeType(property.Value.GetString(), target.PropertyType, System.Globalization.CultureInfo.InvariantCulture);
            var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
            System.ComponentModel.DataAnnotations.Validator.TryValidateValue(value, new System.ComponentModel.DataAnnotations.ValidationContext(new object()) { MemberName = target.Name }, results, target.GetCustomAttributes<System.ComponentModel.DataAnnotations.ValidationAttribute>())
                .ShouldBeTrue($"{property.Name} = {property.Value}: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
        }
    }

    [Fact]
    public void EveryTopic_IsDeployedWithItsSubscribers_InEveryEnvironment()
    {
        var topics = typeof(Topics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && !f.Name.EndsWith("PubSub", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        topics.ShouldNotBeEmpty();
        foreach (var parameters in Directory.GetFiles(Repo.PathOf("infra", "env"), "*.bicepparam"))
        {
            var text = File.ReadAllText(parameters);
            foreach (var topic in topics)
            {
                text.ShouldContain($"name: '{topic}'", customMessage: $"{parameters} does not deploy topic {topic}");
            }
        }
    }

    [Fact]
    public void TyeYaml_ListsEveryCellOnDisk_WithTheRunFilesAppIds()
    {
        var tye = Repo.Read("tye.yaml");
        foreach (var app in RunFileApps())
        {
            var directory = Path.GetFileName(app.AppDirPath.TrimEnd('/'));
            tye.ShouldContain(
                Repo.NodeCellDirectories().Contains(directory) ? $"workingDirectory: services/cells/{directory}" : $"project: services/cells/{directory}/{directory}.csproj",
                customMessage: $"tye.yaml does not run {directory}");
            tye.ShouldContain($"app-id: {app.AppId}", customMessage: $"tye.yaml does not give {directory} the app id {app.AppId}");
        }

        foreach (var cell in Repo.CellDirectories().Concat(Repo.NodeCellDirectories()))
        {
            tye.ShouldContain($"services/cells/{cell}", customMessage: $"tye.yaml does not list {cell}");
        }
    }

    [Fact]
    public void BicepParameters_CoverEveryCell_AndEveryCellBuildsAContainerImage()
    {
        var appIds = RunFileApps().Select(a => a.AppId).Order().ToList();
        var parameterFiles = Directory.GetFiles(Repo.PathOf("infra", "env"), "*.bicepparam");

        parameterFiles.Length.ShouldBeGreaterThanOrEqualTo(2);
        foreach (var file in parameterFiles)
        {
            Repo.BicepAppId().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value).Order().ToList().ShouldBe(appIds, customMessage: $"{file} must list exactly the cells of dapr/dapr.yaml");
        }

        foreach (var app in RunFileApps())
        {
            var directory = Path.GetFileName(app.AppDirPath.TrimEnd('/'));
            if (Repo.NodeCellDirectories().Contains(directory))
            {
                // Built from its Dockerfile and pushed by the README's Azure steps under the name the Bicep deploys.
                Repo.Read("services", "cells", directory, "Dockerfile").ShouldContain("FROM node:");
                Repo.Read("README.md").ShouldContain($"-t biodapr/{app.AppId}:", customMessage: $"the README's Azure steps do not build and push biodapr/{app.AppId}");
                continue;
            }

            Repo.Read("services", "cells", directory, directory + ".csproj").ShouldContain($"<ContainerRepository>biodapr/{app.AppId}</ContainerRepository>");
        }
    }

    [Fact]
    public void TheAcaComponents_AreUpToDateWithComponentsAzure_AndEveryEnvRefIsFilledByTheBicep()
    {
        var translated = AcaComponentTranslator.Translate([Repo.PathOf("components", "azure")], values: null);
        var bicep = Repo.Read("infra", "main.bicep");

        Repo.Read("infra", "components.json").ReplaceLineEndings("\n").ShouldBe(AcaComponentTranslator.ToJson(translated), customMessage: "run ./biodapr aca-components");
        foreach (var component in translated)
        {
            foreach (var item in component.Properties["metadata"]!.AsArray())
            {
                if (item!["envRef"] is { } variable)
                {
                    bicep.ShouldContain($"{variable}: ", customMessage: $"main.bicep does not provide {variable} for component {component.Name}");
                }
            }
        }
    }

    private static HashSet<string> ComponentsUsedBy(string cell)
    {
        var text = string.Join('\n', Repo.Sources(cell).Select(File.ReadAllText));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match match in StoreUse().Matches(text))
        {
            names.Add(match.Groups["name"].Value);
        }

        if (text.Contains("Topics.PubSub", StringComparison.Ordinal))
        {
            names.Add(Topics.PubSub);
        }

        // Vital signs: published by every cell with a pathway or AddCellVitals, subscribed by the cortex.
        if (text.Contains("Topics.VitalsPubSub", StringComparison.Ordinal) || text.Contains("AddPathway(", StringComparison.Ordinal) || text.Contains("AddCellVitals(", StringComparison.Ordinal))
        {
            names.Add(Topics.VitalsPubSub);
        }

        return names;
    }

    // Every hormone key the cells bind, with the type that reads it: AddHormones<T>(store, prefix),
    // AddPathway(target) (PathwayHormones), and AddPathway/AddCellVitals (admission and pathogens).
    private static Dictionary<string, PropertyInfo> HormoneKeysUsedByTheCells()
    {
        var keys = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        var types = new[]
            {
                typeof(BioDapr.Orders.Hormones.OrderLimits).Assembly, typeof(BioDapr.Inventory.Catalogue.ProductCatalogue).Assembly,
                typeof(BioDapr.Payments.Hormones.PaymentRules).Assembly, typeof(BioDapr.Gateway.Hormones.ClientLimits).Assembly,
                typeof(BioDapr.Cortex.Hormones.CortexHormones).Assembly,
            }
            .SelectMany(a => a.GetExportedTypes())
            .Where(t => t.Namespace?.EndsWith(".Hormones", StringComparison.Ordinal) == true)
            .ToDictionary(t => t.Name, t => t);
        var appIds = RunFileApps().ToDictionary(a => Path.GetFileName(a.AppDirPath.TrimEnd('/')), a => a.AppId);
        foreach (var cell in Repo.CellDirectories())
        {
            var text = string.Join('\n', Repo.Sources(cell).Select(File.ReadAllText));
            foreach (Match match in AddHormones().Matches(text))
            {
                Bind(keys, types[match.Groups["type"].Value], match.Groups["prefix"].Value);
            }

            foreach (Match match in AddPathway().Matches(text))
            {
                Bind(keys, typeof(BioDapr.Pathways.Hormones.PathwayHormones), $"{appIds[cell]}.pathways.{match.Groups["target"].Value}.");
            }

            if (AddPathway().IsMatch(text) || text.Contains("AddCellVitals(", StringComparison.Ordinal))
            {
                Bind(keys, typeof(BioDapr.Cell.Ingress.AdmissionHormones), $"{appIds[cell]}.admission.");
                Bind(keys, typeof(BioDapr.Cell.Ingress.PathogenHormones), $"{appIds[cell]}.pathogens.");
            }
        }

        return keys;
    }

    private static void Bind(Dictionary<string, PropertyInfo> keys, Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var suffix = property.GetCustomAttribute<HormoneKeyAttribute>()?.Key ?? JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            keys[prefix + suffix] = property;
        }
    }

    [GeneratedRegex("""AddPathway\("(?<target>[\w-]+)"\)""")]
    private static partial Regex AddPathway();

    // Component names the cells' code names: state stores, hormone stores and secret stores.
    [GeneratedRegex("""(?:StateStore\s*=\s*|AddHormones<\w+>\(|AddDaprSecretStore\()"(?<name>[\w-]+)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex StoreUse();

    [GeneratedRegex("""AddHormones<(?<type>\w+)>\("[\w-]+",\s*"(?<prefix>[^"]*)"\)""")]
    private static partial Regex AddHormones();
}

using System.Text.Json;
using BioDapr.Cortex.Scaling;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// The forecast scale rule (issue 18 item 4): compiled with the real Bicep CLI, each container app gets a KEDA
/// metrics-api rule whose fields are the ones the scaler reads, pointed at the cortex endpoint that serves the
/// value, and the value it reads is where the cortex writes it.
/// </summary>
public sealed class ForecastScaleRuleTests
{
    // The metrics-api scaler's trigger metadata (keda.sh/docs/scalers/metrics-api); anything else is a typo KEDA ignores.
    private static readonly string[] MetricsApiKeys =
        ["url", "format", "valueLocation", "targetValue", "activationTargetValue", "method", "authMode", "unsafeSsl", "aggregateFromKubeServiceEndpoints", "aggregationType"];

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ContainerApp_HasAMetricsApiRule_WithTheFieldsTheScalerReads()
    {
        var template = await BicepTests.BuildAsync(Repo.PathOf("infra", "modules", "containerApp.bicep"), Ct);

        var rule = template["variables"]!["forecastRule"]!;
        rule["name"]!.GetValue<string>().ShouldBe("forecast");
        rule["custom"]!["type"]!.GetValue<string>().ShouldBe("metrics-api");
        var metadata = rule["custom"]!["metadata"]!.AsObject();
        metadata.Select(p => p.Key).ShouldBeSubsetOf(MetricsApiKeys);
        metadata["url"]!.GetValue<string>().ShouldBe("[parameters('desiredReplicasUrl')]");
        metadata["format"]!.GetValue<string>().ShouldBe("json");
        metadata["targetValue"]!.GetValue<string>().ShouldBe("1");
        // Every metadata value is a string, as ACA's scale rule schema requires.
        metadata.Select(p => p.Value!.GetValueKind()).ShouldAllBe(kind => kind == JsonValueKind.String);

        // The rule is added only with a URL, after the HTTP and backlog rules.
        var rules = BicepTests.Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.App/containerApps")["properties"]!["template"]!["scale"]!["rules"]!.GetValue<string>();
        rules.ShouldContain("empty(parameters('desiredReplicasUrl'))");
        rules.ShouldContain("variables('forecastRule')");
    }

    [Fact]
    public void TheValueTheRuleReads_IsWhereTheCortexWritesIt()
    {
        var rule = RuleMetadata();
        var answer = JsonSerializer.SerializeToNode(new DesiredReplicas("orders", 3, PlaceholderDesiredReplicas.SourceName), Web)!;

        // GJSON path of a top-level field = the property name.
        answer[rule.ValueLocation]!.GetValue<int>().ShouldBe(3);
    }

    [Fact]
    public async Task MainBicep_PointsEveryCellButTheCortex_AtTheCortexEndpointOfThatCell()
    {
        var template = await BicepTests.BuildAsync(Repo.PathOf("infra", "main.bicep"), Ct);

        template["parameters"]!["predictiveScaling"]!["defaultValue"]!.GetValue<bool>().ShouldBeTrue();
        var apps = BicepTests.Resources(template).Single(r => r["type"]!.GetValue<string>() == "Microsoft.Resources/deployments" && r["copy"]?["name"]?.GetValue<string>() == "apps");
        // The whole parameter is one expression: if(..., createObject('value', format(...)), ...).
        var url = apps["properties"]!["parameters"]!["desiredReplicasUrl"]!.GetValue<string>();
        url.ShouldContain("parameters('predictiveScaling')");
        url.ShouldContain("not(equals(parameters('cells')[copyIndex()].appId, 'cortex'))");
        url.ShouldContain("https://cortex.internal.{0}/scaling/{1}");
        url.ShouldContain("defaultDomain");

        // The route the URL names is the cortex's.
        typeof(BioDapr.Cortex.Apis.ScalingApi).GetMethod(nameof(BioDapr.Cortex.Apis.ScalingApi.One)).ShouldNotBeNull();
    }

    [Fact]
    public async Task PlaceholderSource_AnswersTheConfiguredValue_AndNamesItselfAsPlaceholder()
    {
        var source = new PlaceholderDesiredReplicas(Microsoft.Extensions.Options.Options.Create(new ScalingOptions { Cells = ["orders"], PlaceholderReplicas = 2 }));

        var ok = BioDapr.Cortex.Apis.ScalingApi.One("orders", source).Result as Microsoft.AspNetCore.Http.HttpResults.Ok<DesiredReplicas>;
        var unknown = BioDapr.Cortex.Apis.ScalingApi.One("nobody", source).Result as Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult;

        ok!.Value.ShouldBe(new DesiredReplicas("orders", 2, "placeholder"));
        unknown!.StatusCode.ShouldBe(404);
        unknown.ProblemDetails.Detail.ShouldBe("no desired replicas for 'nobody': the cortex scales orders (Cortex:Scaling:Cells)");
        await Task.CompletedTask;
    }

    private static (string ValueLocation, string TargetValue) RuleMetadata()
    {
        // Read from the source: a literal in the module.
        var text = File.ReadAllText(Repo.PathOf("infra", "modules", "containerApp.bicep"));
        var location = System.Text.RegularExpressions.Regex.Match(text, @"valueLocation: '([^']+)'").Groups[1].Value;
        var target = System.Text.RegularExpressions.Regex.Match(text, @"targetValue: '([^']+)'").Groups[1].Value;
        return (location, target);
    }
}

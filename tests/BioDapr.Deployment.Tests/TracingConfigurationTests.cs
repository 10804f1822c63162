using System.Text.RegularExpressions;
using BioDapr.Launcher;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Deployment.Tests;

/// <summary>
/// The sidecars' tracing settings (dapr/config.yaml and dapr/config/*.yaml): every sidecar passes the trace context on
/// (samplingRate "1"), and exports spans only when <c>./biodapr up --telemetry</c> names a collector through the
/// <c>OTEL_EXPORTER_OTLP_*</c> variables, which daprd and the development sidecar read when a Configuration names none.
/// A plain <c>./biodapr up</c> therefore records no spans that nothing would receive.
/// </summary>
public sealed partial class TracingConfigurationTests
{
    public static TheoryData<string> Configurations()
    {
        var files = new TheoryData<string> { Path.Combine("dapr", "config.yaml") };
        foreach (var file in Directory.GetFiles(Repo.PathOf("dapr", "config"), "*.yaml").Order(StringComparer.Ordinal))
        {
            files.Add(Path.Combine("dapr", "config", Path.GetFileName(file)));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryConfiguration_PassesTheTraceContextOn_AndNamesNoCollector(string file)
    {
        var configuration = SidecarConfigurationLoader.Load([Repo.PathOf(file)], _ => null);

        configuration.Warnings.ShouldBeEmpty();
        configuration.Tracing.SamplingRate.ShouldBe("1", $"{file}: every request traced, traceparent passed on through invocation, publish and delivery");
        configuration.Tracing.Enabled.ShouldBeTrue();
        configuration.Tracing.Otel.EndpointAddress.ShouldBeNull($"{file}: a collector named here would get every span of a plain ./biodapr up, listening or not");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void UpWithTelemetry_SendsEverySidecarsSpans_ToTheDashboardOverPlainHttp(string file)
    {
        // What `./biodapr up --telemetry` exports for the run (read from the script, so the two cannot drift apart).
        var exported = ExportedVariable().Matches(Repo.Read("biodapr"))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);

        var configuration = SidecarConfigurationLoader.Load([Repo.PathOf(file)], name => exported.GetValueOrDefault(name));

        configuration.Tracing.Otel.EndpointAddress.ShouldBe("localhost:4318");
        configuration.Tracing.Otel.Protocol.ShouldBe("http");
        configuration.Tracing.Otel.IsSecure.ShouldBeFalse("the dashboard's OTLP/HTTP receiver is plain HTTP on loopback");
        configuration.Tracing.SamplingRate.ShouldBe("1");
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void TheTestOrganismsCollector_IsWrittenIntoACopyOfEachConfiguration(string file)
    {
        var copy = Path.Combine(Directory.CreateTempSubdirectory("biodapr-tracing-config-").FullName, "configuration.yaml");
        File.WriteAllText(copy, LocalOrganism.WithOtlpCollector(Repo.Read(file), "127.0.0.1:43181", file));

        var configuration = SidecarConfigurationLoader.Load([copy], _ => null);

        configuration.Warnings.ShouldBeEmpty();
        configuration.Tracing.Otel.ShouldBe(new OtelSettings("127.0.0.1:43181", "http", IsSecure: false));
        configuration.Tracing.SamplingRate.ShouldBe("1");
        var original = SidecarConfigurationLoader.Load([Repo.PathOf(file)], _ => null);
        configuration.SecretScopes.Select(s => s.StoreName).ShouldBe(original.SecretScopes.Select(s => s.StoreName), "the rest of the file is kept");
    }

    [Fact]
    public void TheTestOrganismsCollector_InAConfigurationWithoutASamplingRate_IsAClearError()
    {
        var error = Should.Throw<InvalidOperationException>(() => LocalOrganism.WithOtlpCollector("apiVersion: dapr.io/v1alpha1\nkind: Configuration\nspec: {}\n", "127.0.0.1:1", "odd.yaml"));

        error.Message.ShouldContain("odd.yaml");
        error.Message.ShouldContain("samplingRate");
    }

    [GeneratedRegex(@"^\s*export (?<name>OTEL_EXPORTER_OTLP_[A-Z_]+)=(?<value>\S+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex ExportedVariable();
}

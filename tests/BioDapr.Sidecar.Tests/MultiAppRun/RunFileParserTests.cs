using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

public sealed class RunFileParserTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("biodapr-runfile-").FullName;
    private int _nextPort = 40000;

    public RunFileParserTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "orders"));
        Directory.CreateDirectory(Path.Combine(_root, "stock", ".dapr", "resources"));
        Directory.CreateDirectory(Path.Combine(_root, "components"));
        File.WriteAllText(Path.Combine(_root, "config.yaml"), "kind: Configuration");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void CommonDefaults_AppOverrides_AndPathsResolveLikeTheCli()
    {
        var (apps, warnings) = Parse("""
            version: 1
            common:
              resourcesPath: ./components
              configFilePath: ./config.yaml
              logLevel: debug
              env: { SHARED: "1", LEVEL: common }
            apps:
              - appDirPath: ./orders
                appPort: 5001
                logLevel: warn
                env: { LEVEL: app }
                command: ["dotnet", "run"]
              - appID: inventory
                appDirPath: ./stock
                daprHTTPPort: 3600
            """);

        warnings.ShouldBeEmpty();
        var orders = apps[0];
        orders.AppId.ShouldBe("orders", "the default app id is the directory name");
        orders.AppDirPath.ShouldBe(Path.Combine(_root, "orders"));
        orders.AppEnvironment["APP_PORT"].ShouldBe("5001");
        orders.AppEnvironment["LEVEL"].ShouldBe("app");
        orders.AppEnvironment["SHARED"].ShouldBe("1");
        orders.AppEnvironment["DAPR_HTTP_PORT"].ShouldBe(orders.DaprHttpPort.ToString());
        orders.SidecarArguments.ShouldContain(Path.Combine(_root, "components"));
        orders.SidecarArguments.ShouldContain(Path.Combine(_root, "config.yaml"));
        Flag(orders, "--log-level").ShouldBe("warn");
        Flag(orders, "--app-port").ShouldBe("5001");

        var inventory = apps[1];
        inventory.DaprHttpPort.ShouldBe(3600);
        Flag(inventory, "--resources-path").ShouldBe(Path.Combine(_root, "stock", ".dapr", "resources"), "<appDir>/.dapr/resources beats common");
        Flag(inventory, "--log-level").ShouldBe("debug");
        inventory.AppEnvironment.ContainsKey("APP_PORT").ShouldBeFalse();
        inventory.Command.ShouldBeEmpty();
    }

    [Fact]
    public void Directory_MeansItsDaprYaml()
    {
        File.WriteAllText(Path.Combine(_root, "dapr.yaml"), "version: 1\napps:\n  - appDirPath: ./orders\n");

        var (apps, _) = RunFileParser.Parse(_root, _ => null, () => _nextPort++);

        apps.Single().AppId.ShouldBe("orders");
    }

    [Fact]
    public void UnknownField_IsAWarningNotAnError()
    {
        var (_, warnings) = Parse("version: 1\napps:\n  - appDirPath: ./orders\n    appPrt: 5000\n");

        warnings.Single().ShouldContain("apps[0].appPrt: unknown field");
    }

    [Theory]
    [InlineData("apps:\n  - appDirPath: ./orders\n", "version: is required")]
    [InlineData("version: 1\n", "apps: at least one app is required")]
    [InlineData("version: 1\napps:\n  - appID: x\n", "apps[0].appDirPath: is required")]
    [InlineData("version: 1\napps:\n  - appDirPath: ./missing\n", "does not exist")]
    [InlineData("version: 1\napps:\n  - appDirPath: ./orders\n  - appDirPath: ./orders\n", "'orders' is used by another app")]
    [InlineData("version: 1\napps:\n  - appDirPath: ./orders\n    appPort: lots\n", "apps[0].appPort: 'lots' is not an integer")]
    [InlineData("version: 1\napps:\n  - appDirPath: ./orders\n    daprHTTPPort: 3500\n  - appDirPath: ./stock\n    daprHTTPPort: 3500\n", "port 3500 is also used by orders.daprHTTPPort")]
    [InlineData("version: 1\napps:\n  - appDirPath: ./orders\n    command: []\n", "apps[0].command: is empty")]
    [InlineData("version: [1\n", "invalid YAML")]
    public void InvalidRunFile_IsRejectedNamingTheField(string yaml, string expected)
    {
        var error = Should.Throw<RunFileException>(() => Parse(yaml));

        error.Message.ShouldContain("dapr.yaml: line ");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void WithFreshPorts_ChangesOnlyThePortsTheRunnerPicked_InFlagsAndEnvironment()
    {
        var (apps, _) = Parse("""
            version: 1
            apps:
              - appID: orders
                appDirPath: ./orders
                appPort: 5001
                daprHTTPPort: 3600
                command: ["dotnet", "run"]
            """);
        var before = apps[0];
        before.PickedPorts.ShouldBe([SidecarPort.Grpc, SidecarPort.Internal, SidecarPort.Metrics], ignoreOrder: true);

        var after = before.WithFreshPorts(() => _nextPort++);

        after.DaprHttpPort.ShouldBe(3600);
        Flag(after, "--dapr-http-port").ShouldBe("3600");
        after.AppEnvironment["DAPR_HTTP_PORT"].ShouldBe("3600");
        after.DaprGrpcPort.ShouldNotBe(before.DaprGrpcPort);
        Flag(after, "--dapr-grpc-port").ShouldBe(after.DaprGrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        after.AppEnvironment["DAPR_GRPC_PORT"].ShouldBe(after.DaprGrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Flag(after, "--dapr-internal-grpc-port").ShouldBe(after.DaprInternalPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        after.DaprInternalPort.ShouldNotBe(before.DaprInternalPort);
        Flag(after, "--metrics-port").ShouldBe(after.MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        after.AppEnvironment["DAPR_METRICS_PORT"].ShouldBe(after.MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Flag(after, "--app-port").ShouldBe("5001");
    }

    private (IReadOnlyList<AppRunPlan> Apps, IReadOnlyList<string> Warnings) Parse(string yaml)
    {
        var path = Path.Combine(_root, "dapr.yaml");
        File.WriteAllText(path, yaml);
        return RunFileParser.Parse(path, name => name == "HOME" ? _root : null, () => _nextPort++);
    }

    private static string Flag(AppRunPlan app, string flag) =>
        app.SidecarArguments[app.SidecarArguments.ToList().IndexOf(flag) + 1];
}

using BioDapr.Sidecar.Cli;

namespace BioDapr.Sidecar.Tests.Cli;

public sealed class DaprdCommandLineTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static DaprdOptions Parse(params string[] args) => DaprdCommandLine.Parse(["--app-id", "orders", .. args], NoEnvironment);

    private static CommandLineException Fails(params string[] args) =>
        Should.Throw<CommandLineException>(() => DaprdCommandLine.Parse(args, NoEnvironment));

    [Fact]
    public void Parse_OnlyAppId_UsesDaprdDefaults()
    {
        var options = Parse();

        options.AppId.ShouldBe("orders");
        options.AppPort.ShouldBeNull();
        options.AppProtocol.ShouldBe("http");
        options.AppChannelAddress.ShouldBe("127.0.0.1");
        options.DaprHttpPort.ShouldBe(3500);
        options.DaprGrpcPort.ShouldBe(50001);
        options.DaprInternalGrpcPort.ShouldBeNull();
        options.DaprInternalGrpcListenAddress.ShouldBeNull();
        options.DaprListenAddresses.ShouldBe([""]);
        options.DaprPublicPort.ShouldBeNull();
        options.DaprPublicListenAddress.ShouldBeNull();
        options.ResourcesPaths.ShouldBeEmpty();
        options.ConfigFiles.ShouldBeEmpty();
        options.LogLevel.ShouldBe("info");
        options.LogAsJson.ShouldBeFalse();
        options.LogFile.ShouldBeNull();
        options.EnableAppHealthCheck.ShouldBeFalse();
        options.AppHealthCheckPath.ShouldBe("/healthz");
        options.AppHealthProbeInterval.ShouldBe(TimeSpan.FromSeconds(5));
        options.AppHealthProbeTimeout.ShouldBe(TimeSpan.FromMilliseconds(500));
        options.AppHealthThreshold.ShouldBe(3);
        options.AppMaxConcurrency.ShouldBe(-1);
        options.MaxBodySize.ShouldBe(4L << 20);
        options.ReadBufferSize.ShouldBe(4L << 10);
        options.GracefulShutdownDuration.ShouldBe(TimeSpan.FromSeconds(5));
        options.BlockShutdownDuration.ShouldBeNull();
        options.EnableApiLogging.ShouldBeNull();
        options.EnableMetrics.ShouldBeTrue();
        options.MetricsPort.ShouldBe(9090);
        options.MetricsListenAddress.ShouldBe("0.0.0.0");
        options.PlacementHostAddress.ShouldBeNull();
        options.SchedulerHostAddresses.ShouldBeEmpty();
        options.SchedulerJobStreams.ShouldBe(3u);
        options.ActorsDisseminateTimeout.ShouldBe(TimeSpan.FromSeconds(30));
        options.EnableMtls.ShouldBeFalse();
        options.SentryAddress.ShouldBeNull();
        options.ControlPlaneTrustDomain.ShouldBe("localhost");
        options.ControlPlaneNamespace.ShouldBe("default");
        options.AllowedOrigins.ShouldBe("");
        options.DisableInitEndpoints.ShouldBeEmpty();
        options.Mode.ShouldBe("standalone");
        options.EnableProfiling.ShouldBeFalse();
        options.ProfilePort.ShouldBe(7777);
        options.Wait.ShouldBeFalse();
        options.HotReloadReconcileInterval.ShouldBe(TimeSpan.FromSeconds(60));
        options.AppBindingOptionsTimeout.ShouldBe(TimeSpan.FromSeconds(3));
        options.ApiToken.ShouldBeNull();
        options.AppApiToken.ShouldBeNull();
        options.Warnings.ShouldBeEmpty();
        options.HelpRequested.ShouldBeFalse();
        options.VersionRequested.ShouldBeFalse();
    }

    [Fact]
    public void Parse_EveryFlagSet_ReadsEveryValue()
    {
        var options = Parse(
            "--app-port", "5001",
            "--app-protocol", "HTTP",
            "--app-channel-address", "localhost",
            "--dapr-http-port", "3600",
            "--dapr-grpc-port", "50002",
            "--dapr-internal-grpc-port", "47301",
            "--dapr-internal-grpc-listen-address", "127.0.0.1",
            "--dapr-listen-addresses", "127.0.0.1,::1",
            "--dapr-public-port", "3501",
            "--dapr-public-listen-address", "0.0.0.0",
            "--resources-path", "./components",
            "--config", "./config.yaml",
            "--log-level", "DEBUG",
            "--log-as-json",
            "--log-file", "/tmp/daprd.log",
            "--enable-app-health-check",
            "--app-health-check-path", "/ready",
            "--app-health-probe-interval", "10",
            "--app-health-probe-timeout", "250",
            "--app-health-threshold", "5",
            "--app-max-concurrency", "8",
            "--max-body-size", "16Mi",
            "--read-buffer-size", "8Ki",
            "--dapr-graceful-shutdown-seconds", "9",
            "--dapr-block-shutdown-duration", "15s",
            "--enable-api-logging",
            "--enable-metrics=false",
            "--metrics-port", "9191",
            "--metrics-listen-address", "127.0.0.1",
            "--placement-host-address", "localhost:50005",
            "--scheduler-host-address", "localhost:50006",
            "--scheduler-job-streams", "5",
            "--actors-disseminate-timeout", "45s",
            "--sentry-address", "localhost:50001",
            "--control-plane-address", "cp:443",
            "--control-plane-trust-domain", "cluster.local",
            "--control-plane-namespace", "dapr-system",
            "--sentry-request-jwt-audiences", "a,b",
            "--allowed-origins", "http://localhost:8080",
            "--disable-init-endpoints", "Config",
            "--mode", "standalone",
            "--enable-profiling",
            "--profile-port", "7778",
            "--wait",
            "--hot-reload-reconcile-interval", "30s",
            "--app-binding-options-timeout", "5s",
            "--disable-builtin-k8s-secret-store");

        options.AppPort.ShouldBe(5001);
        options.AppProtocol.ShouldBe("http");
        options.AppChannelAddress.ShouldBe("localhost");
        options.DaprHttpPort.ShouldBe(3600);
        options.DaprGrpcPort.ShouldBe(50002);
        options.DaprInternalGrpcPort.ShouldBe(47301);
        options.DaprInternalGrpcListenAddress.ShouldBe("127.0.0.1");
        options.DaprListenAddresses.ShouldBe(["127.0.0.1", "::1"]);
        options.DaprPublicPort.ShouldBe(3501);
        options.DaprPublicListenAddress.ShouldBe("0.0.0.0");
        options.ResourcesPaths.ShouldBe(["./components"]);
        options.ConfigFiles.ShouldBe(["./config.yaml"]);
        options.LogLevel.ShouldBe("debug");
        options.LogAsJson.ShouldBeTrue();
        options.LogFile.ShouldBe("/tmp/daprd.log");
        options.EnableAppHealthCheck.ShouldBeTrue();
        options.AppHealthCheckPath.ShouldBe("/ready");
        options.AppHealthProbeInterval.ShouldBe(TimeSpan.FromSeconds(10));
        options.AppHealthProbeTimeout.ShouldBe(TimeSpan.FromMilliseconds(250));
        options.AppHealthThreshold.ShouldBe(5);
        options.AppMaxConcurrency.ShouldBe(8);
        options.MaxBodySize.ShouldBe(16L << 20);
        options.ReadBufferSize.ShouldBe(8L << 10);
        options.GracefulShutdownDuration.ShouldBe(TimeSpan.FromSeconds(9));
        options.BlockShutdownDuration.ShouldBe(TimeSpan.FromSeconds(15));
        options.EnableApiLogging.ShouldBe(true);
        options.EnableMetrics.ShouldBeFalse();
        options.MetricsPort.ShouldBe(9191);
        options.MetricsListenAddress.ShouldBe("127.0.0.1");
        options.PlacementHostAddress.ShouldBe("localhost:50005");
        options.SchedulerHostAddresses.ShouldBe(["localhost:50006"]);
        options.SchedulerJobStreams.ShouldBe(5u);
        options.ActorsDisseminateTimeout.ShouldBe(TimeSpan.FromSeconds(45));
        options.SentryAddress.ShouldBe("localhost:50001");
        options.ControlPlaneAddress.ShouldBe("cp:443");
        options.ControlPlaneTrustDomain.ShouldBe("cluster.local");
        options.ControlPlaneNamespace.ShouldBe("dapr-system");
        options.AllowedOrigins.ShouldBe("http://localhost:8080");
        options.DisableInitEndpoints.ShouldBe(["config"]);
        options.ConfigEndpointDisabled.ShouldBeTrue();
        options.SubscribeEndpointDisabled.ShouldBeFalse();
        options.EnableProfiling.ShouldBeTrue();
        options.ProfilePort.ShouldBe(7778);
        options.Wait.ShouldBeTrue();
        options.HotReloadReconcileInterval.ShouldBe(TimeSpan.FromSeconds(30));
        options.AppBindingOptionsTimeout.ShouldBe(TimeSpan.FromSeconds(5));
    }

    [Theory]
    [InlineData("--app-port", "5001")]
    [InlineData("-app-port", "5001")]
    [InlineData("--app-port=5001")]
    [InlineData("-app-port=5001")]
    public void Parse_SingleOrDoubleDashWithOrWithoutEquals_ReadsValue(params string[] args)
    {
        Parse(args).AppPort.ShouldBe(5001);
    }

    [Fact]
    public void Parse_SingleDashAppId_Works()
    {
        DaprdCommandLine.Parse(["-app-id", "cart", "-dapr-http-port", "3510"], NoEnvironment)
            .ShouldSatisfyAllConditions(
                o => o.AppId.ShouldBe("cart"),
                o => o.DaprHttpPort.ShouldBe(3510));
    }

    [Theory]
    [InlineData("--enable-metrics", true)]
    [InlineData("--enable-metrics=true", true)]
    [InlineData("--enable-metrics=false", false)]
    [InlineData("--enable-metrics=0", false)]
    [InlineData("--enable-metrics=T", true)]
    [InlineData("--enable-metrics=FALSE", false)]
    [InlineData("-enable-metrics=false", false)]
    public void Parse_BoolFlag_WithAndWithoutValue(string arg, bool expected)
    {
        Parse(arg).EnableMetrics.ShouldBe(expected);
    }

    [Fact]
    public void Parse_EnableApiLoggingFalse_IsExplicitFalseNotUnset()
    {
        Parse("--enable-api-logging=false").EnableApiLogging.ShouldBe(false);
    }

    [Fact]
    public void Parse_RepeatedAndCommaListFlags_Accumulate()
    {
        var options = Parse(
            "--resources-path", "./a,./b",
            "--resources-path=./c",
            "--config", "base.yaml",
            "--config", "override.yaml",
            "--scheduler-host-address", "h1:1,h2:2",
            "--disable-init-endpoints", "config, subscribe");

        options.ResourcesPaths.ShouldBe(["./a", "./b", "./c"]);
        options.ConfigFiles.ShouldBe(["base.yaml", "override.yaml"]);
        options.SchedulerHostAddresses.ShouldBe(["h1:1", "h2:2"]);
        options.DisableInitEndpoints.ShouldBe(["config", "subscribe"]);
    }

    [Fact]
    public void Parse_QuotedListItem_KeepsComma()
    {
        Parse("--resources-path", "\"./with,comma\",./plain").ResourcesPaths.ShouldBe(["./with,comma", "./plain"]);
    }

    [Fact]
    public void Parse_ComponentsPathAlias_UsedWhenNoResourcesPathAndWarns()
    {
        var options = Parse("--components-path", "./legacy");

        options.ResourcesPaths.ShouldBe(["./legacy"]);
        options.Warnings.ShouldHaveSingleItem().ShouldContain("--components-path has been deprecated");
    }

    [Fact]
    public void Parse_ComponentsPathAndResourcesPath_ResourcesPathWins()
    {
        Parse("--components-path", "./legacy", "--resources-path", "./new").ResourcesPaths.ShouldBe(["./new"]);
    }

    [Fact]
    public void Parse_LastValueOfScalarFlag_Wins()
    {
        Parse("--app-port", "5001", "--app-port", "5002").AppPort.ShouldBe(5002);
    }

    [Theory]
    [InlineData("4Mi", 4L << 20)]
    [InlineData("4M", 4_000_000L)]
    [InlineData("4194304", 4194304L)]
    [InlineData("1.5Ki", 1536L)]
    [InlineData("2k", 2000L)]
    [InlineData("1Gi", 1L << 30)]
    [InlineData("4e6", 4_000_000L)]
    [InlineData("+10", 10L)]
    [InlineData("0", 0L)]
    [InlineData("-1", 4L << 20)]
    public void Parse_MaxBodySize_ParsesResourceQuantity(string value, long expected)
    {
        Parse("--max-body-size", value).MaxBodySize.ShouldBe(expected);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("4MB")]
    [InlineData("4mi")]
    [InlineData("0.5")]
    [InlineData("100m")]
    [InlineData("")]
    [InlineData("1..2")]
    public void Parse_BadMaxBodySize_NamesFlag(string value)
    {
        var exception = Fails("--app-id", "a", "--max-body-size", value);
        exception.Message.ShouldStartWith($"invalid value \"{value}\" for flag --max-body-size:");
    }

    [Theory]
    [InlineData("8", 8L << 20)]
    [InlineData("-1", 4L << 20)]
    [InlineData("0", 0L)]
    public void Parse_DeprecatedMaxRequestSize_IsMegabytes(string value, long expected)
    {
        var options = Parse("--dapr-http-max-request-size", value);

        options.MaxBodySize.ShouldBe(expected);
        options.Warnings.ShouldHaveSingleItem().ShouldContain("--max-body-size");
    }

    [Fact]
    public void Parse_MaxBodySizeAndDeprecatedFlag_MaxBodySizeWins()
    {
        Parse("--dapr-http-max-request-size", "8", "--max-body-size", "1Mi").MaxBodySize.ShouldBe(1L << 20);
    }

    [Fact]
    public void Parse_DeprecatedReadBufferSize_IsKilobytes()
    {
        Parse("--dapr-http-read-buffer-size", "16").ReadBufferSize.ShouldBe(16L << 10);
    }

    [Fact]
    public void Parse_IntegerFlagWithGoBasePrefix_IsAccepted()
    {
        Parse("--app-max-concurrency", "0x10").AppMaxConcurrency.ShouldBe(16);
    }

    [Theory]
    [InlineData("0", 5)]
    [InlineData("-3", 5)]
    public void Parse_NonPositiveProbeInterval_UsesDefault(string value, int expectedSeconds)
    {
        Parse("--app-health-probe-interval", value).AppHealthProbeInterval.ShouldBe(TimeSpan.FromSeconds(expectedSeconds));
    }

    [Fact]
    public void Parse_NonPositiveThresholdAndNegativeShutdown_UseDefaults()
    {
        var options = Parse("--app-health-threshold", "0", "--dapr-graceful-shutdown-seconds", "-1", "--app-health-probe-timeout", "0");

        options.AppHealthThreshold.ShouldBe(3);
        options.GracefulShutdownDuration.ShouldBe(TimeSpan.FromSeconds(5));
        options.AppHealthProbeTimeout.ShouldBe(TimeSpan.FromMilliseconds(500));
    }

    [Fact]
    public void Parse_ZeroReconcileInterval_Uses60Seconds()
    {
        Parse("--hot-reload-reconcile-interval", "0").HotReloadReconcileInterval.ShouldBe(TimeSpan.FromSeconds(60));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("")]
    public void Parse_AppPortZeroOrEmpty_MeansNoApp(string value)
    {
        Parse("--app-port", value).AppPort.ShouldBeNull();
    }

    [Fact]
    public void Parse_InternalPortZero_MeansDerived()
    {
        Parse("--dapr-internal-grpc-port", "0").DaprInternalGrpcPort.ShouldBeNull();
    }

    [Fact]
    public void Parse_Tokens_ComeFromEnvironment()
    {
        var environment = new Dictionary<string, string> { ["DAPR_API_TOKEN"] = "api-secret", ["APP_API_TOKEN"] = "app-secret" };

        var options = DaprdCommandLine.Parse(["--app-id", "a"], name => environment.GetValueOrDefault(name));

        options.ApiToken.ShouldBe("api-secret");
        options.AppApiToken.ShouldBe("app-secret");
        options.ToString().ShouldNotContain("secret");
    }

    [Fact]
    public void Parse_EmptyTokens_AreUnset()
    {
        var options = DaprdCommandLine.Parse(["--app-id", "a"], _ => "");

        options.ApiToken.ShouldBeNull();
        options.AppApiToken.ShouldBeNull();
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-help")]
    public void Parse_Help_SkipsValidation(string arg)
    {
        var options = DaprdCommandLine.Parse([arg], NoEnvironment);

        options.HelpRequested.ShouldBeTrue();
        DaprdCommandLine.HelpText.ShouldContain("--app-id");
        DaprdCommandLine.HelpText.ShouldContain("--resources-path");
        DaprdCommandLine.HelpText.ShouldNotContain("--actors-service");
    }

    [Fact]
    public void Parse_Version_SkipsValidation()
    {
        DaprdCommandLine.Parse(["--version"], NoEnvironment).VersionRequested.ShouldBeTrue();
        DaprdCommandLine.VersionText.ShouldBe(DaprdCommandLine.CompatibleDaprVersion);
    }

    [Fact]
    public void Parse_BuildInfo_SkipsValidation()
    {
        DaprdCommandLine.Parse(["--build-info"], NoEnvironment).BuildInfoRequested.ShouldBeTrue();
    }

    [Fact]
    public void Parse_HiddenDeprecatedFlag_IsAcceptedWithWarning()
    {
        Parse("--actors-service", "placement:x").Warnings.ShouldHaveSingleItem().ShouldContain("no longer has any effect");
    }

    [Fact]
    public void Flags_EveryFlagHasDescription()
    {
        DaprdCommandLine.Flags.ShouldAllBe(f => f.Description.Length > 0);
        DaprdCommandLine.Flags.Select(f => f.Name).ShouldBeUnique();
    }

    [Theory]
    [InlineData("unknown flag: --foo", "--app-id", "a", "--foo")]
    [InlineData("unknown flag: --foo", "--app-id", "a", "-foo=1")]
    [InlineData("unknown shorthand flag: 'x' in -x", "--app-id", "a", "-x")]
    [InlineData("bad flag syntax: ---app-id", "---app-id", "a")]
    [InlineData("bad flag syntax: --=x", "--app-id", "a", "--=x")]
    [InlineData("flag needs an argument: --app-port", "--app-id", "a", "--app-port")]
    [InlineData("unexpected argument \"false\"", "--app-id", "a", "--enable-metrics", "false")]
    [InlineData("unexpected argument \"extra\"", "--app-id", "a", "--", "extra")]
    [InlineData("unexpected argument \"-\"", "--app-id", "a", "-")]
    [InlineData("invalid value \"abc\" for flag --app-port: not an integer", "--app-id", "a", "--app-port", "abc")]
    [InlineData("invalid value \"70000\" for flag --app-port: a port must be between 0 and 65535", "--app-id", "a", "--app-port", "70000")]
    [InlineData("invalid value \"x\" for flag --dapr-http-port: not an integer", "--app-id", "a", "--dapr-http-port", "x")]
    [InlineData("invalid value \"-1\" for flag --dapr-grpc-port: a port must be between 0 and 65535", "--app-id", "a", "--dapr-grpc-port", "-1")]
    [InlineData("invalid value \"x\" for flag --metrics-port: not an integer", "--app-id", "a", "--metrics-port", "x")]
    [InlineData("invalid value \"x\" for flag --profile-port: not an integer", "--app-id", "a", "--profile-port", "x")]
    [InlineData("invalid value \"x\" for flag --dapr-public-port: not an integer", "--app-id", "a", "--dapr-public-port", "x")]
    [InlineData("invalid value \"x\" for flag --dapr-internal-grpc-port: not an integer", "--app-id", "a", "--dapr-internal-grpc-port", "x")]
    [InlineData("invalid value \"yes\" for flag --enable-metrics: not a boolean", "--app-id", "a", "--enable-metrics=yes")]
    [InlineData("invalid value \"1.5\" for flag --app-max-concurrency: not an integer", "--app-id", "a", "--app-max-concurrency", "1.5")]
    [InlineData("invalid value \"99999999999\" for flag --app-health-threshold: out of range", "--app-id", "a", "--app-health-threshold", "99999999999")]
    [InlineData("invalid value \"-1\" for flag --scheduler-job-streams: not a non-negative integer", "--app-id", "a", "--scheduler-job-streams", "-1")]
    [InlineData("invalid value \"10\" for flag --dapr-block-shutdown-duration: not a duration (missing unit", "--app-id", "a", "--dapr-block-shutdown-duration", "10")]
    [InlineData("invalid value \"0s\" for flag --actors-disseminate-timeout: must be positive", "--app-id", "a", "--actors-disseminate-timeout", "0s")]
    [InlineData("invalid value \"verbose\" for flag --log-level: must be one of debug, info, warn, error, fatal", "--app-id", "a", "--log-level", "verbose")]
    [InlineData("invalid value \"bindings\" for flag --disable-init-endpoints: allowed values are config and subscribe", "--app-id", "a", "--disable-init-endpoints", "bindings")]
    [InlineData("invalid value \"\"a\" for flag --resources-path: not a valid comma-separated list", "--app-id", "a", "--resources-path", "\"a")]
    [InlineData("flag --app-id is required", "--app-port", "5000")]
    [InlineData("invalid value \"my.app\" for flag --app-id: an app id cannot contain dots", "--app-id", "my.app")]
    [InlineData("flag --app-port value 3500 conflicts with --dapr-http-port", "--app-id", "a", "--app-port", "3500")]
    [InlineData("flag --app-port value 50001 conflicts with --dapr-grpc-port", "--app-id", "a", "--app-port", "50001")]
    [InlineData("flag --app-health-probe-timeout must be smaller than --app-health-probe-interval", "--app-id", "a", "--app-health-probe-interval", "1", "--app-health-probe-timeout", "1500")]
    [InlineData("invalid value \"ftp\" for flag --app-protocol: must be one of http, https, grpc, grpcs, h2c", "--app-id", "a", "--app-protocol", "ftp")]
    [InlineData("invalid value \"cloud\" for flag --mode: must be standalone or kubernetes", "--app-id", "a", "--mode", "cloud")]
    public void Parse_BadInput_ThrowsNamingFlagAndProblem(string expectedMessage, params string[] args)
    {
        Fails(args).Message.ShouldContain(expectedMessage);
    }

    [Theory]
    [InlineData("https")]
    [InlineData("grpcs")]
    [InlineData("h2c")]
    public void Parse_TlsOrH2cAppProtocol_IsUnsupported(string protocol)
    {
        Fails("--app-id", "a", "--app-protocol", protocol).Message.ShouldContain("plain HTTP or gRPC only");
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("GRPC")]
    public void Parse_GrpcAppProtocol_IsAccepted(string protocol)
    {
        DaprdCommandLine.Parse(["--app-id", "a", "--app-protocol", protocol], NoEnvironment).AppProtocol.ShouldBe("grpc");
    }

    [Fact]
    public void Parse_KubernetesMode_IsUnsupported()
    {
        Fails("--app-id", "a", "--mode", "kubernetes").Message.ShouldContain("standalone mode only");
    }

    [Fact]
    public void Parse_EnableMtls_IsUnsupported()
    {
        Fails("--app-id", "a", "--enable-mtls").Message.ShouldContain("--enable-mtls=true is not supported");
        Parse("--enable-mtls=false").EnableMtls.ShouldBeFalse();
    }

    [Fact]
    public void Parse_UnixDomainSocket_IsUnsupported()
    {
        Fails("--app-id", "a", "--unix-domain-socket", "/tmp/sock").Message.ShouldContain("--unix-domain-socket is not supported");
    }

    [Fact]
    public void Parse_AppSsl_IsUnsupported()
    {
        Fails("--app-id", "a", "--app-ssl").Message.ShouldContain("--app-ssl is not supported");
    }
}

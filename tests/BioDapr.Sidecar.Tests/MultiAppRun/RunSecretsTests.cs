using BioDapr.Sidecar.MultiAppRun;
using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Tests.MultiAppRun;

/// <summary>Each run gets fresh credentials: one app token per app (app and sidecar), one secret for the sidecars.</summary>
public sealed class RunSecretsTests
{
    private readonly Random _random = new(7);

    [Fact]
    public void EveryApp_AndItsSidecar_ShareAFreshTokenOfTheirOwn()
    {
        var apps = RunSecrets.Apply([Plan("gateway"), Plan("orders")], Bytes);

        foreach (var app in apps)
        {
            app.AppEnvironment[RunSecrets.AppApiToken].Length.ShouldBeGreaterThanOrEqualTo(40);
            app.SidecarEnvironment[RunSecrets.AppApiToken].ShouldBe(app.AppEnvironment[RunSecrets.AppApiToken]);
        }

        apps[0].AppEnvironment[RunSecrets.AppApiToken].ShouldNotBe(apps[1].AppEnvironment[RunSecrets.AppApiToken]);
    }

    [Fact]
    public void TheSidecarsShareOneSecret_ThatNoAppGets()
    {
        var apps = RunSecrets.Apply([Plan("gateway"), Plan("orders")], Bytes);

        apps[0].SidecarEnvironment[PeerAuthenticator.SecretVariable].ShouldBe(apps[1].SidecarEnvironment[PeerAuthenticator.SecretVariable]);
        apps.ShouldAllBe(a => !a.AppEnvironment.ContainsKey(PeerAuthenticator.SecretVariable));
        apps[0].SidecarEnvironment[PeerAuthenticator.SecretVariable].ShouldNotBe(apps[0].AppEnvironment[RunSecrets.AppApiToken]);
    }

    [Fact]
    public void EachRun_GetsNewCredentials()
    {
        var first = RunSecrets.Apply([Plan("gateway")], Bytes)[0];
        var second = RunSecrets.Apply([Plan("gateway")], Bytes)[0];

        second.AppEnvironment[RunSecrets.AppApiToken].ShouldNotBe(first.AppEnvironment[RunSecrets.AppApiToken]);
        second.SidecarEnvironment[PeerAuthenticator.SecretVariable].ShouldNotBe(first.SidecarEnvironment[PeerAuthenticator.SecretVariable]);
    }

    [Fact]
    public void ATokenSetInTheRunFile_IsKept_AndGivenToTheSidecarToo()
    {
        var app = RunSecrets.Apply([Plan("gateway", new Dictionary<string, string> { [RunSecrets.AppApiToken] = "from-the-run-file" })], Bytes)[0];

        app.AppEnvironment[RunSecrets.AppApiToken].ShouldBe("from-the-run-file");
        app.SidecarEnvironment[RunSecrets.AppApiToken].ShouldBe("from-the-run-file");
    }

    [Fact]
    public void TheLauncher_GivesTheSidecarItsCredentials()
    {
        var app = RunSecrets.Apply([Plan("gateway")], Bytes)[0];

        var start = new SidecarLauncher("dotnet", ["sidecar.dll"]).CreateStartInfo(app);

        start.Environment[RunSecrets.AppApiToken].ShouldBe(app.AppEnvironment[RunSecrets.AppApiToken]);
        start.Environment[PeerAuthenticator.SecretVariable].ShouldBe(app.SidecarEnvironment[PeerAuthenticator.SecretVariable]);
    }

    private byte[] Bytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static AppRunPlan Plan(string appId, Dictionary<string, string>? environment = null) => new()
    {
        AppId = appId,
        AppDirPath = Path.GetTempPath(),
        Command = [],
        DaprHttpPort = 3500,
        DaprGrpcPort = 50001,
        DaprInternalPort = 50002,
        MetricsPort = 9090,
        AppEnvironment = environment ?? new Dictionary<string, string> { ["APP_ID"] = appId },
        SidecarArguments = ["--app-id", appId],
    };
}

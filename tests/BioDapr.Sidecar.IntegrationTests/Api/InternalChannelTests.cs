using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using BioDapr.Sidecar.Security;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>
/// The sidecars' internal channel under a run secret: only the run's sidecars get in, the caller's
/// identity is the authenticated one, the callee's access control list and body limit apply.
/// </summary>
public sealed class InternalChannelTests : IAsyncLifetime
{
    private const string Secret = "run-secret-for-tests";

    private const string OrdersConfiguration = """
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata: { name: orders }
        spec:
          accessControl:
            defaultAction: allow
            trustDomain: public
            policies:
              - appId: gateway
                defaultAction: deny
                trustDomain: public
                namespace: default
                operations:
                  - { name: /orders/**, httpVerb: [POST, GET], action: allow }
              - { appId: payments, defaultAction: deny, trustDomain: public, namespace: default }
        """;

    private readonly string _nameResolution = Directory.CreateTempSubdirectory("biodapr-nr-").FullName;
    private TestApp _ordersApp = null!;
    private TestSidecar _orders = null!;
    private TestSidecar _gateway = null!;
    private TestSidecar _payments = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _ordersApp = await TestApp.StartAsync();
        _ordersApp.Handler = (request, context) => request.PathAndQuery.StartsWith("/orders", StringComparison.Ordinal) ? context.Response.WriteAsync("ok") : Task.CompletedTask;
        _orders = await TestSidecar.StartAsync(
            "orders", new Dictionary<string, string>(), _ordersApp.Port, _nameResolution, s => s with { InternalSecret = Secret, MaxBodySize = 1024 }, OrdersConfiguration);
        await _orders.WaitUntilReadyAsync();
        _gateway = await TestSidecar.StartAsync("gateway", new Dictionary<string, string>(), nameResolutionDirectory: _nameResolution, configure: s => s with { InternalSecret = Secret });
        _payments = await TestSidecar.StartAsync("payments", new Dictionary<string, string>(), nameResolutionDirectory: _nameResolution, configure: s => s with { InternalSecret = Secret });
    }

    public async ValueTask DisposeAsync()
    {
        await _payments.DisposeAsync();
        await _gateway.DisposeAsync();
        await _orders.DisposeAsync();
        await _ordersApp.DisposeAsync();
        Directory.Delete(_nameResolution, recursive: true);
    }

    [Fact]
    public async Task AllowedCall_ReachesTheApp_WithTheAuthenticatedCallerId_EvenWhenTheClientForgedOne()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/invoke/orders/method/orders") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.Add("dapr-caller-app-id", "payments");

        using var response = await _gateway.Client.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var received = _ordersApp.RequestsTo("/orders").ShouldHaveSingleItem();
        received.Headers["dapr-caller-app-id"].ShouldBe("gateway");
        received.Headers.ContainsKey(PeerAuthenticator.CredentialHeader).ShouldBeFalse("the run's credential never reaches an app");
    }

    [Fact]
    public async Task CallTheCalleesPolicyDenies_Is403_AsDaprdAnswers_AndNeverReachesTheApp()
    {
        using var response = await _payments.Client.PostAsync("/v1.0/invoke/orders/method/orders", new StringContent("{}"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe(
            """{"errorCode":"ERR_DIRECT_INVOKE","message":"failed to invoke, id: orders, err: rpc error: code = PermissionDenied desc = access control policy has denied access to id: spiffe://public/ns/default/payments operation: orders verb: POST"}""");
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task VerbThePolicyDoesNotList_IsDenied()
    {
        using var response = await _gateway.Client.DeleteAsync("/v1.0/invoke/orders/method/orders/42", Ct);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.Forbidden, "ERR_DIRECT_INVOKE");
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task DirectCallOnTheInternalPort_WithoutTheRunsCredential_IsRefused_EvenWithAForgedCallerId()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_orders.Host.InternalPort}") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/invoke/orders") { Content = new StringContent("{}") };
        request.Headers.Add("dapr-caller-app-id", "gateway");

        using var response = await http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("only the sidecars of this run");
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task HundredMegabyteBody_FromAStranger_IsRefusedWithoutBeingRead()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_orders.Host.InternalPort}") };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/invoke/orders") { Content = new ByteArrayContent(new byte[100 << 20]) };

        HttpStatusCode? status = null;
        try
        {
            using var response = await http.SendAsync(request, Ct);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The sidecar answered and closed the connection while the body was still being sent: also a refusal.
        }

        (status ?? HttpStatusCode.Unauthorized).ShouldBe(HttpStatusCode.Unauthorized);
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task BodyOverTheCalleesLimit_IsRefusedByTheCallee_AndReportedToTheCaller()
    {
        using var response = await _gateway.Client.PostAsync("/v1.0/invoke/orders/method/orders", new ByteArrayContent(new byte[4096]), Ct);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
        body.ShouldContain("code = ResourceExhausted");
        body.ShouldContain("1024 bytes");
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task TheDaprApi_IsNotServedOnTheInternalPort()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_orders.Host.InternalPort}") };

        using var response = await http.PostAsync("/v1.0/publish/pubsub/payments", new StringContent("{}"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SidecarWithoutTheRunsSecret_IsRefused()
    {
        await using var stranger = await TestSidecar.StartAsync("stranger", new Dictionary<string, string>(), nameResolutionDirectory: _nameResolution);

        using var response = await stranger.Client.PostAsync("/v1.0/invoke/orders/method/orders", new StringContent("{}"), Ct);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
        body.ShouldContain("code = Unauthenticated");
        _ordersApp.RequestsTo("/orders").ShouldBeEmpty();
    }

    [Fact]
    public async Task NameResolutionEntryWrittenByAStranger_IsIgnored()
    {
        await using var impostor = await TestApp.StartAsync();
        await File.WriteAllTextAsync(
            Path.Combine(_nameResolution, "billing@0.json"),
            $$"""{"appId":"billing","internalPort":{{impostor.Port}},"httpPort":{{impostor.Port}},"processId":{{Environment.ProcessId}},"actorTypes":[],"instanceId":"0","appReady":true}""",
            Ct);

        using var response = await _gateway.Client.PostAsync("/v1.0/invoke/billing/method/charge", new StringContent("{}"), Ct);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
        body.ShouldContain("couldn't find service: billing");
        impostor.RequestsTo("/").ShouldBeEmpty("the gateway's sidecar never sent its credential to the impostor");
    }
}

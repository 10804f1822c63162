using System.Net;
using System.Text;
using BioDapr.Sidecar.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.IntegrationTests.Api;

/// <summary>Service invocation between two sidecars that find each other through name resolution.</summary>
public sealed class InvocationTests : IAsyncLifetime
{
    private readonly string _nameResolution = Directory.CreateTempSubdirectory("biodapr-nr-").FullName;
    private TestApp _calleeApp = null!;
    private TestSidecar _caller = null!;
    private TestSidecar _callee = null!;

    public async ValueTask InitializeAsync()
    {
        _calleeApp = await TestApp.StartAsync();
        _callee = await TestSidecar.StartAsync(
            "inventory", new Dictionary<string, string>(), _calleeApp.Port, _nameResolution, s => s with { AppApiToken = "callee-token" });
        _caller = await TestSidecar.StartAsync(
            "orders",
            new Dictionary<string, string> { ["resiliency.yaml"] = Resiliency },
            nameResolutionDirectory: _nameResolution,
            configYaml: "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata: {name: c}\nspec:\n  tracing:\n    samplingRate: \"1\"\n");
        await _callee.WaitUntilReadyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _caller.DisposeAsync();
        await _callee.DisposeAsync();
        await _calleeApp.DisposeAsync();
        Directory.Delete(_nameResolution, recursive: true);
    }

    private const string Resiliency = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: pathways
        spec:
          policies:
            timeouts:
              # Long enough that a loaded machine does not time out (and retry) a call the test expects once.
              short: 1s
            retries:
              twice:
                policy: constant
                duration: 10ms
                maxRetries: 2
                matching:
                  httpStatusCodes: "503"
          targets:
            apps:
              inventory:
                timeout: short
                retry: twice
        """;

    [Fact]
    public async Task Invoke_ForwardsMethodQueryBodyAndIdentityHeaders()
    {
        _calleeApp.Handler = (request, context) => Reply(context, 201, "reserved");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1.0/invoke/inventory/method/reservations/42?sku=a")
        {
            Content = new StringContent("""{"qty":2}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", "00-11111111111111111111111111111111-2222222222222222-01");
        request.Headers.Add("x-custom", "yes");

        using var response = await _caller.Client.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("reserved");
        var received = _calleeApp.RequestsTo("/reservations/42").Single();
        received.Method.ShouldBe("POST");
        received.PathAndQuery.ShouldBe("/reservations/42?sku=a");
        received.BodyText.ShouldBe("""{"qty":2}""");
        received.Headers["dapr-caller-app-id"].ShouldBe("orders");
        received.Headers["dapr-callee-app-id"].ShouldBe("inventory");
        received.Headers["x-custom"].ShouldBe("yes");
        received.Headers["dapr-api-token"].ShouldBe("callee-token");
        received.Headers["traceparent"].ShouldStartWith("00-11111111111111111111111111111111-");
        received.Headers.ContainsKey("Forwarded").ShouldBeTrue();
        received.Headers.ContainsKey("X-Forwarded-Host").ShouldBeTrue();
    }

    [Fact]
    public async Task Invoke_WithDaprAppIdHeader_UsesThePathAsMethod()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/stock/7");
        request.Headers.Add("dapr-app-id", "inventory");

        using var response = await _caller.Client.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        _calleeApp.RequestsTo("/stock/7").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Invoke_503ThenSuccess_IsRetriedByTheCallersPolicy()
    {
        var calls = 0;
        _calleeApp.Handler = (_, context) => Reply(context, Interlocked.Increment(ref calls) < 3 ? 503 : 200, "x");

        using var response = await _caller.Client.GetAsync("/v1.0/invoke/inventory/method/flaky", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        calls.ShouldBe(3);
    }

    [Fact]
    public async Task Invoke_ErrorNotMatchedByPolicy_IsPassedThroughOnce()
    {
        var calls = 0;
        _calleeApp.Handler = (_, context) =>
        {
            Interlocked.Increment(ref calls);
            return Reply(context, 400, "bad order");
        };

        using var response = await _caller.Client.GetAsync("/v1.0/invoke/inventory/method/strict", TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldBe("bad order");
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task Invoke_SlowTarget_TimesOutPerAttemptWith500()
    {
        _calleeApp.Handler = async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
        };

        using var response = await _caller.Client.GetAsync("/v1.0/invoke/inventory/method/slow", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
    }

    [Fact]
    public async Task Invoke_UnknownApp_Returns500DirectInvoke()
    {
        using var response = await _caller.Client.GetAsync("/v1.0/invoke/nobody/method/x", TestContext.Current.CancellationToken);

        var body = await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
        body.ShouldContain("nobody");
    }

    [Fact]
    public async Task Invoke_ForbiddenCharacterInMethod_IsRejected()
    {
        using var response = await _caller.Client.GetAsync("/v1.0/invoke/inventory/method/a%23b", TestContext.Current.CancellationToken);

        await PublishApiTests.ShouldBeDaprErrorAsync(response, HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE");
        _calleeApp.Requests.ShouldNotContain(r => r.PathAndQuery.Contains('#', StringComparison.Ordinal));
    }

    private static async Task Reply(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        await context.Response.WriteAsync(body);
    }
}

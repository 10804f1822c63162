using System.Net;
using System.Text;
using BioDapr.Control.Replicas;

namespace BioDapr.Control.Tests.Replicas;

public sealed class RunnerReplicaScalerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Scale_PutsTheCountWithTheToken_AndReadsTheCell()
    {
        using var handler = new Capturing(HttpStatusCode.OK, """{"appId":"orders","replicas":[{"replica":0,"state":"ready","daprHttpPort":3500,"appPort":5201,"sidecarPid":10,"appPid":11},{"replica":1,"state":"ready","daprHttpPort":41000,"appPort":41001,"sidecarPid":12,"appPid":13}]}""");
        using var http = new HttpClient(handler);
        var scaler = new RunnerReplicaScaler(http, new Uri("http://127.0.0.1:4999"), "secret");

        var cell = await scaler.ScaleAsync("orders", 2, Ct);

        handler.Method.ShouldBe(HttpMethod.Put);
        handler.Uri.ShouldBe(new Uri("http://127.0.0.1:4999/v1.0/apps/orders/replicas"));
        handler.Authorization.ShouldBe("Bearer secret");
        handler.Body.ShouldBe("""{"replicas":2}""");
        cell.AppId.ShouldBe("orders");
        cell.Replicas.Select(r => (r.Replica, r.State, r.DaprHttpPort)).ShouldBe([(0, "ready", 3500), (1, "ready", 41000)]);
    }

    [Fact]
    public async Task Scale_Refused_ThrowsWithTheRunnersReasonAndStatus()
    {
        using var handler = new Capturing(HttpStatusCode.NotFound, """{"title":"Unknown app","status":404,"detail":"app 'nobody' is not part of this run (apps: orders)"}""");
        using var http = new HttpClient(handler);
        var scaler = new RunnerReplicaScaler(http, new Uri("http://127.0.0.1:4999"), "secret");

        var ex = await Should.ThrowAsync<ReplicaScalingException>(() => scaler.ScaleAsync("nobody", 2, Ct));

        ex.StatusCode.ShouldBe(404);
        ex.Message.ShouldContain("app 'nobody' is not part of this run (apps: orders)");
    }

    [Fact]
    public async Task RunnerAway_ThrowsNamingTheAddress()
    {
        using var http = new HttpClient(new Failing());
        var scaler = new RunnerReplicaScaler(http, new Uri("http://127.0.0.1:4999"), "secret");

        var ex = await Should.ThrowAsync<ReplicaScalingException>(() => scaler.ListAsync(Ct));

        ex.Message.ShouldContain("the runner's control API at http://127.0.0.1:4999/ cannot be reached");
    }

    [Fact]
    public void FromEnvironment_NeedsBothTheAddressAndTheToken()
    {
        using var http = new HttpClient();
        RunnerReplicaScaler.FromEnvironment(http, _ => null).ShouldBeNull();
        RunnerReplicaScaler.FromEnvironment(http, name => name == RunnerReplicaScaler.UrlVariable ? "http://127.0.0.1:4999" : null).ShouldBeNull();
        RunnerReplicaScaler.FromEnvironment(http, name => name == RunnerReplicaScaler.UrlVariable ? "not a url" : "t").ShouldBeNull();
        RunnerReplicaScaler.FromEnvironment(http, name => name == RunnerReplicaScaler.UrlVariable ? "http://127.0.0.1:4999" : "t").ShouldNotBeNull();
    }

    private sealed class Capturing(HttpStatusCode status, string answer) : HttpMessageHandler
    {
        public HttpMethod? Method { get; private set; }

        public Uri? Uri { get; private set; }

        public string? Authorization { get; private set; }

        public string? Body { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Method = request.Method;
            Uri = request.RequestUri;
            Authorization = request.Headers.Authorization?.ToString();
            Body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(status) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }

    private sealed class Failing : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new HttpRequestException("Connection refused");
    }
}

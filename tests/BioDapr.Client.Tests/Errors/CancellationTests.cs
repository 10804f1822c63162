using BioDapr.Client.Tests.Fakes;

namespace BioDapr.Client.Tests.Errors;

public sealed class CancellationTests
{
    [Fact]
    public async Task PublishEventAsync_AlreadyCancelled_ThrowsWithoutSending()
    {
        using var sidecar = new TestSidecar();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => sidecar.Client.PublishEventAsync("pubsub", "t", 1, cancellationToken: cts.Token));

        sidecar.Handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetStateAsync_CancelledInFlight_ThrowsOperationCanceled()
    {
        using var sidecar = new TestSidecar();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sidecar.Handler.RespondWith(async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("not reached");
        });

        var get = sidecar.Client.GetStateAsync<int>("s", "k", cancellationToken: cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await cts.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => get);
    }

    [Fact]
    public async Task InvokeMethodWithResponseAsync_CancelledInFlight_ThrowsOperationCanceled()
    {
        using var sidecar = new TestSidecar();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        sidecar.Handler.RespondWith(async (_, token) =>
        {
            await Task.Delay(Timeout.Infinite, token);
            throw new InvalidOperationException("not reached");
        });
        using var request = sidecar.Client.CreateInvokeMethodRequest(HttpMethod.Get, "app", "slow");

        var call = sidecar.Client.InvokeMethodWithResponseAsync(request, cts.Token);
        cts.CancelAfter(TimeSpan.FromMilliseconds(50));

        await Should.ThrowAsync<OperationCanceledException>(() => call);
    }
}

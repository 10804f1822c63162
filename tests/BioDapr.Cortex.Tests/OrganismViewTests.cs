using System.Text.Json;
using BioDapr.Contracts.Events;
using BioDapr.Contracts.Vitals;
using BioDapr.Cortex.Dashboard;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Cortex.Tests;

/// <summary>What the organism page receives for a cell's vitals: each pathway window with its state, the cell's state.</summary>
public sealed class OrganismViewTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 21, 0, 5, TimeSpan.Zero));

    private OrganismView View() => new(Options.Create(new DashboardOptions()), _time);

    private static VitalsReported Vitals(params VitalsWindow[] windows) => new("orders", 1, windows);

    [Fact]
    public void AWindowWithRetriesAndNoCallThatEnded_ReachesThePageAsErrors_WithWhatWasAttempted()
    {
        var view = View();
        var window = PathwayHealthTests.Window() with { Calls = 1, Attempts = 3, Retries = 2, InFlight = 1, Limit = 8 };

        view.Record(Vitals(window));

        var point = view.Snapshot().Pathways.ShouldHaveSingleItem().Points.ShouldHaveSingleItem();
        point.Health.ShouldBe(PathwayHealth.Errors);
        (point.Started, point.Ended, point.Attempts, point.Retries, point.InFlight).ShouldBe((1L, 0L, 3L, 2L, 1));
    }

    [Fact]
    public void EachWindowKeepsItsOwnState_InOrder()
    {
        var view = View();
        var window = PathwayHealthTests.Window();

        view.Record(Vitals(window with { Calls = 2, Successes = 2, Attempts = 2 }));
        view.Record(Vitals(window with { Calls = 1, Attempts = 1, InFlight = 1 }));
        view.Record(Vitals(window with { Calls = 2, Successes = 1, ServerErrors = 1, Attempts = 3, Retries = 1 }));

        view.Snapshot().Pathways.ShouldHaveSingleItem().Points.Select(p => p.Health).ShouldBe([PathwayHealth.Ok, PathwayHealth.Waiting, PathwayHealth.Errors]);
    }

    [Fact]
    public async Task ACellIsErrorsWhenItsEndpointsAnswered5xx_AndTheStatesArePushedToOpenPages()
    {
        var view = View();
        var endpoint = PathwayHealthTests.Window(VitalsKind.Endpoint, "POST /orders");
        view.Snapshot().Cells.Single(c => c.Cell == "orders").Health.ShouldBe(PathwayHealth.Idle, "not seen yet");
        await using var events = view.SubscribeAsync(Ct).GetAsyncEnumerator(Ct);
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.EventType.ShouldBe("snapshot");

        view.Record(Vitals(endpoint with { Calls = 4, Successes = 2, ServerErrors = 2 }, PathwayHealthTests.Window() with { Attempts = 1, Retries = 1, InFlight = 1 }));

        var cell = view.Snapshot().Cells.Single(c => c.Cell == "orders");
        (cell.Vitals, cell.Health, cell.Calls, cell.ServerErrors).ShouldBe(("active", PathwayHealth.Errors, 4L, 2L));
        (await events.MoveNextAsync()).ShouldBeTrue();
        events.Current.EventType.ShouldBe("vitals");
        using var pushed = JsonDocument.Parse(events.Current.Data);
        pushed.RootElement.GetProperty("health").GetString().ShouldBe(PathwayHealth.Errors);
        pushed.RootElement.GetProperty("calls").GetInt64().ShouldBe(4);
        var pathway = pushed.RootElement.GetProperty("pathways").EnumerateArray().ShouldHaveSingleItem();
        pathway.GetProperty("pathway").GetString().ShouldBe("orders→inventory");
        pathway.GetProperty("point").GetProperty("health").GetString().ShouldBe(PathwayHealth.Errors);
        pathway.GetProperty("point").GetProperty("ended").GetInt64().ShouldBe(0);
    }
}

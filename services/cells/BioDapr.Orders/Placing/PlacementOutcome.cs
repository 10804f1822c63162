using BioDapr.Orders.Apis;

namespace BioDapr.Orders.Placing;

/// <summary>The answer to a placement (or to giving one up): an accepted order, or a problem with its status.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Accepted">The accepted order (201).</param>
/// <param name="Title">The problem's title.</param>
/// <param name="Detail">The problem's detail.</param>
/// <param name="Replayed">True when this is the first outcome of an earlier request with the same key.</param>
/// <param name="RolledBack">True when nothing was ordered: the attempt was rolled back or never started.</param>
public sealed record PlacementOutcome(int Status, OrderAccepted? Accepted, string? Title, string? Detail, bool Replayed, bool RolledBack = false)
{
    /// <summary>An accepted order.</summary>
    public static PlacementOutcome Created(OrderAccepted accepted, bool replayed) => new(StatusCodes.Status201Created, accepted, null, null, replayed);

    /// <summary>A problem.</summary>
    public static PlacementOutcome Problem(int status, string title, string detail, bool replayed = false) => new(status, null, title, detail, replayed);

    /// <summary>The attempt was rolled back: nothing reserved, nothing charged.</summary>
    public static PlacementOutcome Aborted(string detail) => new(StatusCodes.Status503ServiceUnavailable, null, "Not placed", detail, Replayed: false, RolledBack: true);
}

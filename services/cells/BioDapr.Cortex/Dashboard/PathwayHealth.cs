using BioDapr.Contracts.Vitals;

namespace BioDapr.Cortex.Dashboard;

/// <summary>
/// How the organism page colours a pathway (a service invocation from one cell to another) for one vitals window.
/// Activity is anything that happened to a call: started, ended, retried, or still in flight. A window is judged on
/// all of it, not only on the calls that ended: with a sick target and retries, a window can hold attempts and failed
/// tries but no call that finished, and that window is failing, not idle.
/// </summary>
public static class PathwayHealth
{
    /// <summary>Nothing happened: no call started, ended or was retried, and none is in flight.</summary>
    public const string Idle = "idle";

    /// <summary>Calls ended with usable answers, and nothing failed or needed a retry.</summary>
    public const string Ok = "ok";

    /// <summary>
    /// Something failed: a call ended with a 5xx, a timeout, a transport error, the open breaker, shedding or the
    /// caller giving up, or an attempt failed and was retried (the caller may not have seen it). Successes or not.
    /// </summary>
    public const string Errors = "errors";

    /// <summary>Calls started or are in flight, but none ended and none was retried in the window: no verdict yet.</summary>
    public const string Waiting = "waiting";

    /// <summary>The state of a pathway in <paramref name="window"/>.</summary>
    public static string Of(VitalsWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        if (window.Failures > 0 || window.Retries > 0)
        {
            return Errors;
        }

        if (window.Successes > 0)
        {
            return Ok;
        }

        return window.HasActivity ? Waiting : Idle;
    }

    /// <summary>
    /// The state of a cell's endpoints (the requests it served) in one vitals report: <see cref="Errors"/> when any
    /// answered 5xx or failed inside the cell, <see cref="Ok"/> when requests ended, <see cref="Waiting"/> when some are
    /// only in flight, <see cref="Idle"/> otherwise. Shed requests are shown beside it, not as errors: shedding is the
    /// cell protecting itself.
    /// </summary>
    public static string OfEndpoints(IEnumerable<VitalsWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var endpoints = windows.Where(w => w.Kind == VitalsKind.Endpoint).ToList();
        if (endpoints.Any(w => w.ServerErrors + w.Timeouts + w.TransportErrors > 0))
        {
            return Errors;
        }

        if (endpoints.Any(w => w.Completed > 0))
        {
            return Ok;
        }

        return endpoints.Any(w => w.HasActivity) ? Waiting : Idle;
    }
}

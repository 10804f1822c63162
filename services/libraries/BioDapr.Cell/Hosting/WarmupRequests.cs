using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Cell.Hosting;

/// <summary>
/// Tells the cell's own warm-up requests (<see cref="WarmupProbe"/>) from its clients': the warm-up sends each probe with
/// <see cref="Header"/> set to a token made at start and known only to this process, over loopback. What judges
/// clients (the gateway's anomaly detector) skips them: a probe is meant to fail (an invalid body, an unknown order id),
/// and it carries a real client's key, so counted as that client's it made the end-to-end suite's well-behaved client
/// look like it sent bursts of client errors (4 × 400 and 3 × 404 in the gateway's warm-up rounds).
/// </summary>
public sealed class WarmupRequests
{
    /// <summary>The request header that carries the token.</summary>
    public const string Header = "X-BioDapr-Warmup";

    private readonly byte[] _token = Encoding.ASCII.GetBytes(Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));

    /// <summary>The token the warm-up sends (this process's, made at start).</summary>
    public string Token => Encoding.ASCII.GetString(_token);

    /// <summary>Whether <paramref name="request"/> is one of this process's warm-up requests: from loopback, with the token.</summary>
    public bool IsWarmup(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Connection.RemoteIpAddress is not { } address || !IPAddress.IsLoopback(address)
            || !request.Headers.TryGetValue(Header, out var value) || value.Count != 1 || value[0] is not { } sent)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent), _token);
    }
}

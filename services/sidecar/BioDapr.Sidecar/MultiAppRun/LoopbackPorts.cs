using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace BioDapr.Sidecar.MultiAppRun;

/// <summary>
/// Picks TCP ports for processes that will bind them later (sidecars, apps, test servers).
/// <para>
/// A port that the OS hands out for <c>bind(0)</c> comes from the ephemeral range, the same range the
/// kernel uses for the local end of every outgoing connection: between the probe and the real bind,
/// any outgoing loopback connection (a health poll, a Redis client) can take it, and the later bind
/// fails with "address already in use". Ports here come from below the ephemeral range, where the
/// kernel never assigns implicitly, so only another explicit bind can take them. A port is handed out
/// only if it can be bound right now (IPv4 and IPv6, any address) and is not reserved: each pick is
/// recorded as a file named after the port in a directory every picker on the machine shares (a test
/// and the runner it starts both pick, and neither has bound its ports yet), holding the picking
/// process's id; a reservation whose process has ended is taken over. Each process walks the range
/// from a random start, so pickers rarely even meet.
/// </para>
/// </summary>
public static class LoopbackPorts
{
    /// <summary>The lowest port handed out (above the well-known and common service ports).</summary>
    public const int Floor = 10000;

    // The ephemeral range is read from Linux; elsewhere the IANA range is assumed.
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";

    private static readonly string ReservationDirectory = Path.Combine(Path.GetTempPath(), "biodapr-ports");
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];
    private static readonly (int Low, int High) Range = ComputeRange(ReadEphemeralRange());

    // A random start per process: not part of any replayed computation, so it needs no seed.
    private static bool _swept;

    private static int _cursor = Range.Low + Random.Shared.Next(Range.High - Range.Low + 1);

    /// <summary>A port below the ephemeral range that nothing listens on and this process has not handed out before.</summary>
    /// <exception cref="InvalidOperationException">No free port was found in the whole range.</exception>
    public static int Next()
    {
        lock (Gate)
        {
            if (!_swept)
            {
                _swept = true;
                SweepStaleReservations(ReservationDirectory);
            }

            var size = Range.High - Range.Low + 1;
            for (var tried = 0; tried < size; tried++)
            {
                var port = _cursor;
                _cursor = _cursor == Range.High ? Range.Low : _cursor + 1;
                if (!HandedOut.Contains(port) && CanBind(port) && TryReserve(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"no free TCP port between {Range.Low} and {Range.High}");
    }

    /// <summary>Claims the port for this process unless a living process claimed it first.</summary>
    internal static bool TryReserve(int port, string? directory = null)
    {
        directory ??= ReservationDirectory;
        var path = Path.Combine(directory, port.ToString(CultureInfo.InvariantCulture));
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            Directory.CreateDirectory(directory);
            for (var attempt = 0; attempt < 2; attempt++)
            {
                try
                {
                    using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
                    file.Write(System.Text.Encoding.ASCII.GetBytes(self));
                    return true;
                }
                catch (IOException) when (File.Exists(path))
                {
                    var owner = File.ReadAllText(path).Trim();
                    if (owner.Length == 0 && DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromSeconds(5))
                    {
                        return false; // Being written by its owner right now.
                    }

                    if (owner == self || (int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && IsAlive(pid)))
                    {
                        return false;
                    }

                    // The process that reserved it has ended: the reservation is stale.
                    File.Delete(path);
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No shared directory to write to: the bind probe alone decides.
            return true;
        }
    }

    /// <summary>Deletes the reservations of processes that have ended (once per process, so the directory stays small).</summary>
    internal static void SweepStaleReservations(string directory)
    {
        try
        {
            foreach (var path in Directory.EnumerateFiles(directory))
            {
                var owner = File.ReadAllText(path).Trim();
                var stale = int.TryParse(owner, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    ? !IsAlive(pid)
                    : DateTime.UtcNow - File.GetLastWriteTimeUtc(path) > TimeSpan.FromMinutes(1);
                if (stale)
                {
                    File.Delete(path);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing to sweep, or another process is sweeping: harmless.
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Whether nothing is bound to <paramref name="port"/> on any local address (IPv4 or IPv6).</summary>
    public static bool CanBind(int port)
    {
        try
        {
            // Without SO_REUSEADDR, a wildcard bind conflicts with any other bind of the port.
            using var socket = new Socket(Socket.OSSupportsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (socket.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = true;
                socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            else
            {
                socket.Bind(new IPEndPoint(IPAddress.Any, port));
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The ports handed out: from <see cref="Floor"/> to just below the ephemeral range.</summary>
    internal static (int Low, int High) ComputeRange((int Low, int High)? ephemeral)
    {
        var (low, high) = ephemeral ?? (49152, 65535);
        const int Enough = 1000;
        if (low - 1 - Floor >= Enough)
        {
            return (Floor, low - 1);
        }

        // An ephemeral range that starts very low leaves no room below it: use the ports above it,
        // or, when there is no room there either, everything (the bind probe still applies).
        return 65535 - high >= Enough ? (high + 1, 65535) : (Floor, 65535);
    }

    /// <summary>Parses the Linux ephemeral range ("32768\t60999").</summary>
    internal static (int Low, int High)? ParseEphemeralRange(string text)
    {
        var parts = text.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var high)
            && low <= high
                ? (low, high)
                : null;
    }

    private static (int Low, int High)? ReadEphemeralRange()
    {
        try
        {
            return File.Exists(EphemeralRangeFile) ? ParseEphemeralRange(File.ReadAllText(EphemeralRangeFile)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

namespace BioDapr.Immune.Live;

/// <summary>Where on the loopback network (<see cref="Launcher.LoopbackSources"/>) each address of the labelled mix is played from.</summary>
internal static class MixAddress
{
    /// <summary>The mix's address (10.i.c.d for legitimate clients, an attack network otherwise) on the loopback network.</summary>
    public static string ToLoopback(string address)
    {
        var parts = address.Split('.');
        if (parts.Length != 4)
        {
            throw new ArgumentException($"'{address}' is not an IPv4 address", nameof(address));
        }

        // Legitimate clients keep their own /24s (127.10+i.c.d); each attack network gets one second octet of its own.
        var second = parts[0] == "10"
            ? 10 + int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)
            : (parts[0] + "." + parts[1]) switch
            {
                "198.51" => 201,
                "203.0" => 202,
                "192.0" => 203,
                "100.64" => 204,
                "172.16" => 205,
                _ => 209,
            };
        return $"127.{second}.{parts[2]}.{parts[3]}";
    }
}

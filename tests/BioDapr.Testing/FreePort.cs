using BioDapr.Sidecar.MultiAppRun;

namespace BioDapr.Testing;

/// <summary>Finds TCP ports on loopback that nothing listens on.</summary>
public static class FreePort
{
    /// <summary>
    /// A free port below the OS's ephemeral range, as the multi-app runner picks them (see
    /// <see cref="LoopbackPorts"/>): an outgoing connection cannot take it before its server binds it.
    /// </summary>
    public static int Next() => LoopbackPorts.Next();
}

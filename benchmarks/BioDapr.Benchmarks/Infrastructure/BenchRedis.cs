using BioDapr.Launcher;

namespace BioDapr.Benchmarks.Infrastructure;

/// <summary>A throw-away redis-server for one benchmark run (the launcher's <see cref="RedisProcess"/>, as the tests use), and free ports.</summary>
internal static class BenchRedis
{
    /// <summary>Starts a redis-server without persistence on a free port; dispose it to stop it.</summary>
    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess();
        await redis.StartAsync();
        return redis;
    }

    /// <summary>A free port below the ephemeral range, picked as the multi-app runner picks them.</summary>
    public static int FreePort() => BioDapr.Sidecar.MultiAppRun.LoopbackPorts.Next();
}

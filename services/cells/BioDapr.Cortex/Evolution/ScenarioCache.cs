using System.Collections.Concurrent;
using BioDapr.Scenarios;

namespace BioDapr.Cortex.Evolution;

/// <summary>Scenario files read once per replica (by path and shortening), for the evaluation activities.</summary>
public sealed class ScenarioCache
{
    private readonly ConcurrentDictionary<(string Path, double Shorten), Lazy<Scenario>> _scenarios = new();

    private long _reads;

    /// <summary>How many times an activity of this replica asked for a scenario (one per evaluation).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The scenario at <paramref name="path"/>, shortened by <paramref name="shorten"/> (read once, then cached).</summary>
    public Scenario Get(string path, double shorten)
    {
        Interlocked.Increment(ref _reads);
        return _scenarios.GetOrAdd((path, shorten), key => new Lazy<Scenario>(() =>
        {
            var scenario = ScenarioParser.Load(key.Path);
            return key.Shorten < 1 ? scenario.Shortened(key.Shorten) : scenario;
        }, LazyThreadSafetyMode.PublicationOnly)).Value; // a failed read (file missing, being written) is retried next time
    }
}

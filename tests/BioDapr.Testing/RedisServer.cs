using BioDapr.Launcher;
using Xunit;

namespace BioDapr.Testing;

/// <summary>A real redis-server (<see cref="RedisProcess"/>) as an xunit fixture: started before the first test that uses it, stopped and deleted after the last.</summary>
public sealed class RedisServer : RedisProcess, IAsyncLifetime
{
    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

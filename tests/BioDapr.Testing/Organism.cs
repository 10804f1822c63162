using BioDapr.Launcher;
using Xunit;

namespace BioDapr.Testing;

/// <summary>
/// The organism (<see cref="LocalOrganism"/>) as an xunit fixture: started before a test class's first test, stopped
/// after its last. Its Redis keeps an append-only file, as under <c>./biodapr up</c>, so a test may restart it.
/// </summary>
public sealed class Organism : LocalOrganism, IAsyncLifetime
{
    /// <summary>An organism whose Redis persists every write.</summary>
    public Organism()
    {
        RedisAppendOnly = true;
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

using BioDapr.Launcher;
using Xunit;

namespace BioDapr.Testing;

/// <summary>The organism (<see cref="LocalOrganism"/>) as an xunit fixture: started before a test class's first test, stopped after its last.</summary>
public sealed class Organism : LocalOrganism, IAsyncLifetime
{
    /// <inheritdoc />
    public ValueTask InitializeAsync() => new(StartAsync(TestContext.Current.CancellationToken));
}

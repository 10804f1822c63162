using BioDapr.Cell.Hormones;

namespace BioDapr.Gateway.Tests;

/// <summary>Hormones that never change: a cell's settings pinned for a unit test.</summary>
internal sealed class FixedHormones<T>(T value) : IHormones<T>
    where T : class
{
    public T Current => value;

    public long Version => 1;

    public string StoreName => "hormones";

    public IReadOnlyDictionary<string, string> Keys => new Dictionary<string, string>();

    public long Rejections => 0;

    public HormoneRejection? LastRejection => null;

    public IDisposable OnChange(Action<T> listener) => new NoSubscription();

    private sealed class NoSubscription : IDisposable
    {
        public void Dispose()
        {
        }
    }
}

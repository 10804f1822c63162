using BioDapr.Sidecar.Components;

namespace BioDapr.Sidecar.Tests.Components;

internal static class TestComponents
{
    /// <summary>Component metadata as the loader would pass it: properties matched case-insensitively.</summary>
    public static ComponentMetadata Metadata(string type, params (string Name, string Value)[] properties) =>
        new(
            "test-" + type.Replace('.', '-'),
            type,
            "v1",
            properties.ToDictionary(p => p.Name, p => p.Value, StringComparer.OrdinalIgnoreCase),
            "app",
            "components/test.yaml");

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting: {because}");
            }

            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }
}

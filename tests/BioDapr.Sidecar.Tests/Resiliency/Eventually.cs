namespace BioDapr.Sidecar.Tests.Resiliency;

/// <summary>Polls a condition on real time with a deadline (for continuations running on the thread pool).</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(1);
        }
    }
}

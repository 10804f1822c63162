namespace BioDapr.Testing;

/// <summary>Polls a condition until it holds or a deadline passes. Tests never sleep to wait for something.</summary>
public static class Eventually
{
    /// <summary>Calls <paramref name="probe"/> until <paramref name="condition"/> holds; throws with <paramref name="because"/> after the timeout (default 10 s).</summary>
    public static async Task<T> ReturnsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan? timeout = null, string? because = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{because ?? "The condition did not hold"} (waited {limit.TotalSeconds:0.#} s; last value: {value}).");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string? because = null) =>
        ReturnsAsync(() => Task.FromResult(condition()), v => v, timeout, because);
}

using BioDapr.Testing;

namespace BioDapr.Redis.IntegrationTests;

public sealed class RedisServerTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public void Fixture_StartsServer_OnFreePort()
    {
        redis.Port.ShouldBeGreaterThan(0);
    }
}

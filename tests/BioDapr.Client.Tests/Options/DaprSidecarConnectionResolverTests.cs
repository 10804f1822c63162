namespace BioDapr.Client.Tests.Options;

public sealed class DaprSidecarConnectionResolverTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value);
        return name => map.GetValueOrDefault(name);
    }

    [Fact]
    public void Resolve_NothingSet_UsesLoopbackPort3500WithoutToken()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions(), Env());

        connection.HttpEndpoint.ShouldBe(new Uri("http://127.0.0.1:3500/"));
        connection.ApiToken.ShouldBeNull();
        connection.EndpointSource.ShouldBe("default");
    }

    [Fact]
    public void Resolve_ConfiguredEndpoint_WinsOverEnvironment()
    {
        var options = new DaprSidecarOptions { HttpEndpoint = "http://sidecar:4000" };

        var connection = DaprSidecarConnectionResolver.Resolve(options, Env(("DAPR_HTTP_ENDPOINT", "http://other:1"), ("DAPR_HTTP_PORT", "5000")));

        connection.HttpEndpoint.ShouldBe(new Uri("http://sidecar:4000/"));
        connection.EndpointSource.ShouldBe("Dapr:HttpEndpoint");
    }

    [Fact]
    public void Resolve_EndpointVariable_WinsOverPortVariable()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(
            new DaprSidecarOptions(), Env(("DAPR_HTTP_ENDPOINT", "https://dapr.example:8443"), ("DAPR_HTTP_PORT", "5000")));

        connection.HttpEndpoint.ShouldBe(new Uri("https://dapr.example:8443/"));
        connection.EndpointSource.ShouldBe("DAPR_HTTP_ENDPOINT");
    }

    [Fact]
    public void Resolve_PortVariableOnly_UsesLoopbackWithThatPort()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions(), Env(("DAPR_HTTP_PORT", "3601")));

        connection.HttpEndpoint.ShouldBe(new Uri("http://127.0.0.1:3601/"));
        connection.EndpointSource.ShouldBe("DAPR_HTTP_PORT");
    }

    [Fact]
    public void Resolve_EmptyEndpointSettings_FallThroughToTheNextSource()
    {
        var options = new DaprSidecarOptions { HttpEndpoint = "  " };

        var connection = DaprSidecarConnectionResolver.Resolve(options, Env(("DAPR_HTTP_ENDPOINT", ""), ("DAPR_HTTP_PORT", "3999")));

        connection.HttpEndpoint.ShouldBe(new Uri("http://127.0.0.1:3999/"));
    }

    [Fact]
    public void Resolve_EndpointWithPath_KeepsPathWithTrailingSlash()
    {
        var options = new DaprSidecarOptions { HttpEndpoint = "http://gateway:80/dapr" };

        var connection = DaprSidecarConnectionResolver.Resolve(options, Env());

        connection.HttpEndpoint.AbsoluteUri.ShouldBe("http://gateway/dapr/");
    }

    [Theory]
    [InlineData("localhost:3500")]
    [InlineData("ftp://host:21")]
    [InlineData("/relative/path")]
    [InlineData("http://host:3500/?x=1")]
    public void Resolve_BadConfiguredEndpoint_ThrowsNamingKeyAndValue(string value)
    {
        var options = new DaprSidecarOptions { HttpEndpoint = value };

        var ex = Should.Throw<DaprSidecarConfigurationException>(() => DaprSidecarConnectionResolver.Resolve(options, Env()));

        ex.SettingName.ShouldBe("Dapr:HttpEndpoint");
        ex.Message.ShouldContain("Dapr:HttpEndpoint");
        ex.Message.ShouldContain($"'{value}'");
    }

    [Fact]
    public void Resolve_BadEndpointVariable_ThrowsNamingVariable()
    {
        var ex = Should.Throw<DaprSidecarConfigurationException>(
            () => DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions(), Env(("DAPR_HTTP_ENDPOINT", "not a url"))));

        ex.Message.ShouldStartWith("DAPR_HTTP_ENDPOINT has the invalid value 'not a url'");
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("35 00")]
    public void Resolve_BadPortVariable_ThrowsNamingVariableAndValue(string value)
    {
        var ex = Should.Throw<DaprSidecarConfigurationException>(
            () => DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions(), Env(("DAPR_HTTP_PORT", value))));

        ex.SettingName.ShouldBe("DAPR_HTTP_PORT");
        ex.Value.ShouldBe(value);
        ex.Message.ShouldContain($"DAPR_HTTP_PORT has the invalid value '{value}'");
    }

    [Fact]
    public void Resolve_ConfiguredToken_WinsOverVariable()
    {
        var options = new DaprSidecarOptions { ApiToken = "from-config" };

        var connection = DaprSidecarConnectionResolver.Resolve(options, Env(("DAPR_API_TOKEN", "from-env")));

        connection.ApiToken.ShouldBe("from-config");
    }

    [Fact]
    public void Resolve_TokenVariableOnly_UsesIt()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions(), Env(("DAPR_API_TOKEN", "from-env")));

        connection.ApiToken.ShouldBe("from-env");
    }

    [Fact]
    public void Resolve_EmptyTokenVariable_MeansNoToken()
    {
        var connection = DaprSidecarConnectionResolver.Resolve(new DaprSidecarOptions { ApiToken = "" }, Env(("DAPR_API_TOKEN", "")));

        connection.ApiToken.ShouldBeNull();
    }

    [Fact]
    public void ToString_WithToken_DoesNotRevealIt()
    {
        var connection = new DaprSidecarConnection(new Uri("http://127.0.0.1:3500/"), "s3cr3t", "test");

        connection.ToString().ShouldNotContain("s3cr3t");
        connection.ToString().ShouldContain("API token set");
    }
}

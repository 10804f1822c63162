using Microsoft.Extensions.Time.Testing;
using BioDapr.Sidecar.Invocation;
using BioDapr.Sidecar.Security;
using Microsoft.AspNetCore.Http;

namespace BioDapr.Sidecar.Tests.Security;

/// <summary>The internal channel's credentials: signed by a sidecar of the run, checked by the callee.</summary>
public sealed class PeerAuthenticatorTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void SignedCall_IsAuthenticated_AsTheCallersIdentity()
    {
        var caller = Authenticator("run-secret", "gateway");
        var callee = Authenticator("run-secret", "orders");

        var result = callee.Authenticate(Incoming(caller, "orders"));

        result.Refused.ShouldBeFalse(result.Failure);
        result.Caller.ShouldBe(new SidecarIdentity("public", "default", "gateway"));
    }

    [Fact]
    public void CallSignedWithAnotherRunsSecret_IsRefused()
    {
        var stranger = Authenticator("another-secret", "gateway");
        var callee = Authenticator("run-secret", "orders");

        callee.Authenticate(Incoming(stranger, "orders")).Failure.ShouldNotBeNull().ShouldContain("not signed with this run's secret");
    }

    [Fact]
    public void CallWithoutCredential_IsRefused_WhenTheRunHasASecret()
    {
        var callee = Authenticator("run-secret", "orders");

        callee.Authenticate(new DefaultHttpContext().Request).Failure.ShouldNotBeNull().ShouldContain("no sidecar credential");
    }

    [Fact]
    public void CredentialForAnotherApp_CannotBeReplayedHere()
    {
        var caller = Authenticator("run-secret", "gateway");
        var callee = Authenticator("run-secret", "orders");

        callee.Authenticate(Incoming(caller, "inventory")).Refused.ShouldBeTrue();
    }

    [Fact]
    public void ForgedCallerHeader_IsRefused()
    {
        var caller = Authenticator("run-secret", "notifications");
        var callee = Authenticator("run-secret", "orders");
        var request = Incoming(caller, "orders");
        request.Headers[InvocationHeaders.CallerAppId] = "payments";

        callee.Authenticate(request).Failure.ShouldNotBeNull().ShouldContain("claims to come from app payments");
    }

    [Fact]
    public void TamperedIdentity_IsRefused()
    {
        var caller = Authenticator("run-secret", "notifications");
        var callee = Authenticator("run-secret", "orders");
        var request = Incoming(caller, "orders");
        request.Headers[PeerAuthenticator.CredentialHeader] = request.Headers[PeerAuthenticator.CredentialHeader].ToString().Replace("notifications", "payments", StringComparison.Ordinal);

        callee.Authenticate(request).Refused.ShouldBeTrue();
    }

    [Theory]
    [InlineData("")]
    [InlineData("v1 a b c")]
    [InlineData("v2 public default gateway 1 xyz")]
    [InlineData("v1 public default gateway notanumber xyz")]
    public void MalformedCredential_IsRefused(string credential)
    {
        var callee = Authenticator("run-secret", "orders");
        var request = new DefaultHttpContext().Request;
        request.Headers[PeerAuthenticator.CredentialHeader] = credential;

        callee.Authenticate(request).Refused.ShouldBeTrue();
    }

    [Fact]
    public void OldCredential_IsRefused()
    {
        var caller = Authenticator("run-secret", "gateway");
        var callee = Authenticator("run-secret", "orders");
        var request = Incoming(caller, "orders");

        _time.Advance(PeerAuthenticator.Validity + TimeSpan.FromSeconds(1));

        callee.Authenticate(request).Failure.ShouldNotBeNull().ShouldContain("s old");
    }

    [Fact]
    public void WithoutASecret_EveryCallerIsAcceptedWithoutAnIdentity_AsDaprdWithoutMtls()
    {
        var callee = Authenticator(null, "orders");
        var caller = Authenticator(null, "gateway");
        using var message = new HttpRequestMessage();

        caller.Sign(message, "orders");
        var result = callee.Authenticate(new DefaultHttpContext().Request);

        message.Headers.Contains(PeerAuthenticator.CredentialHeader).ShouldBeFalse();
        result.Refused.ShouldBeFalse();
        result.Caller.ShouldBeNull();
    }

    [Fact]
    public void NameResolutionEntries_AreGenuineOnlyWhenSignedByTheRun()
    {
        var run = Authenticator("run-secret", "orders");
        var stranger = Authenticator("another-secret", "orders");
        var entry = new NameResolutionEntry("orders", 41000, 41001, 1234, ["Counter"]);

        run.IsGenuine(entry with { Signature = run.SignEntry(entry) }).ShouldBeTrue();
        run.IsGenuine(entry).ShouldBeFalse();
        run.IsGenuine(entry with { Signature = stranger.SignEntry(entry) }).ShouldBeFalse();
        run.IsGenuine(entry with { InternalPort = 666, Signature = run.SignEntry(entry) }).ShouldBeFalse();
    }

    private PeerAuthenticator Authenticator(string? secret, string appId) =>
        new(secret, new SidecarIdentity("public", "default", appId), _time);

    private static HttpRequest Incoming(PeerAuthenticator caller, string calleeAppId)
    {
        using var message = new HttpRequestMessage();
        caller.Sign(message, calleeAppId);
        var request = new DefaultHttpContext().Request;
        foreach (var (name, values) in message.Headers)
        {
            request.Headers[name] = values.ToArray();
        }

        return request;
    }
}

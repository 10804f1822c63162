using BioDapr.Sidecar.Resources;
using BioDapr.Sidecar.Security;

namespace BioDapr.Sidecar.Tests.Security;

/// <summary>Access control decisions with daprd's rules (pkg/acl/acl.go).</summary>
public sealed class AccessControlPolicyTests
{
    private static readonly SidecarIdentity Gateway = new("public", "default", "gateway");

    private static readonly AccessControlSpec Spec = new(
        "deny",
        "public",
        [
            new AppPolicySpec("gateway", "deny", "public", "default", [
                new AppOperationSpec("/orders/**", ["POST", "GET"], "allow"),
                new AppOperationSpec("admin", ["*"], "deny"),
                new AppOperationSpec("/open", ["*"], "allow"),
            ]),
            new AppPolicySpec("payments", string.Empty, "public", "default", [new AppOperationSpec("/refunds", ["POST"], "allow")]),
        ]);

    [Theory]
    [InlineData("orders", "POST", true)]
    [InlineData("orders/42/status", "GET", true)]
    [InlineData("orders/42", "DELETE", false)]
    [InlineData("ORDERS", "POST", true)]
    [InlineData("/orders", "POST", true)]
    [InlineData("admin", "GET", false)]
    [InlineData("open", "PATCH", true)]
    [InlineData("stock/apple", "GET", false)]
    public void Evaluate_AppPolicy_DecidesByOperationAndVerb(string operation, string verb, bool allowed)
    {
        var policy = AccessControlPolicy.Create(Spec, isHttp: true)!;

        policy.Evaluate(Gateway, operation, verb).Allowed.ShouldBe(allowed);
    }

    [Fact]
    public void Evaluate_Denied_ExplainsWhoWhatAndHowAsDaprd()
    {
        var policy = AccessControlPolicy.Create(Spec, isHttp: true)!;

        policy.Evaluate(Gateway, "stock/apple", "GET").Denial
            .ShouldBe("access control policy has denied access to id: spiffe://public/ns/default/gateway operation: stock/apple verb: GET");
        policy.Evaluate(null, "stock/apple", "GET").Denial
            .ShouldBe("access control policy has denied access to id:  operation: stock/apple verb: GET");
    }

    [Fact]
    public void Evaluate_CallerWithoutIdentity_OrWithoutPolicy_OrFromAnotherTrustDomain_GetsTheGlobalDefault()
    {
        var deny = AccessControlPolicy.Create(Spec, isHttp: true)!;
        var allow = AccessControlPolicy.Create(Spec with { DefaultAction = "allow" }, isHttp: true)!;

        deny.Evaluate(null, "orders", "POST").Allowed.ShouldBeFalse();
        allow.Evaluate(null, "anything", "POST").Allowed.ShouldBeTrue();
        deny.Evaluate(new SidecarIdentity("public", "default", "stranger"), "orders", "POST").Allowed.ShouldBeFalse();
        allow.Evaluate(new SidecarIdentity("public", "default", "stranger"), "orders", "POST").Allowed.ShouldBeTrue();
        allow.Evaluate(new SidecarIdentity("elsewhere", "default", "gateway"), "orders/42", "DELETE").Allowed.ShouldBeTrue();
        allow.Evaluate(new SidecarIdentity("public", "other-ns", "gateway"), "orders/42", "DELETE").Allowed.ShouldBeTrue();
    }

    [Fact]
    public void Evaluate_PolicyWithoutDefault_KeepsTheGlobalDefaultForUnlistedVerbs()
    {
        var allow = AccessControlPolicy.Create(Spec with { DefaultAction = "allow" }, isHttp: true)!;
        var payments = new SidecarIdentity("public", "default", "payments");

        allow.Evaluate(payments, "refunds", "POST").Allowed.ShouldBeTrue();
        allow.Evaluate(payments, "refunds", "GET").Allowed.ShouldBeTrue();
        allow.Evaluate(payments, "anything", "GET").Allowed.ShouldBeTrue();
    }

    [Fact]
    public void Evaluate_MatchedOperationWithoutVerb_UsesTheAppDefault()
    {
        var policy = AccessControlPolicy.Create(Spec, isHttp: true)!;

        policy.Evaluate(Gateway, "orders", AccessControlPolicy.NoVerb).Allowed.ShouldBeFalse();
    }

    [Fact]
    public void Evaluate_NonHttpApp_IsCaseSensitiveAndIgnoresVerbs()
    {
        var policy = AccessControlPolicy.Create(Spec, isHttp: false)!;

        policy.Evaluate(Gateway, "orders", AccessControlPolicy.NoVerb).Allowed.ShouldBeTrue();
        policy.Evaluate(Gateway, "ORDERS", AccessControlPolicy.NoVerb).Allowed.ShouldBeFalse();
    }

    [Fact]
    public void Create_NothingSpecified_IsNoPolicy()
    {
        AccessControlPolicy.Create(null, isHttp: true).ShouldBeNull();
        AccessControlPolicy.Create(new AccessControlSpec(string.Empty, string.Empty, null), isHttp: true).ShouldBeNull();
        AccessControlPolicy.Create(new AccessControlSpec(string.Empty, string.Empty, []), isHttp: true).ShouldBeNull();
    }

    [Fact]
    public void Create_WithoutGlobalDefault_DeniesWhenPoliciesAreListedOrAbsent_AllowsForAnEmptyList()
    {
        AccessControlPolicy.Create(new AccessControlSpec(string.Empty, "public", null), isHttp: true)!.DefaultAction.ShouldBe("deny");
        AccessControlPolicy.Create(new AccessControlSpec(string.Empty, "public", []), isHttp: true)!.DefaultAction.ShouldBe("allow");
        AccessControlPolicy.Create(Spec with { DefaultAction = string.Empty }, isHttp: true)!.DefaultAction.ShouldBe("deny");
        AccessControlPolicy.Create(Spec with { DefaultAction = "ALLOW" }, isHttp: true)!.DefaultAction.ShouldBe("allow");
    }

    [Fact]
    public void Create_TrustDomainDefaultsToPublic()
    {
        AccessControlPolicy.Create(Spec with { TrustDomain = string.Empty }, isHttp: true)!.TrustDomain.ShouldBe("public");
    }

    [Fact]
    public void Create_PolicyMissingItsAppId_Fails()
    {
        Should.Throw<InvalidOperationException>(() => AccessControlPolicy.Create(
                new AccessControlSpec("deny", "public", [new AppPolicySpec(string.Empty, "deny", "public", "default", [])]), isHttp: true))
            .Message.ShouldEndWith("missing app name on at least one of the app policies: true");
    }

    [Theory]
    [InlineData("get", "GET")]
    [InlineData("PATCH", "PATCH")]
    [InlineData("PROPFIND", "POST")]
    public void VerbOf_FollowsDaprdsHttpExtension(string method, string verb) => AccessControlPolicy.VerbOf(method).ShouldBe(verb);
}

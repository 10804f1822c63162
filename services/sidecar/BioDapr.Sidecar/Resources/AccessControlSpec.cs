namespace BioDapr.Sidecar.Resources;

/// <summary>
/// The Configuration's <c>spec.accessControl</c> as written (daprd's <c>AccessControlSpec</c>); turned into
/// an enforceable policy by <see cref="Security.AccessControlPolicy.Create"/>.
/// </summary>
/// <param name="DefaultAction"><c>defaultAction</c>: <c>allow</c> or <c>deny</c>, empty when absent.</param>
/// <param name="TrustDomain"><c>trustDomain</c>, empty when absent.</param>
/// <param name="Policies"><c>policies</c>; null when the key is absent (daprd tells absent from empty).</param>
internal sealed record AccessControlSpec(string DefaultAction, string TrustDomain, IReadOnlyList<AppPolicySpec>? Policies);

/// <summary>One <c>policies</c> entry: what one calling app may do.</summary>
internal sealed record AppPolicySpec(string AppId, string DefaultAction, string TrustDomain, string Namespace, IReadOnlyList<AppOperationSpec> Operations);

/// <summary>One <c>operations</c> entry: an operation name (globs allowed), its HTTP verbs and the action.</summary>
internal sealed record AppOperationSpec(string Name, IReadOnlyList<string> HttpVerbs, string Action);

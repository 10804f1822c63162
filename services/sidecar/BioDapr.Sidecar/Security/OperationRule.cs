namespace BioDapr.Sidecar.Security;

/// <summary>
/// One <c>operations</c> entry of an app policy: the action per HTTP verb (<c>*</c> for any verb) and the
/// action used for calls without a verb (daprd's gRPC app channel).
/// </summary>
/// <param name="Operation">The operation name as stored (leading <c>/</c>, lower case for HTTP apps).</param>
/// <param name="VerbActions">Verb (as written in the policy, case-sensitive) to action.</param>
/// <param name="Action">The action for calls without a verb.</param>
internal sealed record OperationRule(string Operation, IReadOnlyDictionary<string, string> VerbActions, string Action);

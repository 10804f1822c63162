namespace BioDapr.Gateway.Immune;

/// <summary>The detector's score of one request (or of a caller's requests in flight).</summary>
/// <param name="Target">What a quarantine would hold: <c>client:NAME</c>, <c>client:NAME@ADDRESS</c> (the client's key from an address
/// it was never seen at, behaving unlike it) or <c>address:ADDRESS</c> (no valid credential).</param>
/// <param name="Client">The client, or null without a valid credential.</param>
/// <param name="Address">The source address.</param>
/// <param name="Score">The largest feature score (about standard deviations above normal); 0 while the detector is off.</param>
/// <param name="Feature">The feature with that score.</param>
/// <param name="NewAddress">The client's key came from an address it was never seen at.</param>
/// <param name="MemoryOnly">The evidence is too early to act on alone (requests held open for <c>memoryFactor</c> of the slow time): only a remembered attack acts on it.</param>
/// <param name="Evidence">For client errors: the last ones the caller got ("GET /api/orders/{id} 404 ×3"), named in the audit.</param>
/// <param name="Breakdown">For <see cref="AnomalyFeature.UnlikeItsClient"/>: the scores that added up ("mix 2.1 + rate 0.4 + errors 3.0"), named in the audit.</param>
public readonly record struct AnomalyVerdict(string Target, string? Client, string Address, double Score, AnomalyFeature Feature, bool NewAddress, bool MemoryOnly = false, string? Evidence = null, string? Breakdown = null);

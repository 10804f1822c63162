namespace BioDapr.Cell.Hormones;

/// <summary>A hormone update that was refused: the key, the value, why, and when.</summary>
public sealed record HormoneRejection(string Key, string? Value, string Reason, DateTimeOffset At);

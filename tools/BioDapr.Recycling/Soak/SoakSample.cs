namespace BioDapr.Recycling.Soak;

/// <summary>One sample of the organism's Redis footprint during a soak.</summary>
/// <param name="Seconds">Seconds since the load started.</param>
/// <param name="Sent">Orders sent so far.</param>
/// <param name="Accepted">Orders answered 201 so far.</param>
/// <param name="Failed">Orders answered otherwise (or not at all) so far.</param>
/// <param name="UsedMemory">Redis <c>used_memory</c> (bytes).</param>
/// <param name="Keys">Keys in the database.</param>
/// <param name="Expiring">Keys with an expiry (the recycled records).</param>
/// <param name="OrdersStream">Length of the <c>orders</c> stream.</param>
/// <param name="PaymentsStream">Length of the <c>payments</c> stream.</param>
/// <param name="VitalsStream">Length of the <c>vitals</c> stream.</param>
/// <param name="DeadLetters">Length of the <c>deadletters</c> stream.</param>
/// <param name="OrdersStreamBytes">The <c>orders</c> stream's bytes in Redis (<c>MEMORY USAGE … SAMPLES 0</c>).</param>
/// <param name="PaymentsStreamBytes">The <c>payments</c> stream's bytes in Redis.</param>
/// <param name="VitalsStreamBytes">The <c>vitals</c> stream's bytes in Redis.</param>
public sealed record SoakSample(
    double Seconds, long Sent, long Accepted, long Failed, long UsedMemory, long Keys, long Expiring, long OrdersStream, long PaymentsStream, long VitalsStream, long DeadLetters,
    long OrdersStreamBytes = 0, long PaymentsStreamBytes = 0, long VitalsStreamBytes = 0)
{
    /// <summary>The CSV header matching <see cref="ToCsv"/>.</summary>
    public const string CsvHeader = "seconds,sent,accepted,failed,used_memory_bytes,keys,expiring_keys,orders_stream,payments_stream,vitals_stream,deadletters_stream,orders_stream_bytes,payments_stream_bytes,vitals_stream_bytes";

    /// <summary>The sample as a CSV line.</summary>
    public string ToCsv() => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{Seconds:0.0},{Sent},{Accepted},{Failed},{UsedMemory},{Keys},{Expiring},{OrdersStream},{PaymentsStream},{VitalsStream},{DeadLetters},{OrdersStreamBytes},{PaymentsStreamBytes},{VitalsStreamBytes}");
}

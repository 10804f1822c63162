using System.Globalization;
using BioDapr.Redis;

namespace BioDapr.Recycling.DeadLetters;

/// <summary>
/// <c>./biodapr deadletters list [--max N] | replay ID [--topic T] | replay --all | trim [--retention 7d]</c>, against
/// the organism's Redis (<c>--redis host:port</c>, default localhost:$BIODAPR_REDIS_PORT or 6379).
/// </summary>
internal static class DeadLettersCommand
{
    /// <summary>How long dead letters are kept by <c>trim</c> unless told otherwise.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);

    private const string Usage = "usage: deadletters list [--max N] | replay <id> [--topic T] | replay --all | trim [--retention 7d]   (all take --redis host:port)";

    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        var options = CommandLine.Parse(args);
        var redisAddress = options.Value("--redis") ?? $"localhost:{Environment.GetEnvironmentVariable("BIODAPR_REDIS_PORT") ?? "6379"}";
        await using var redis = await RedisConnection.ConnectAsync(RedisOptions.Parse(redisAddress) with { ClientName = "biodapr-deadletters" }, cancellationToken);
        var deadLetters = new DeadLetterArchive(redis, TimeProvider.System);
        switch (options.Positional.FirstOrDefault())
        {
            case "list":
                var max = options.Value("--max") is { } text ? CommandLine.PositiveInt("--max", text) : 100;
                var letters = await deadLetters.ListAsync(max, cancellationToken);
                var total = await deadLetters.CountAsync(cancellationToken);
                await output.WriteLineAsync($"{total} dead letter(s) in stream '{deadLetters.Stream}'{(total > letters.Count ? $", the oldest {letters.Count} shown" : string.Empty)}");
                if (letters.Count > 0)
                {
                    await output.WriteLineAsync($"{"id",-16} {"dead-lettered (UTC)",-20} {"topic",-10} {"type",-36} {"source",-14} event id");
                }

                foreach (var letter in letters)
                {
                    await output.WriteLineAsync(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{letter.EntryId,-16} {letter.DeadLetteredAt:yyyy-MM-dd HH:mm:ss} {letter.OriginalTopic ?? "(raw)",-10} {letter.Type ?? "-",-36} {letter.Source ?? "-",-14} {letter.EventId ?? "-"}"));
                }

                return 0;

            case "replay" when options.Flag("--all"):
                var replayed = 0;
                var skipped = 0;
                foreach (var letter in await deadLetters.ListAsync(10_000, cancellationToken))
                {
                    var outcome = await deadLetters.ReplayAsync(letter.EntryId, options.Value("--topic"), cancellationToken);
                    _ = outcome == ReplayOutcome.Replayed ? replayed++ : skipped++;
                }

                await output.WriteLineAsync($"replayed {replayed} dead letter(s) to their original topics; {skipped} skipped (already replayed meanwhile, or no known topic: replay them one by one with --topic)");
                return 0;

            case "replay" when options.Positional.Count == 2:
                var id = options.Positional[1];
                switch (await deadLetters.ReplayAsync(id, options.Value("--topic"), cancellationToken))
                {
                    case ReplayOutcome.Replayed:
                        await output.WriteLineAsync($"replayed {id}: published again to its topic and removed from the dead letters");
                        return 0;
                    case ReplayOutcome.NoTopic:
                        await Console.Error.WriteLineAsync($"deadletters: {id} is a raw payload without a CloudEvent topic; say where it goes with --topic");
                        return 1;
                    default:
                        await Console.Error.WriteLineAsync($"deadletters: no dead letter {id} (already replayed, trimmed past the retention, or never there); nothing was published");
                        return 1;
                }

            case "trim":
                var retention = options.Value("--retention") is { } period ? CommandLine.Duration("--retention", period) : DefaultRetention;
                var removed = await deadLetters.TrimAsync(retention, cancellationToken);
                await output.WriteLineAsync($"removed {removed} dead letter(s) older than {retention}");
                return 0;

            default:
                await Console.Error.WriteLineAsync(Usage);
                return 2;
        }
    }
}

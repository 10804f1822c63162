using BioDapr.Recycling.DeadLetters;
using BioDapr.Recycling.Soak;
using BioDapr.Launcher;
using BioDapr.Redis;

// ./biodapr deadletters list|replay|trim ...   ./biodapr soak [--rate 200] [--duration 1h] [--retention 10m] ...
// Ctrl-C, SIGTERM or SIGHUP: the soak's organism (Redis, runner, sidecars, cells) is stopped before the process ends.
using var stop = new StopSignals(signal => Console.Error.WriteLine($"biodapr: {signal}; stopping"));

try
{
    return args.FirstOrDefault() switch
    {
        "deadletters" => await DeadLettersCommand.RunAsync(args[1..], Console.Out, stop.Token),
        "soak" => await SoakCommand.RunAsync(args[1..], Console.Out, stop.Token),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync("biodapr: " + ex.Message);
    return 2;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("biodapr: stopped");
    return 130;
}
catch (RedisConnectionException ex)
{
    await Console.Error.WriteLineAsync("biodapr: cannot reach Redis: " + ex.Message + " (is the organism's Redis running? ./biodapr up starts it; --redis host:port)");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: BioDapr.Recycling deadletters list|replay|trim ... | soak [--rate 200] [--duration 1h] [--retention 10m]");
    return 2;
}

using BioDapr.Recycling.DeadLetters;
using BioDapr.Recycling.Soak;
using BioDapr.Redis;

// ./biodapr deadletters list|replay|trim ...   ./biodapr soak [--rate 200] [--duration 1h] [--retention 10m] ...
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

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

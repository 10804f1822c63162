using BioDapr.Gateway.Hormones;
using BioDapr.Gateway.Immune;
using Microsoft.Extensions.Time.Testing;

namespace BioDapr.Gateway.Tests.Immune;

/// <summary>
/// An immune system on a fake clock, taught a day of normal traffic: four clients whose rates follow the day
/// (from 30 % to 170 % of their mean, each with its own peak hour), two minutes of each hour, with a few mistakes.
/// </summary>
internal sealed class ImmuneHarness
{
    public static readonly string[] Clients = ["alpha", "bravo", "charlie", "delta"];
    private static readonly double[] Rates = [0.5, 1, 2, 4];
    private readonly Random _random;
    private readonly List<(string Client, string Address, long Started)> _open = [];
    private readonly Dictionary<long, double> _rates = [];

    public ImmuneHarness(int seed = 5, ImmuneHormones? hormones = null)
    {
        _random = new Random(seed);
        Hormones = hormones ?? new ImmuneHormones { Enabled = true };
        Clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero));
        Immune = new ImmuneSystem(new AnomalyDetector(Clock, () => Hormones), Clock, () => Hormones);
    }

    public ImmuneHormones Hormones { get; set; }

    public FakeTimeProvider Clock { get; }

    public ImmuneSystem Immune { get; }

    public static string AddressOf(string client) => $"10.0.{Array.IndexOf(Clients, client)}.7";

    /// <summary>Normal traffic for <paramref name="minutes"/> of each hour of a day (the clock ends at the next midnight); returns the requests affected by a quarantine.</summary>
    public int NormalDay(int minutes = 2)
    {
        var start = Clock.GetUtcNow();
        var affected = 0;
        for (var hour = 0; hour < 24; hour++)
        {
            Clock.SetUtcNow(start.AddHours(hour));
            affected += Normal(TimeSpan.FromMinutes(minutes), hour);
        }

        Clock.SetUtcNow(start.AddDays(1));
        return affected;
    }

    /// <summary>Normal traffic of all clients for <paramref name="length"/> from now; returns the requests affected by a quarantine.</summary>
    public int Normal(TimeSpan length, int? hour = null)
    {
        var h = hour ?? Clock.GetUtcNow().Hour;
        var events = new List<(TimeSpan At, int Client)>();
        for (var c = 0; c < Clients.Length; c++)
        {
            var rate = Rates[c] * (1 + (0.7 * Math.Sin(2 * Math.PI * ((h / 24.0) - (c / 4.0)))));
            for (var at = Gap(rate); at < length; at += Gap(rate))
            {
                events.Add((at, c));
            }
        }

        var start = Clock.GetUtcNow();
        var affected = 0;
        foreach (var (at, c) in events.OrderBy(e => e.At))
        {
            Advance(start + at);
            var read = _random.NextDouble() < 0.3;
            var status = _random.NextDouble() < 0.01 ? 404 : read ? 200 : 202;
            affected += Send(Clients[c], AddressOf(Clients[c]), read ? RequestKind.ReadOrder : RequestKind.PlaceOrder, status, read ? 0 : 200) ? 0 : 1;
        }

        Advance(start + length);
        return affected;
    }

    /// <summary>One request as the middleware handles it: refused by a quarantine (false), or admitted and scored (true unless a quarantine held it).</summary>
    public bool Send(string? client, string address, RequestKind kind, int status, long bodyBytes, bool domainAnswer = false, bool abandoned = false)
    {
        var held = Immune.Find(client, address) is not null;
        if (!Immune.Admit(client, address).Admitted)
        {
            return false;
        }

        Immune.Observe(new RequestObservation(client, address, kind, status, bodyBytes, domainAnswer, abandoned));
        return !held;
    }

    /// <summary>
    /// Starts a request that stays open until <see cref="CloseAll"/>; with <paramref name="bodyBytesPerSecond"/>, its body
    /// arrives at that rate (<see cref="Trickle"/> tells the detector how far it has come), otherwise it never arrives.
    /// </summary>
    public void Open(string client, string address, double? bodyBytesPerSecond = null)
    {
        var started = Immune.Begin(client, address);
        Immune.Receiving(client, address, started, 0);
        _open.Add((client, address, started));
        _rates[started] = bodyBytesPerSecond ?? 0;
    }

    /// <summary>Tells the detector how far each open request's body has come by now (the gateway's body read does so as bytes arrive).</summary>
    public void Trickle()
    {
        var now = Clock.GetUtcNow().UtcTicks;
        foreach (var (client, address, started) in _open)
        {
            Immune.Receiving(client, address, started, (long)(_rates[started] * (now - started) / TimeSpan.TicksPerSecond));
        }
    }

    /// <summary>Ends the open requests with <paramref name="status"/>.</summary>
    public void CloseAll(int status)
    {
        foreach (var (client, address, started) in _open)
        {
            Immune.Observe(new RequestObservation(client, address, RequestKind.PlaceOrder, status, 600), started);
        }

        _open.Clear();
        _rates.Clear();
    }

    /// <summary>Moves the clock, sweeping every whole second on the way as the gateway does.</summary>
    public void Advance(DateTimeOffset to)
    {
        var now = Clock.GetUtcNow();
        var next = now.AddTicks(TimeSpan.TicksPerSecond - (now.UtcTicks % TimeSpan.TicksPerSecond));
        while (next <= to)
        {
            Clock.SetUtcNow(next);
            Trickle();
            Immune.Sweep();
            next = next.AddSeconds(1);
        }

        Clock.SetUtcNow(to);
    }

    /// <summary>Runs <paramref name="attack"/> (called every <paramref name="every"/>) until its target is quarantined or <paramref name="limit"/> passes; the time it took, or null.</summary>
    public TimeSpan? Until(Func<bool> quarantined, Action attack, TimeSpan every, TimeSpan limit)
    {
        var start = Clock.GetUtcNow();
        while (Clock.GetUtcNow() - start < limit)
        {
            attack();
            if (quarantined())
            {
                return Clock.GetUtcNow() - start;
            }

            Advance(Clock.GetUtcNow() + every);
        }

        return null;
    }

    private TimeSpan Gap(double rate) => TimeSpan.FromSeconds(-Math.Log(1 - _random.NextDouble()) / rate);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BioDapr.Scaling.Forecasting;

/// <summary>
/// The forecaster's model: a one-layer GRU reads the recent window (per bucket: the normalised count and the
/// time of day as sine and cosine); its last hidden state, joined with the same buckets a day earlier and the
/// time of day of the first target, feeds a small MLP head that outputs, per horizon, the median and two
/// positive offsets to the 10 % and 90 % quantiles (so the quantiles never cross). Output shape: [batch, horizon, 3].
/// </summary>
internal sealed class QuantileGruNetwork : nn.Module<Tensor, Tensor, Tensor>
{
    public const int StepFeatures = 3;
    private readonly GRU gru;
    private readonly Sequential head;
    private readonly int _horizon;

    public QuantileGruNetwork(int horizon, int hidden)
        : base(nameof(QuantileGruNetwork))
    {
        _horizon = horizon;
        gru = nn.GRU(StepFeatures, hidden, numLayers: 1, batchFirst: true);
        head = nn.Sequential(
            ("fc1", nn.Linear(hidden + StaticFeatures(horizon), hidden)), ("act1", nn.ReLU()),
            ("out", nn.Linear(hidden, horizon * 3)));
        RegisterComponents();
    }

    /// <summary>Per sample: the horizon's buckets one season earlier, and sine and cosine of the first target's time of day.</summary>
    public static int StaticFeatures(int horizon) => horizon + 2;

    public override Tensor forward(Tensor sequence, Tensor statics)
    {
        var (output, _) = gru.forward(sequence);
        var last = output.select(1, -1);
        var raw = head.forward(torch.cat([last, statics], 1)).view(-1, _horizon, 3);
        var median = raw.select(2, 0);
        var below = nn.functional.softplus(raw.select(2, 1));
        var above = nn.functional.softplus(raw.select(2, 2));
        return torch.stack([median - below, median, median + above], 2);
    }

    /// <summary>Mean pinball loss of the 10 %, 50 % and 90 % outputs against <paramref name="target"/> ([batch, horizon]).</summary>
    public static Tensor PinballLoss(Tensor quantiles, Tensor target)
    {
        var total = torch.zeros(1);
        ReadOnlySpan<float> levels = [0.1f, 0.5f, 0.9f];
        for (var q = 0; q < levels.Length; q++)
        {
            var error = target - quantiles.select(2, q);
            total = total + torch.maximum(error * levels[q], error * (levels[q] - 1)).mean();
        }

        return total / levels.Length;
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace BioDapr.Sidecar.Components.State;

/// <summary>KEYS_LIKE for the in-memory store: live keys in ordinal order, the offset as continuation token.</summary>
internal sealed partial class InMemoryStateStore : IStateKeysLister
{
    public Task<StateKeysPage> KeysLikeAsync(string pattern, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var offset = 0;
        if (!string.IsNullOrEmpty(continuationToken) && !int.TryParse(continuationToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
        {
            throw new ArgumentException($"invalid continuation token '{continuationToken}'", nameof(continuationToken));
        }

        var regex = new Regex("^" + string.Join(".*", pattern.Split('%').Select(Regex.Escape)) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
        List<string> matching;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            matching = _items.Where(p => !p.Value.IsExpired(now) && regex.IsMatch(p.Key)).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        }

        var size = Math.Max(1, pageSize);
        var page = matching.Skip(offset).Take(size).ToList();
        var next = offset + page.Count < matching.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new StateKeysPage(page, next));
    }
}

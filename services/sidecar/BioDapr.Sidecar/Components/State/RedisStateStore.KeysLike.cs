using System.Globalization;
using System.Text;

namespace BioDapr.Sidecar.Components.State;

/// <summary>KEYS_LIKE for Redis: <c>SCAN</c> with the pattern as a glob (<c>%</c> → <c>*</c>, glob characters escaped), the cursor as continuation token.</summary>
internal sealed partial class RedisStateStore : IStateKeysLister
{
    public async Task<StateKeysPage> KeysLikeAsync(string pattern, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var cursor = string.IsNullOrEmpty(continuationToken) ? "0" : continuationToken;
        if (!ulong.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new ArgumentException($"invalid continuation token '{continuationToken}'", nameof(continuationToken));
        }

        var glob = ToGlob(pattern);
        var keys = new List<string>();
        var wanted = Math.Max(1, pageSize);

        // SCAN may answer fewer (even zero) keys per call; keep going until a page is full or the scan ends.
        do
        {
            var reply = await _redis.ExecuteAsync("SCAN", [cursor, "MATCH", glob, "COUNT", Math.Max(wanted, 100)], cancellationToken);
            cursor = reply.Items[0].AsString() ?? "0";
            keys.AddRange(reply.Items[1].Items.Select(k => k.AsString()!));
        }
        while (cursor != "0" && keys.Count < wanted);

        return new StateKeysPage(keys, cursor == "0" ? null : cursor);
    }

    private static string ToGlob(string pattern)
    {
        var glob = new StringBuilder(pattern.Length + 8);
        foreach (var c in pattern)
        {
            switch (c)
            {
                case '%':
                    glob.Append('*');
                    break;
                case '*' or '?' or '[' or ']' or '\\':
                    glob.Append('\\').Append(c);
                    break;
                default:
                    glob.Append(c);
                    break;
            }
        }

        return glob.ToString();
    }
}

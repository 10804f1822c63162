using System.Collections;
using System.Text.Json;

namespace BioDapr.Sidecar.Expressions;

/// <summary>
/// A read-only view of a CEL map over a JSON object or a CLR dictionary. Lookups follow CEL: string keys
/// match exactly, and numeric keys match across int, uint and double when the values are equal.
/// </summary>
internal readonly struct CelMapView
{
    private readonly JsonElement _json;
    private readonly IDictionary? _dictionary;
    private readonly IReadOnlyDictionary<string, object?>? _readOnly;

    public CelMapView(JsonElement json) => _json = json;

    public CelMapView(IDictionary dictionary) => _dictionary = dictionary;

    public CelMapView(IReadOnlyDictionary<string, object?> readOnly) => _readOnly = readOnly;

    public int Count => _dictionary?.Count ?? _readOnly?.Count ?? _json.EnumerateObject().Count();

    public IEnumerable<object?> Keys
    {
        get
        {
            if (_dictionary is not null)
            {
                return _dictionary.Keys.Cast<object?>().Select(CelValues.Normalize).ToList();
            }

            if (_readOnly is not null)
            {
                return _readOnly.Keys.Cast<object?>().ToList();
            }

            return _json.EnumerateObject().Select(p => (object?)p.Name).ToList();
        }
    }

    public bool TryGetValue(object? key, out object? value)
    {
        key = CelValues.Normalize(key);
        foreach (var candidate in Candidates(key))
        {
            if (TryGetExact(candidate, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }

    public bool ContainsKey(object? key) => TryGetValue(key, out _);

    // The same number in the other numeric types, so {1: "a"}[1u] and {1: "a"}[1.0] find the entry.
    private static IEnumerable<object?> Candidates(object? key)
    {
        yield return key;
        switch (key)
        {
            case long l:
                if (l >= 0)
                {
                    yield return (ulong)l;
                }

                yield return (int)Math.Clamp(l, int.MinValue, int.MaxValue) == l ? (int)l : null;
                break;
            case ulong u:
                if (u <= long.MaxValue)
                {
                    yield return (long)u;
                }

                break;
            case double d when d == Math.Truncate(d) && !double.IsInfinity(d):
                if (d is >= long.MinValue and < 9.2233720368547758e18)
                {
                    yield return (long)d;
                }

                if (d is >= 0 and < 1.8446744073709552e19)
                {
                    yield return (ulong)d;
                }

                break;
        }
    }

    private bool TryGetExact(object? key, out object? value)
    {
        value = null;
        if (key is null)
        {
            return false;
        }

        if (_dictionary is not null)
        {
            try
            {
                if (!_dictionary.Contains(key))
                {
                    return false;
                }
            }
            catch (ArgumentException)
            {
                // A dictionary with keys of another type cannot hold this key.
                return false;
            }

            value = _dictionary[key];
            return true;
        }

        if (key is not string name)
        {
            return false;
        }

        if (_readOnly is not null)
        {
            return _readOnly.TryGetValue(name, out value);
        }

        if (_json.ValueKind == JsonValueKind.Object && _json.TryGetProperty(name, out var property))
        {
            value = property;
            return true;
        }

        return false;
    }
}

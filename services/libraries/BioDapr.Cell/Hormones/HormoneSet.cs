using System.ComponentModel.DataAnnotations;
using System.Reflection;
using BioDapr.Contracts.Hormones;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BioDapr.Cell.Hormones;

/// <summary>
/// One set of hormones bound to <typeparamref name="T"/>: the raw values by key, the current validated
/// snapshot, and the listeners. Updates are serialised; readers take the snapshot without locks.
/// </summary>
/// <typeparam name="T">The options type: public settable or init properties of supported types and a parameterless constructor.</typeparam>
internal sealed partial class HormoneSet<T> : IHormones<T>, IOptionsMonitor<T>, IHormoneBinding
    where T : class, new()
{
    private readonly Dictionary<string, PropertyInfo> _byKey;
    private readonly Dictionary<string, string> _raw = new(StringComparer.Ordinal);
    private readonly IEnumerable<IValidateOptions<T>> _validators;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Lock _updateLock = new();
    private readonly List<Action<T>> _listeners = [];
    private T _current = new();
    private long _version;
    private long _rejections;
    private HormoneRejection? _lastRejection;

    public HormoneSet(string storeName, string keyPrefix, string? name, IEnumerable<IValidateOptions<T>> validators, ILogger logger, TimeProvider time)
    {
        StoreName = storeName;
        Name = name ?? Options.DefaultName;
        _validators = validators;
        _logger = logger;
        _time = time;
        _byKey = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.SetMethod is null || property.GetIndexParameters().Length > 0 || !HormoneValueParser.IsSupported(property.PropertyType))
            {
                continue;
            }

            var suffix = property.GetCustomAttribute<HormoneKeyAttribute>()?.Key ?? HormoneKeys.NameOf(property.Name);
            var key = keyPrefix + suffix;
            _byKey[key] = property;
            keys[property.Name] = key;
        }

        if (_byKey.Count == 0)
        {
            throw new InvalidOperationException($"{typeof(T).Name} has no settable properties of a supported type to bind hormones to");
        }

        Keys = keys;
        var initial = Validate(_current);
        if (initial is not null)
        {
            throw new OptionsValidationException(Name, typeof(T), [$"the defaults of {typeof(T).Name} are invalid: {initial}"]);
        }
    }

    /// <summary>The name for keyed registrations (<see cref="Options.DefaultName"/> when unnamed).</summary>
    public string Name { get; }

    public string StoreName { get; }

    public IReadOnlyDictionary<string, string> Keys { get; }

    public IReadOnlyCollection<string> ConfigurationKeys => _byKey.Keys;

    public T Current => Volatile.Read(ref _current);

    public T CurrentValue => Current;

    public long Version => Interlocked.Read(ref _version);

    public long Rejections => Interlocked.Read(ref _rejections);

    public HormoneRejection? LastRejection => Volatile.Read(ref _lastRejection);

    public T Get(string? name) => Current;

    public IDisposable OnChange(Action<T> listener)
    {
        lock (_listeners)
        {
            _listeners.Add(listener);
        }

        return new Subscription(this, listener);
    }

    IDisposable IOptionsMonitor<T>.OnChange(Action<T, string?> listener) => OnChange(value => listener(value, Name));

    public bool Apply(string key, string? value)
    {
        if (!_byKey.TryGetValue(key, out var property))
        {
            return false;
        }

        T accepted;
        lock (_updateLock)
        {
            // A re-read after a resync repeats values we already hold: nothing changes, nothing to say.
            if (_raw.TryGetValue(key, out var held) ? held == value : value is null)
            {
                return true;
            }

            if (value is not null && !HormoneValueParser.TryParse(value, property.PropertyType, out _, out var parseError))
            {
                Reject(key, value, parseError);
                return false;
            }

            var candidateRaw = new Dictionary<string, string>(_raw, StringComparer.Ordinal);
            if (value is null)
            {
                candidateRaw.Remove(key);
            }
            else
            {
                candidateRaw[key] = value;
            }

            var candidate = Build(candidateRaw);
            if (Validate(candidate) is { } reason)
            {
                Reject(key, value, reason);
                return false;
            }

            _raw.Clear();
            foreach (var (k, v) in candidateRaw)
            {
                _raw[k] = v;
            }

            Volatile.Write(ref _current, candidate);
            Interlocked.Increment(ref _version);
            accepted = candidate;
            Log.Applied(_logger, StoreName, key, value ?? "(deleted: default)");
        }

        Action<T>[] listeners;
        lock (_listeners)
        {
            listeners = [.. _listeners];
        }

        foreach (var listener in listeners)
        {
            listener(accepted);
        }

        return true;
    }

    private T Build(Dictionary<string, string> raw)
    {
        var instance = new T();
        foreach (var (key, text) in raw)
        {
            var property = _byKey[key];
            HormoneValueParser.TryParse(text, property.PropertyType, out var parsed, out _);
            property.SetValue(instance, parsed);
        }

        return instance;
    }

    private string? Validate(T candidate)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(candidate, new ValidationContext(candidate), results, validateAllProperties: true))
        {
            return string.Join("; ", results.Select(r => r.ErrorMessage));
        }

        foreach (var validator in _validators)
        {
            var result = validator.Validate(Name, candidate);
            if (result.Failed)
            {
                return result.FailureMessage;
            }
        }

        return null;
    }

    private void Reject(string key, string? value, string reason)
    {
        Interlocked.Increment(ref _rejections);
        Volatile.Write(ref _lastRejection, new HormoneRejection(key, value, reason, _time.GetUtcNow()));
        Log.Rejected(_logger, StoreName, key, value ?? "(deleted)", reason);
    }

    private sealed class Subscription(HormoneSet<T> owner, Action<T> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._listeners)
            {
                owner._listeners.Remove(listener);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Hormone {Store}/{Key} = {Value}")]
        public static partial void Applied(ILogger logger, string store, string key, string value);

        [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Hormone {Store}/{Key} = '{Value}' rejected: {Reason}. The last good value stays.")]
        public static partial void Rejected(ILogger logger, string store, string key, string value, string reason);
    }
}

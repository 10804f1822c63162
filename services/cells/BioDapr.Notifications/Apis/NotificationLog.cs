using System.Collections.Concurrent;

namespace BioDapr.Notifications.Apis;

/// <summary>
/// The most recent notifications (bounded; this demo cell has no mail server). Each event is notified once: a
/// redelivered or republished event (same CloudEvent id) is recognised among the recent ones and skipped.
/// </summary>
public sealed class NotificationLog
{
    private const int Capacity = 1_000;
    private readonly ConcurrentQueue<(string EventId, Notification Notification)> _items = new();
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);

    /// <summary>Records a notification unless event <paramref name="eventId"/> was notified already; false for a repeat.</summary>
    public bool Add(string eventId, Notification notification)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        if (eventId.Length > 0 && !_seen.TryAdd(eventId, 0))
        {
            return false;
        }

        _items.Enqueue((eventId, notification));
        while (_items.Count > Capacity && _items.TryDequeue(out var oldest))
        {
            _seen.TryRemove(oldest.EventId, out _);
        }

        return true;
    }

    /// <summary>The notifications, oldest first.</summary>
    public IReadOnlyList<Notification> Recent => [.. _items.Select(i => i.Notification)];
}

using System.Collections.Concurrent;

namespace BioDapr.Notifications.Apis;

/// <summary>The most recent notifications (bounded; this demo cell has no mail server).</summary>
public sealed class NotificationLog
{
    private const int Capacity = 1_000;
    private readonly ConcurrentQueue<Notification> _items = new();

    /// <summary>Records a notification, forgetting the oldest beyond the capacity.</summary>
    public void Add(Notification notification)
    {
        _items.Enqueue(notification);
        while (_items.Count > Capacity && _items.TryDequeue(out _))
        {
        }
    }

    /// <summary>The notifications, oldest first.</summary>
    public IReadOnlyList<Notification> Recent => [.. _items];
}

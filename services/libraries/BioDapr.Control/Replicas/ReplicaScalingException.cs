namespace BioDapr.Control.Replicas;

/// <summary>A scale request the runner refused or could not complete; the message is the runner's reason.</summary>
public sealed class ReplicaScalingException : Exception
{
    /// <summary>An exception without a message.</summary>
    public ReplicaScalingException()
    {
    }

    /// <summary>An exception with the runner's reason.</summary>
    public ReplicaScalingException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with the reason and its cause.</summary>
    public ReplicaScalingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status of the refusal (0 when the runner could not be reached).</summary>
    public int StatusCode { get; init; }
}

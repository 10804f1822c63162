using BioDapr.Cell.Events;
using BioDapr.Cell.Hormones;
using BioDapr.Cell.Pathways;
using BioDapr.Cell.State;
using BioDapr.Contracts;
using BioDapr.Contracts.Events;
using BioDapr.Payments.Hormones;
using Dapr;
using Dapr.Client;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace BioDapr.Payments.Apis;

/// <summary>
/// Captures or refuses the payment of each placed order (OrderPlaced from orders only), exactly once per order:
/// the decision is stored first (first-write, so a redelivered or republished OrderPlaced finds it) and then
/// published with the order's event id, so a crash between the two republishes the same decision on redelivery.
/// The payment lookup is a callback (reached through a sidecar), not a public endpoint.
/// </summary>
public static partial class PaymentsApi
{
    /// <summary>The state store of payment decisions.</summary>
    public const string StateStore = "statestore";

    /// <summary>Maps the OrderPlaced subscriber and the payment lookup.</summary>
    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/events/order-placed", OnOrderPlacedAsync)
            .WithTopic(new TopicOptions { PubsubName = Topics.PubSub, Name = Topics.Orders, Match = $"event.type == \"{OrderPlaced.Type}\"" })
            .AcceptFrom(TopicPublishers.Orders)
            .ExcludeFromDescription();
        routes.MapGet("/payments/{orderId}", GetAsync).WithName("GetPayment");
        return routes;
    }

    internal static async Task<Ok<TopicResponse>> OnOrderPlacedAsync(
        OrderPlaced order,
        DaprClient sidecar,
        IHormones<PaymentRules> rules,
        CellRandom random,
        TimeProvider time,
        IOptions<RecyclingOptions> recycling,
        ILogger<PaymentDecision> logger,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(order.OrderId))
        {
            return TopicResults.Drop();
        }

        var key = "payment-" + order.OrderId;
        var decision = await sidecar.GetStateAsync<PaymentDecision>(StateStore, key, cancellationToken: cancellationToken);
        if (decision is null)
        {
            var current = rules.Current;
            var now = time.GetUtcNow();
            decision = order.Total > current.DeclineAbove
                ? new PaymentDecision(order.OrderId, null, order.Total, $"the total {order.Total} is above the limit {current.DeclineAbove}", now)
                : random.Instance.NextDouble() < current.FailureRate
                    ? new PaymentDecision(order.OrderId, null, order.Total, "the card network refused the payment", now)
                    : new PaymentDecision(order.OrderId, Guid.NewGuid().ToString("N"), order.Total, null, now);
            try
            {
                // Recycling: the decision expires with the order's idempotency (Recycling:Retention after it was made).
                await sidecar.SaveStateAsync(StateStore, key, decision, new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }, recycling.Value.Records.Metadata, cancellationToken);
            }
            catch (DaprException ex) when (StateConflict.Is(ex))
            {
                // A concurrent delivery decided first: publish its decision.
                decision = await sidecar.GetStateAsync<PaymentDecision>(StateStore, key, cancellationToken: cancellationToken) ?? decision;
            }
        }

        if (decision.PaymentId is { } paymentId)
        {
            await sidecar.PublishEventAsync(Topics.PubSub, Topics.Payments, new PaymentCaptured(order.OrderId, paymentId, decision.Amount, decision.DecidedAt), CloudEventMetadata.For(PaymentCaptured.Type, order.OrderId + "/payment"), cancellationToken);
            Log.Captured(logger, order.OrderId, decision.Amount);
        }
        else
        {
            await sidecar.PublishEventAsync(Topics.PubSub, Topics.Payments, new PaymentFailed(order.OrderId, decision.Reason!, decision.DecidedAt), CloudEventMetadata.For(PaymentFailed.Type, order.OrderId + "/payment"), cancellationToken);
            Log.Refused(logger, order.OrderId, decision.Reason!);
        }

        return TopicResults.Success();
    }

    internal static async Task<Results<Ok<PaymentDecision>, NotFound>> GetAsync(string orderId, DaprClient sidecar, CancellationToken cancellationToken) =>
        await sidecar.GetStateAsync<PaymentDecision>(StateStore, "payment-" + orderId, cancellationToken: cancellationToken) is { } decision
            ? TypedResults.Ok(decision)
            : TypedResults.NotFound();

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Payment of order {OrderId} captured: {Amount}")]
        public static partial void Captured(ILogger logger, string orderId, decimal amount);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Payment of order {OrderId} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string orderId, string reason);
    }
}

/// <summary>The stored decision for one order: captured (with a payment id) or refused (with a reason).</summary>
/// <param name="OrderId">The order.</param>
/// <param name="PaymentId">The payment, when captured.</param>
/// <param name="Amount">The order total.</param>
/// <param name="Reason">Why it was refused.</param>
/// <param name="DecidedAt">When.</param>
public sealed record PaymentDecision(string OrderId, string? PaymentId, decimal Amount, string? Reason, DateTimeOffset DecidedAt);

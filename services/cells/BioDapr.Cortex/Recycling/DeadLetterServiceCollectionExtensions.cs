using Dapr.Actors.Runtime;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BioDapr.Cortex.Recycling;

/// <summary>Registers the dead-letter recycling: options, the trimmer and the scheduler (the actor is registered with the cortex's other actors).</summary>
public static class DeadLetterServiceCollectionExtensions
{
    /// <summary>Binds and validates <c>Cortex:DeadLetters</c> (a bad value stops the cortex at start, naming the key) and schedules the trim.</summary>
    public static WebApplicationBuilder AddDeadLetterRecycling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<DeadLetterOptions>().Bind(builder.Configuration.GetSection(DeadLetterOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DeadLetterTrimmer>();
        builder.Services.AddHostedService<DeadLetterTrimScheduler>();
        return builder;
    }

    /// <summary>Registers <see cref="DeadLetterTrimActor"/> with the actor runtime.</summary>
    public static void RegisterDeadLetterTrim(this ActorRegistrationCollection actors)
    {
        ArgumentNullException.ThrowIfNull(actors);
        actors.RegisterActor<DeadLetterTrimActor>(DeadLetterTrimActor.TypeName);
    }
}

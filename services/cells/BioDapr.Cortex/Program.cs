using BioDapr.Cell.Hormones;
using BioDapr.Cell.Hosting;
using BioDapr.Cortex.Agents;
using BioDapr.Cortex.Apis;
using BioDapr.Cortex.Dashboard;
using BioDapr.Cortex.Evolution;
using BioDapr.Cortex.Hormones;
using BioDapr.Cortex.Operators;
using BioDapr.Cortex.Recycling;
using BioDapr.Cortex.Scaling;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddHormones<CortexHormones>("hormones", "cortex.");
builder.Services.Configure<CortexOptions>(builder.Configuration.GetSection("Cortex"));
builder.Services.AddSingleton(builder.Configuration.GetSection("Cortex:HormoneStore").Get<HormoneStoreOptions>() ?? new HormoneStoreOptions());
builder.Services.AddSingleton<RedisHormoneStore>();
builder.Services.AddSingleton<IHormoneStore>(services => services.GetRequiredService<RedisHormoneStore>());
builder.Services.AddSingleton<CortexBrain>();
builder.Services.AddSingleton<PathwayDirectory>();
builder.Services.AddActors(options =>
{
    options.Actors.RegisterActor<PathwayAgentActor>(PathwayAgentActor.TypeName);
    options.Actors.RegisterDeadLetterTrim();
    options.UseJsonSerialization = true;
});
builder.Services.AddCortexEvolution();
// Dead letters older than Cortex:DeadLetters:Retention are trimmed by an actor reminder.
builder.AddDeadLetterRecycling();
// Operator actions (pathogen switches, starting and adopting evolutions) need an operator key.
builder.AddCortexOperators();
builder.AddOrganismPage();
// Desired replicas per cell: the placeholder, or the live forecast loop when Cortex:Scaling:Enabled (off by default).
builder.Services.AddCortexScaling(builder.Configuration);

var app = builder.Build();
// Load the policy now, so a missing or corrupt weights file stops the cell at start with the reason.
app.Services.GetRequiredService<CortexBrain>();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapCortexApi();
app.MapEvolutionApi();
app.MapOrganismPage();
app.MapScalingApi();
app.Run();

using BioDapr.Cell.Hosting;
using BioDapr.Cortex.Apis;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();

var app = builder.Build();
app.MapCellDefaultEndpoints();
app.MapCortexApi();
app.Run();

using BioDapr.Cell.Hosting;
using BioDapr.Cell.Immune;
using BioDapr.Gateway.Apis;
using BioDapr.Gateway.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddGatewayCell();

var app = builder.Build();
app.MapCellDefaultEndpoints();
app.MapOpenApi().PublicApi();
app.MapGatewayApi();
app.Run();

using BioDapr.Cell.Hosting;
using BioDapr.Gateway.Apis;
using BioDapr.Gateway.Extensions;
using BioDapr.Gateway.Immune;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddGatewayCell();

var app = builder.Build();
app.UseImmuneResponse();
app.UseClientAdmission();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapGatewayApi();
app.Run();

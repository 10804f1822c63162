using BioDapr.Cell.Hosting;
using BioDapr.Orders.Apis;
using BioDapr.Orders.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddOrdersCell();

var app = builder.Build();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapOrdersApi();
app.Run();

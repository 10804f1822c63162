using BioDapr.Cell.Hosting;
using BioDapr.Inventory.Apis;
using BioDapr.Inventory.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddInventoryCell();

var app = builder.Build();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapInventoryApi();
app.Run();

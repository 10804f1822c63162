using BioDapr.Cell.Hosting;
using BioDapr.Payments.Apis;
using BioDapr.Payments.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddPaymentsCell();

var app = builder.Build();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapPaymentsApi();
app.Run();

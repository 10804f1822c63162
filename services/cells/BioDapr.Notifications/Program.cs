using BioDapr.Cell.Hosting;
using BioDapr.Notifications.Apis;
using BioDapr.Notifications.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddCellDefaults();
builder.AddNotificationsCell();

var app = builder.Build();
app.UseCellDefaults();
app.MapCellDefaultEndpoints();
app.MapNotificationsApi();
app.Run();

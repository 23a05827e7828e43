using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddSplynxOrleans();
builder.AddBootstrapAdmin();

var app = builder.Build();
app.UseDefaultFiles();
app.UseStaticFiles();
app.MapDefaultEndpoints();
app.Run();

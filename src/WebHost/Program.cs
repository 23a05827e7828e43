using Splynx.Orleans.WebHost.Admins;
using Splynx.Orleans.WebHost.Api;
using Splynx.Orleans.WebHost.BrowserApp;
using Splynx.Orleans.WebHost.Demo;
using Splynx.Orleans.WebHost.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddSplynxOrleans();
builder.AddBootstrapAdmin();
builder.AddSplynxApi();
builder.AddDemoSeed();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseSplynxApi();
app.UseBrowserApp();
app.MapDefaultEndpoints();
app.MapSplynxApi();
app.MapBrowserApp();
app.Run();

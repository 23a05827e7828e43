using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Hosting;

var builder = Host.CreateApplicationBuilder(args);
builder.AddSplynxSilo();
await builder.Build().RunAsync();

using Microsoft.Extensions.Hosting;
using Splynx.Orleans.Hosting;
using Splynx.Orleans.Silo;

if (args is ["migrate", ..])
{
    return await MigrateCommand.RunAsync(args[1..]);
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddSplynxSilo();
await builder.Build().RunAsync();
return 0;

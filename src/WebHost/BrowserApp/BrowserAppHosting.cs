namespace Splynx.Orleans.WebHost.BrowserApp;

/// <summary>
/// The single-page app built from <c>ClientApp</c> into <c>wwwroot</c>: its files, and <c>index.html</c> for every
/// other browser path so that deep links work on reload. API, hub and operations paths never get the page.
/// </summary>
public static class BrowserAppHosting
{
    /// <summary>Paths that belong to the server or to the built files: an unknown one is a 404, not the app.</summary>
    private static readonly string[] ServerPaths = ["/api", "/hubs", "/openapi", "/healthz", "/readyz", "/metrics", "/assets"];

    public static WebApplication UseBrowserApp(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                // Vite names built assets by their content hash: they never change. The page itself always revalidates.
                context.Context.Response.Headers.CacheControl =
                    context.Context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                        ? "public, max-age=31536000, immutable"
                        : "no-cache";
            },
        });
        return app;
    }

    public static WebApplication MapBrowserApp(this WebApplication app)
    {
        app.MapFallback(async context =>
        {
            var path = context.Request.Path;
            var page = app.Environment.WebRootFileProvider.GetFileInfo("index.html");
            if (ServerPaths.Any(prefix => path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)) || !page.Exists)
            {
                await TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found").ExecuteAsync(context);
                return;
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-cache";
            await context.Response.SendFileAsync(page);
        })
        // Only for what a browser navigates with: were it a candidate for other methods, routing would pick it
        // over an API endpoint that an empty POST matches only loosely (no Content-Type), and answer 404.
        .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]))
        .AllowAnonymous();
        return app;
    }
}

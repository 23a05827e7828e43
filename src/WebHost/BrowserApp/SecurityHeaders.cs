namespace Splynx.Orleans.WebHost.BrowserApp;

/// <summary>
/// Headers that keep the browser app safe whatever a message or a customer's data contains: no inline or
/// foreign script can run, no other site can frame the app, responses are never sniffed into another type,
/// and no address of the app leaks to other sites.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// Scripts and styles only from the app's own files; the live channel is same-origin (CSP 'self' covers
    /// its WebSocket). Message HTML lives in sandboxed frames, whose srcdoc documents inherit this policy.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
            return next(context);
        });
}

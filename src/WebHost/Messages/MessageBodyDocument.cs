using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Splynx.Orleans.WebHost.Messages;

/// <summary>
/// The HTML body of a message as a document of its own, for the browser app's sandboxed frame (I3). It is served
/// from its own address rather than as <c>srcdoc</c> so that it carries its own Content-Security-Policy: a
/// <c>srcdoc</c> document inherits the app's policy, which refuses the message's inline styles (each refusal an
/// error in the console) and, being the app's, is no place to say "nothing from anywhere". This one allows inline
/// styles and inline images and nothing that leaves the web host, and sandboxes the document even when it is
/// opened on its own. The HTML is already made safe (<see cref="Storage.Messages.SafeHtml"/>); this is the second wall.
/// </summary>
public static class MessageBodyDocument
{
    private const string NothingLeaves =
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; base-uri 'none'; " +
        "frame-ancestors 'self'; ";

    /// <summary>The document the reader sees: no script, an origin of its own, links that open in a new tab.</summary>
    public const string ContentSecurityPolicy = NothingLeaves + "sandbox allow-popups allow-popups-to-escape-sandbox";

    /// <summary>
    /// The same document laid out unseen beside it, so that the app can read its height and size the reader's frame
    /// to its content (a frame the app cannot reach cannot be measured). It keeps the app's origin for that, and runs
    /// no script either, so nothing in it can use the origin; nor can it open anything.
    /// </summary>
    public const string LayoutContentSecurityPolicy = NothingLeaves + "sandbox allow-same-origin";

    private static readonly HtmlParser Parser = new();

    /// <summary>A whole document: the safe HTML, links that show where they really go, and a readable default style.</summary>
    public static string Of(string safeHtml)
    {
        var body = Parser.ParseDocument(safeHtml).Body!;
        foreach (var link in body.QuerySelectorAll("a[href]"))
        {
            ShowHost(link);
        }
        return $"""
            <!doctype html>
            <html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank">
            <style>
            body {"{"} margin: 0; padding: 16px 24px; font: 15px/1.5 system-ui, "Liberation Sans", "DejaVu Sans", sans-serif; color: #1c2733; overflow-wrap: anywhere; {"}"}
            img {"{"} max-width: 100%; height: auto; {"}"}
            .link-host {"{"} font-size: 12px; color: #556270; {"}"}
            </style></head>
            <body>{body.InnerHtml}</body></html>
            """;
    }

    /// <summary>
    /// A link whose text hides its destination ("Your bank" → evil.example) gets the real host written after it;
    /// the sanitizer already makes every link open in a new tab without a referrer.
    /// </summary>
    private static void ShowHost(IElement link)
    {
        if (!Uri.TryCreate(link.GetAttribute("href"), UriKind.Absolute, out var target) || target.Scheme is not ("http" or "https"))
        {
            return;
        }
        link.SetAttribute("title", target.AbsoluteUri);
        if (link.TextContent.Trim().Equals(target.Host, StringComparison.OrdinalIgnoreCase))
        {
            return;
        }
        var host = link.Owner!.CreateElement("span");
        host.ClassName = "link-host";
        host.TextContent = $" ({target.Host})";
        link.After(host);
    }
}

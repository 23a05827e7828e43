using Ganss.Xss;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// Makes a message's HTML safe to show inside the admin panel (I3): no scripts, event handlers,
/// forms, frames or plugins, and no remote content (images, backgrounds, styles fetched from the
/// sender's servers, which would tell them the mail was read); ordinary formatting, links and inline
/// (<c>cid:</c>, <c>data:</c>) images stay.
/// </summary>
public static class SafeHtml
{
    private static readonly string[] RemoteContentAttributes = ["src", "srcset", "background", "poster", "lowsrc", "dynsrc"];

    private static readonly HtmlSanitizer Sanitizer = Create();

    public static string Sanitize(string html) => Sanitizer.Sanitize(html);

    private static HtmlSanitizer Create()
    {
        var sanitizer = new HtmlSanitizer();
        foreach (var tag in new[] { "form", "input", "button", "select", "option", "textarea", "iframe", "frame", "object", "embed", "link", "meta", "base", "style" })
        {
            sanitizer.AllowedTags.Remove(tag);
        }
        // CSS that loads something from elsewhere.
        foreach (var property in new[] { "background", "background-image", "list-style", "list-style-image", "content", "cursor", "border-image", "mask", "mask-image", "behavior" })
        {
            sanitizer.AllowedCssProperties.Remove(property);
        }
        sanitizer.AllowedSchemes.Clear();
        foreach (var scheme in new[] { "http", "https", "mailto", "cid", "data" })
        {
            sanitizer.AllowedSchemes.Add(scheme);
        }
        sanitizer.AllowedAttributes.Add("class");
        sanitizer.PostProcessNode += (_, args) =>
        {
            if (args.Node is not AngleSharp.Dom.IElement element)
            {
                return;
            }
            foreach (var name in RemoteContentAttributes)
            {
                var value = element.GetAttribute(name);
                if (value is not null && !IsInline(value))
                {
                    element.RemoveAttribute(name);
                }
            }
            if (element.LocalName == "a" && element.HasAttribute("href"))
            {
                // Links open outside the panel and say nothing about who followed them.
                element.SetAttribute("target", "_blank");
                element.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        };
        return sanitizer;
    }

    private static bool IsInline(string url)
    {
        var trimmed = url.TrimStart();
        return trimmed.StartsWith("cid:", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase);
    }
}

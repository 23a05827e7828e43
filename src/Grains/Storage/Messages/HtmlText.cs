using System.Text;
using MimeKit.Text;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>A rough plain-text rendering of HTML, for the snippet and the search of HTML-only mail.</summary>
internal static class HtmlText
{
    private static readonly HashSet<HtmlTagId> Invisible = [HtmlTagId.Head, HtmlTagId.Script, HtmlTagId.Style, HtmlTagId.Title];

    private static readonly HashSet<HtmlTagId> LineBreaking =
    [
        HtmlTagId.Br, HtmlTagId.P, HtmlTagId.Div, HtmlTagId.TR, HtmlTagId.LI, HtmlTagId.BlockQuote, HtmlTagId.Pre,
        HtmlTagId.H1, HtmlTagId.H2, HtmlTagId.H3, HtmlTagId.H4, HtmlTagId.H5, HtmlTagId.H6, HtmlTagId.HR, HtmlTagId.Table,
    ];

    public static string ToPlainText(string html)
    {
        var text = new StringBuilder(html.Length / 2);
        var tokenizer = new HtmlTokenizer(new StringReader(html));
        var hiddenDepth = 0;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when Invisible.Contains(tag.Id) && !tag.IsEmptyElement:
                    hiddenDepth = Math.Max(0, hiddenDepth + (tag.IsEndTag ? -1 : 1));
                    break;
                case HtmlTagToken tag when LineBreaking.Contains(tag.Id):
                    text.Append('\n');
                    break;
                case HtmlTagToken { Id: HtmlTagId.TD or HtmlTagId.TH }:
                    text.Append(' ');
                    break;
                case HtmlDataToken data when hiddenDepth == 0 && token.Kind is HtmlTokenKind.Data or HtmlTokenKind.CData:
                    text.Append(data.Data);
                    break;
            }
        }
        return text.ToString().Trim();
    }
}

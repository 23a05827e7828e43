using Splynx.Orleans.Storage.Messages;

namespace Splynx.Orleans.Tests.Customers;

public sealed class SafeHtmlTests
{
    [Theory]
    [InlineData("<p>hi</p><script>alert(1)</script>", "<script")]
    [InlineData("<img src=\"x.png\" onerror=\"alert(1)\">", "onerror")]
    [InlineData("<a href=\"javascript:alert(1)\">click</a>", "javascript:")]
    [InlineData("<div style=\"width: expression(alert(1))\">x</div>", "expression")]
    [InlineData("<img src=\"https://tracker.example/pixel.gif\">", "tracker.example")]
    [InlineData("<div style=\"background-image: url(https://tracker.example/bg.png)\">x</div>", "tracker.example")]
    [InlineData("<form action=\"https://evil.example\"><input name=\"password\"></form>", "<form")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>", "iframe")]
    [InlineData("<body onload=\"steal()\">x</body>", "onload")]
    [InlineData("<link rel=\"stylesheet\" href=\"https://evil.example/a.css\">", "evil.example")]
    [InlineData("<svg><script>alert(1)</script></svg>", "alert")]
    public void Hostile_markup_is_removed(string html, string forbidden) =>
        Assert.DoesNotContain(forbidden, SafeHtml.Sanitize(html), StringComparison.OrdinalIgnoreCase);

    [Fact]
    public void Ordinary_formatting_links_and_inline_images_are_kept()
    {
        var safe = SafeHtml.Sanitize("""
            <p style="color: red">Hello <b>Bob</b>, <i>see</i> <a href="https://example.com/invoice">the invoice</a>.</p>
            <table><tr><td>Plan</td><td>100 Mbit</td></tr></table><ul><li>one</li></ul>
            <img src="cid:logo@example.com" alt="logo">
            """);

        Assert.Contains("<b>Bob</b>", safe, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com/invoice\"", safe, StringComparison.Ordinal);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", safe, StringComparison.Ordinal);
        Assert.Contains("style=\"color:", safe, StringComparison.Ordinal);
        Assert.Contains("<td>100 Mbit</td>", safe, StringComparison.Ordinal);
        Assert.Contains("src=\"cid:logo@example.com\"", safe, StringComparison.Ordinal);
    }
}

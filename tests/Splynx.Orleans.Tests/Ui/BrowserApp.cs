using System.Text.RegularExpressions;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using Splynx.Orleans.Tests.Api;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Ui;

/// <summary>
/// A real web host with its silo (<see cref="ApiHost"/>) and Debian's Chromium driven by Playwright, shared by
/// the browser tests. Playwright never downloads a browser: it launches /usr/bin/chromium.
/// </summary>
public sealed class BrowserApp : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;
    private IBrowser? _chromium;

    public ApiHost Host { get; } = new();

    public static string ScreenshotFolder { get; } = Path.Combine(RepositoryPaths.Root, ".test-results", "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: scripts/browser.sh installs Debian's chromium.");
        }
        await Host.InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        _chromium = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // No sandbox: the tests run as root. The rest keeps Chromium off the network and quiet.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }
        _playwright?.Dispose();
        await Host.DisposeAsync();
    }

    /// <summary>A fresh browser profile (its own cookies) with one page on the app.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await (_chromium ?? throw new InvalidOperationException("Not started.")).NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.Url.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        // What the app writes to the console explains a failure. Answers 401 and 400 are expected (signed out, field errors).
        page.Console += (_, message) =>
        {
            if (!message.Text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal))
            {
                Console.WriteLine($"[browser {message.Type}] {message.Text}");
            }
        };
        return page;
    }

    /// <summary>Signs in through the form and waits for the shell.</summary>
    public static async Task SignInAsync(IPage page, string login, string password, string path = "/inbox")
    {
        await page.GotoAsync(path);
        await page.GetByLabel("Login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    /// <summary>
    /// Keeps a picture of the whole screen under .test-results/screenshots, for people to look at. The window is
    /// made as tall as the page first, so that sticky bars sit where a person sees them, not mid-page.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var (width, height) = page.ViewportSize is { } viewport ? (viewport.Width, viewport.Height) : (1280, 900);
        var pageHeight = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        await page.SetViewportSizeAsync(width, Math.Max(height, pageHeight));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png") });
        await page.SetViewportSizeAsync(width, height);
    }

    /// <summary>
    /// axe-core over the whole page: no serious or critical violation. A frame that may run no script (a message's
    /// body) cannot take axe-core's script: <paramref name="framesToo"/> false checks the page around it only.
    /// </summary>
    public static async Task AssertAccessibleAsync(IPage page, bool framesToo = true)
    {
        var results = framesToo ? await page.RunAxe() : await page.RunAxe(new AxeRunOptions { Iframes = false });
        var bad = results.Violations
            .Where(violation => violation.Impact is "serious" or "critical")
            .Select(violation => $"{violation.Impact} {violation.Id}: {violation.Help} at {string.Join(", ", violation.Nodes.Select(node => node.Target?.ToString()))}")
            .ToList();
        Assert.True(bad.Count == 0, $"axe-core on {page.Url}:\n" + string.Join("\n", bad));
    }

    public static Regex Words(string text) => new(Regex.Escape(text), RegexOptions.IgnoreCase);
}

/// <summary>Browser tests share one web host and one Chromium, and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserApp>
{
    public const string Name = "Browser";
}

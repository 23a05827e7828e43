using Splynx.Orleans.Bench;

return args switch
{
    ["ingest", ..] => await IngestBenchmark.RunAsync(Option(args, "--messages", 10_000)),
    ["inbox-ui", ..] => await InboxUiBenchmark.RunAsync(Option(args, "--messages", 10_000)),
    ["inbox", ..] => await InboxBenchmark.RunAsync(Option(args, "--messages", 1_000_000), Option(args, "--mailboxes", 1_000)),
    _ => Usage(),
};

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("usage: bench ingest [--messages N] | bench inbox [--messages N] [--mailboxes N] | bench inbox-ui [--messages N]");
    return 2;
}

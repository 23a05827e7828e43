using Splynx.Orleans.Bench;

return args switch
{
    ["ingest", ..] => await IngestBenchmark.RunAsync(Option(args, "--messages", 10_000)),
    ["inbox-ui", ..] => await InboxUiBenchmark.RunAsync(Option(args, "--messages", 10_000)),
    ["inbox", ..] => await InboxBenchmark.RunAsync(Option(args, "--messages", 1_000_000), Option(args, "--mailboxes", 1_000)),
    ["scale", ..] => await ScaleBenchmark.RunAsync(Option(args, "--mailboxes", 2_000), Option(args, "--deliveries", 200), Option(args, "--connects-per-second", 100),
        args.Contains("--failover-only")),
    ["chaos", ..] => await ChaosRun.RunAsync(Option(args, "--minutes", 10), Option(args, "--mailboxes", 200), Option(args, "--per-minute", 60) / 60.0,
        Option(args, "--seed", 1)),
    ["bare-idle", var list, var password, var perSecond, var inFlight] => await BareIdleProgram.RunChildAsync(list, password,
        int.Parse(perSecond, System.Globalization.CultureInfo.InvariantCulture), int.Parse(inFlight, System.Globalization.CultureInfo.InvariantCulture)),
    _ => Usage(),
};

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("usage: bench ingest [--messages N] | bench inbox [--messages N] [--mailboxes N] | bench inbox-ui [--messages N] | bench scale [--mailboxes N] [--deliveries N] [--connects-per-second N] [--failover-only] | bench chaos [--minutes N] [--mailboxes N] [--per-minute N] [--seed N]");
    return 2;
}

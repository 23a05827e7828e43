using System.Globalization;
using System.Net.Sockets;
using MailKit;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>
/// One client connection to <see cref="ScriptedImapServer"/>: reads commands, answers from the
/// server's model, and tells the client about messages that arrived or vanished (EXISTS, EXPUNGE)
/// the way a real server does: before the answer to the next command, and at once while idling.
/// </summary>
internal sealed class ImapSession : IDisposable
{
    private readonly ScriptedImapServer _server;
    private readonly TcpClient _client;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ImapCommandReader _reader;
    private readonly SemaphoreSlim _writing = new(1, 1);
    // The selected folder's UIDs by message number, as this client has been told them.
    private readonly List<uint> _view = [];
    private TaskCompletionSource _changed = NewSignal();
    private ScriptedFolder? _selected;
    private bool _readOnly;
    private bool _authenticated;
    // What this connection was promised in its greeting; the server's setting may change later.
    private string _capabilities = "";
    private bool _idleAdvertised;
    private volatile bool _idling;
    private volatile bool _dropped;

    public ImapSession(ScriptedImapServer server, TcpClient client, int id)
    {
        _server = server;
        _client = client;
        _socket = client.Client;
        _stream = client.GetStream();
        _reader = new ImapCommandReader(_stream, line => SendAsync(new ImapResponse(line), CancellationToken.None));
        Id = id;
    }

    public int Id { get; }

    public bool IsIdling => _idling;

    /// <summary>The model changed: an idling session tells its client now, the others at their next command.</summary>
    public void NotifyChanged() => Volatile.Read(ref _changed).TrySetResult();

    public async Task RunAsync(Task greetingAllowed, CancellationToken stopping)
    {
        try
        {
            await greetingAllowed.WaitAsync(stopping);
            _idleAdvertised = _server.Idle;
            _capabilities = ScriptedImapServer.CapabilitiesWith(_idleAdvertised);
            await SendAsync(new ImapResponse($"* OK [CAPABILITY {_capabilities}] Scripted IMAP server ready"), stopping);
            while (await _reader.ReadCommandAsync(stopping) is { } command)
            {
                if (!await HandleAsync(command, stopping))
                {
                    return;
                }
            }
            _server.Log(Id, "--", "the client closed the connection");
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            _server.Log(Id, "--", $"connection ended: {exception.GetType().Name}");
        }
        catch (Exception exception)
        {
            // A bug in this server: show it where the test looks, and fail the server's disposal with it.
            _server.Log(Id, "!!", $"the scripted server failed: {exception}");
            throw;
        }
        finally
        {
            _idling = false;
            _client.Dispose();
        }
    }

    /// <summary>Ends the connection from the server's side: with a <c>* BYE</c> first if given, otherwise abruptly (RST).</summary>
    public void Drop(string? farewell)
    {
        _dropped = true;
        try
        {
            if (farewell is not null && _writing.Wait(TimeSpan.FromSeconds(2)))
            {
                try
                {
                    var bye = new ImapResponse($"* BYE {farewell}");
                    _server.Log(Id, "S:", bye.TranscriptText);
                    _stream.Write(bye.ToArray());
                    _socket.Shutdown(SocketShutdown.Both);
                }
                finally
                {
                    _writing.Release();
                }
            }
            else
            {
                _socket.LingerState = new LingerOption(true, 0);
            }
            _server.Log(Id, "--", farewell is null ? "dropped by the server" : "closed by the server after BYE");
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // Already gone.
        }
        finally
        {
            _client.Dispose();
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _writing.Dispose();
    }

    private async Task<bool> HandleAsync(string command, CancellationToken stopping)
    {
        var arguments = new ImapArguments(command);
        var tag = "*";
        var logged = false;
        try
        {
            tag = arguments.Atom();
            var name = arguments.Atom().ToUpperInvariant();
            if (name == "UID")
            {
                name = "UID " + arguments.Atom().ToUpperInvariant();
            }
            _server.RecordCommand(Id, name, name == "LOGIN" ? $"{tag} LOGIN {Redacted(command)}" : command);
            logged = true;
            return await ExecuteAsync(tag, name, arguments, stopping);
        }
        catch (ImapSyntaxException exception)
        {
            if (!logged)
            {
                _server.Log(Id, "C:", command);
            }
            await TaggedAsync(tag, "BAD", exception.Message, stopping);
            return true;
        }
    }

    private static string Redacted(string command)
    {
        var arguments = new ImapArguments(command);
        arguments.Atom();
        arguments.Atom();
        return arguments.AtEnd ? "" : $"{arguments.AString()} ****";
    }

    private async Task<bool> ExecuteAsync(string tag, string name, ImapArguments arguments, CancellationToken stopping)
    {
        if (_selected is not null && name is not ("SELECT" or "EXAMINE" or "LOGOUT" or "IDLE"))
        {
            // RFC 3501 7.4.1: no EXPUNGE during FETCH, STORE or SEARCH by message number.
            await FlushAsync(allowExpunge: name is not ("FETCH" or "STORE" or "SEARCH"), stopping);
        }
        if (_server.RefusalOf(name) is { } refusal)
        {
            if (name is "SELECT" or "EXAMINE")
            {
                _selected = null;
                _view.Clear();
            }
            await SendAsync(new ImapResponse($"{tag} {refusal}"), stopping);
            return true;
        }
        switch (name)
        {
            case "CAPABILITY":
                await SendAsync(new ImapResponse($"* CAPABILITY {_capabilities}"), stopping);
                await TaggedAsync(tag, "OK", "CAPABILITY completed", stopping);
                return true;
            case "NOOP":
            case "CHECK":
                await TaggedAsync(tag, "OK", $"{name} completed", stopping);
                return true;
            case "LOGOUT":
                await SendAsync(new ImapResponse("* BYE Logging out"), stopping);
                await TaggedAsync(tag, "OK", "LOGOUT completed", stopping);
                return false;
            case "LOGIN":
                await LoginAsync(tag, arguments, stopping);
                return true;
        }

        if (!_authenticated)
        {
            throw new ImapSyntaxException($"{name} needs a login first");
        }
        switch (name)
        {
            case "ENABLE":
                await SendAsync(new ImapResponse("* ENABLED"), stopping);
                await TaggedAsync(tag, "OK", "ENABLE completed", stopping);
                return true;
            case "NAMESPACE":
                await SendAsync(new ImapResponse("* NAMESPACE ((\"\" \"/\")) NIL NIL"), stopping);
                await TaggedAsync(tag, "OK", "NAMESPACE completed", stopping);
                return true;
            case "LIST":
            case "LSUB":
                await ListAsync(tag, name, arguments, stopping);
                return true;
            case "STATUS":
                await StatusAsync(tag, arguments, stopping);
                return true;
            case "SELECT":
            case "EXAMINE":
                await SelectAsync(tag, name, arguments, stopping);
                return true;
            case "IDLE" when _idleAdvertised:
                return await IdleAsync(tag, stopping);
        }

        if (_selected is null)
        {
            throw new ImapSyntaxException($"{name} needs a selected folder");
        }
        switch (name)
        {
            case "CLOSE":
            case "UNSELECT":
                _selected = null;
                _view.Clear();
                await TaggedAsync(tag, "OK", $"{name} completed", stopping);
                return true;
            case "SEARCH":
            case "UID SEARCH":
                await SearchAsync(tag, byUid: name == "UID SEARCH", arguments, stopping);
                return true;
            case "FETCH":
            case "UID FETCH":
                await FetchAsync(tag, byUid: name == "UID FETCH", arguments, stopping);
                return true;
            case "STORE":
            case "UID STORE":
                await StoreAsync(tag, byUid: name == "UID STORE", arguments, stopping);
                return true;
            default:
                throw new ImapSyntaxException($"Unknown command {name}");
        }
    }

    private async Task LoginAsync(string tag, ImapArguments arguments, CancellationToken stopping)
    {
        var (user, password) = (arguments.AString(), arguments.AString());
        _authenticated = _server.TryLogin(user, password);
        await (_authenticated
            ? TaggedAsync(tag, "OK", "Logged in", stopping)
            : TaggedAsync(tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed.", stopping));
    }

    private async Task ListAsync(string tag, string name, ImapArguments arguments, CancellationToken stopping)
    {
        var specialUseOnly = arguments.SkipList().Contains("SPECIAL-USE", StringComparer.OrdinalIgnoreCase);
        var reference = arguments.AString();
        var pattern = reference + arguments.AString();
        var responses = new List<ImapResponse>();
        if (pattern.Length == 0)
        {
            responses.Add(new ImapResponse($"* {name} (\\Noselect) \"/\" \"\""));
        }
        else
        {
            foreach (var folder in _server.FolderSnapshot())
            {
                var ignoreCase = folder.Name == ScriptedImapServer.Inbox;
                if (Glob.Matches(pattern, folder.Name, ignoreCase) && (!specialUseOnly || folder.SpecialUse is not null))
                {
                    var attributes = folder.SpecialUse is null ? "\\HasNoChildren" : $"\\HasNoChildren {folder.SpecialUse}";
                    responses.Add(new ImapResponse($"* {name} ({attributes}) \"/\" ").String(folder.Name));
                }
            }
        }
        await SendAllAsync(responses, stopping);
        await TaggedAsync(tag, "OK", $"{name} completed", stopping);
    }

    private async Task StatusAsync(string tag, ImapArguments arguments, CancellationToken stopping)
    {
        var name = arguments.AString();
        var items = arguments.AtomList();
        ImapResponse? response = null;
        lock (_server.Gate)
        {
            if (_server.FindFolder(name) is { } folder)
            {
                var values = items.Select(item => item.ToUpperInvariant() switch
                {
                    "MESSAGES" => $"MESSAGES {folder.Messages.Count}",
                    "RECENT" => "RECENT 0",
                    "UIDNEXT" => $"UIDNEXT {folder.UidNext}",
                    "UIDVALIDITY" => $"UIDVALIDITY {folder.UidValidity}",
                    "UNSEEN" => $"UNSEEN {folder.Messages.Count(message => !message.Flags.HasFlag(MessageFlags.Seen))}",
                    _ => throw new ImapSyntaxException($"Unsupported STATUS item {item}"),
                });
                response = new ImapResponse("* STATUS ").String(folder.Name).Text($" ({string.Join(' ', values)})");
            }
        }
        if (response is null)
        {
            await TaggedAsync(tag, "NO", "[NONEXISTENT] No such folder", stopping);
            return;
        }
        await SendAsync(response, stopping);
        await TaggedAsync(tag, "OK", "STATUS completed", stopping);
    }

    private async Task SelectAsync(string tag, string name, ImapArguments arguments, CancellationToken stopping)
    {
        var folderName = arguments.AString();
        var responses = new List<ImapResponse>();
        lock (_server.Gate)
        {
            _view.Clear();
            _selected = _server.FindFolder(folderName);
            if (_selected is { } folder)
            {
                _readOnly = name == "EXAMINE";
                _view.AddRange(folder.Messages.Select(message => message.Uid));
                responses.Add(new ImapResponse("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)"));
                responses.Add(new ImapResponse("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted."));
                responses.Add(new ImapResponse($"* {_view.Count} EXISTS"));
                responses.Add(new ImapResponse("* 0 RECENT"));
                responses.Add(new ImapResponse($"* OK [UIDVALIDITY {folder.UidValidity}] UIDs valid"));
                responses.Add(new ImapResponse($"* OK [UIDNEXT {folder.UidNext}] Predicted next UID"));
            }
        }
        if (_selected is null)
        {
            await TaggedAsync(tag, "NO", "[NONEXISTENT] No such folder", stopping);
            return;
        }
        await SendAllAsync(responses, stopping);
        await TaggedAsync(tag, "OK", _readOnly ? $"[READ-ONLY] {name} completed" : $"[READ-WRITE] {name} completed", stopping);
    }

    private async Task<bool> IdleAsync(string tag, CancellationToken stopping)
    {
        await SendAsync(new ImapResponse("+ idling"), stopping);
        var done = _reader.ReadCommandAsync(stopping);
        _idling = true;
        try
        {
            while (true)
            {
                // A fresh signal before looking, so that a change made while we look wakes the next wait.
                var changed = NewSignal();
                Volatile.Write(ref _changed, changed);
                await FlushAsync(allowExpunge: true, stopping);
                if (await Task.WhenAny(done, changed.Task) == done)
                {
                    break;
                }
            }
        }
        finally
        {
            _idling = false;
        }
        if (await done is not { } line)
        {
            _server.Log(Id, "--", "the client closed the connection while idling");
            return false;
        }
        _server.Log(Id, "C:", line);
        if (!line.Equals("DONE", StringComparison.OrdinalIgnoreCase))
        {
            await TaggedAsync(tag, "BAD", "Expected DONE", stopping);
            return true;
        }
        await TaggedAsync(tag, "OK", "IDLE terminated", stopping);
        return true;
    }

    private async Task SearchAsync(string tag, bool byUid, ImapArguments arguments, CancellationToken stopping)
    {
        var criteria = ImapSearch.Parse(arguments);
        var found = new List<uint>();
        bool arrivedMeanwhile;
        lock (_server.Gate)
        {
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            for (var i = 0; i < _view.Count; i++)
            {
                if (_selected!.Find(_view[i]) is { } message
                    && criteria(new SearchCandidate(message, message.Flags, (uint)i + 1, highestUid, (uint)_view.Count)))
                {
                    found.Add(byUid ? message.Uid : (uint)i + 1);
                }
            }
            arrivedMeanwhile = _server.DeliverArrivalsDuringSearch(_selected!);
        }
        await SendAsync(new ImapResponse("* SEARCH" + string.Concat(found.Select(value => " " + value.ToString(CultureInfo.InvariantCulture)))), stopping);
        if (arrivedMeanwhile)
        {
            await FlushAsync(allowExpunge: byUid, stopping);
        }
        await TaggedAsync(tag, "OK", "SEARCH completed", stopping);
    }

    private static readonly string[] FetchItems = ["UID", "FLAGS", "INTERNALDATE", "ENVELOPE", "RFC822.SIZE", "BODY[]", "BODY.PEEK[]", "RFC822"];

    /// <summary>A FETCH data item this server supports, with the ALL and FAST macros spelt out.</summary>
    private static string[] FetchItem(string item) => item.ToUpperInvariant() switch
    {
        "ALL" => ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
        "FAST" => ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
        var name when FetchItems.Contains(name) => [name],
        _ => throw new ImapSyntaxException($"Unsupported FETCH item {item}"),
    };

    private async Task FetchAsync(string tag, bool byUid, ImapArguments arguments, CancellationToken stopping)
    {
        var set = SequenceSet.Parse(arguments.Atom());
        var items = arguments.AtomList().SelectMany(FetchItem).ToList();
        var fetchesBody = items.Any(item => item is "BODY[]" or "BODY.PEEK[]" or "RFC822");

        if (byUid && fetchesBody && DropScheduledDuring(set))
        {
            Drop(farewell: null);
            throw new IOException("Dropped during a body fetch, as the test asked.");
        }
        if (byUid && fetchesBody && ExpungeScheduledBodies(set))
        {
            await FlushAsync(allowExpunge: true, stopping);
            _server.NotifyAll();
        }

        var responses = new List<ImapResponse>();
        var refused = false;
        lock (_server.Gate)
        {
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            for (var i = 0; i < _view.Count; i++)
            {
                var number = (uint)i + 1;
                if ((byUid ? set.Contains(_view[i], highestUid) : set.Contains(number, (uint)_view.Count))
                    && _selected!.Find(_view[i]) is { } message)
                {
                    if (fetchesBody && _server.IsBodyRefused(_selected.Name, message.Uid))
                    {
                        refused = true;
                        continue;
                    }
                    responses.Add(FetchResponse(number, message, items, byUid));
                }
            }
        }
        await SendAllAsync(responses, stopping);
        await (refused
            ? TaggedAsync(tag, "NO", "[SERVERBUG] Internal error occurred. Refer to server log for more information.", stopping)
            : TaggedAsync(tag, "OK", "FETCH completed", stopping));
    }

    private bool DropScheduledDuring(SequenceSet set)
    {
        lock (_server.Gate)
        {
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            var drop = false;
            foreach (var uid in _view.Where(uid => set.Contains(uid, highestUid)))
            {
                drop |= _server.TakeDropDuringBodyFetch(_selected!.Name, uid);
            }
            return drop;
        }
    }

    /// <summary>Removes the messages a test asked to vanish just before their bodies are fetched. True if any did.</summary>
    private bool ExpungeScheduledBodies(SequenceSet set)
    {
        lock (_server.Gate)
        {
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            var expunged = 0;
            foreach (var message in _selected!.Messages.ToList())
            {
                if (_view.Contains(message.Uid) && set.Contains(message.Uid, highestUid)
                    && _server.TakeExpungeBeforeBodyFetch(_selected.Name, message.Uid))
                {
                    _selected.Messages.Remove(message);
                    expunged++;
                }
            }
            return expunged > 0;
        }
    }

    private ImapResponse FetchResponse(uint number, ScriptedMessage message, List<string> items, bool byUid)
    {
        var seenByFetch = !_readOnly && items.Any(item => item is "BODY[]" or "RFC822") && !message.Flags.HasFlag(MessageFlags.Seen);
        if (seenByFetch)
        {
            message.Flags |= MessageFlags.Seen;
        }
        var parts = new List<Action<ImapResponse>>();
        if (byUid || items.Contains("UID"))
        {
            parts.Add(response => response.Text($"UID {message.Uid}"));
        }
        foreach (var item in items.Distinct())
        {
            switch (item)
            {
                case "FLAGS":
                    parts.Add(response => response.Text("FLAGS ").Flags(message.Flags));
                    break;
                case "INTERNALDATE":
                    parts.Add(response => response.Text("INTERNALDATE ").InternalDate(message.InternalDate));
                    break;
                case "RFC822.SIZE":
                    parts.Add(response => response.Text($"RFC822.SIZE {message.Raw.Length}"));
                    break;
                case "ENVELOPE":
                    parts.Add(response => response.Text("ENVELOPE ").Envelope(message.Message));
                    break;
                case "BODY[]":
                case "BODY.PEEK[]":
                    parts.Add(response => response.Text("BODY[] ").Literal(message.Raw));
                    break;
                case "RFC822":
                    parts.Add(response => response.Text("RFC822 ").Literal(message.Raw));
                    break;
            }
        }
        if (seenByFetch && !items.Contains("FLAGS"))
        {
            parts.Add(response => response.Text("FLAGS ").Flags(message.Flags));
        }

        var fetch = new ImapResponse($"* {number} FETCH (");
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0)
            {
                fetch.Text(" ");
            }
            parts[i](fetch);
        }
        return fetch.Text(")");
    }

    private async Task StoreAsync(string tag, bool byUid, ImapArguments arguments, CancellationToken stopping)
    {
        var set = SequenceSet.Parse(arguments.Atom());
        var action = arguments.Atom().ToUpperInvariant();
        var silent = action.EndsWith(".SILENT", StringComparison.Ordinal);
        var operation = silent ? action[..^".SILENT".Length] : action;
        if (operation is not ("FLAGS" or "+FLAGS" or "-FLAGS"))
        {
            throw new ImapSyntaxException($"Unsupported STORE action {action}");
        }
        var flags = arguments.AtomList().Aggregate(MessageFlags.None, (all, flag) => all | ImapResponse.ParseFlag(flag));
        if (_readOnly)
        {
            await TaggedAsync(tag, "NO", "[READ-ONLY] The folder is read-only", stopping);
            return;
        }

        var responses = new List<ImapResponse>();
        lock (_server.Gate)
        {
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            for (var i = 0; i < _view.Count; i++)
            {
                var number = (uint)i + 1;
                if (!(byUid ? set.Contains(_view[i], highestUid) : set.Contains(number, (uint)_view.Count))
                    || _selected!.Find(_view[i]) is not { } message)
                {
                    continue;
                }
                message.Flags = operation switch
                {
                    "+FLAGS" => message.Flags | flags,
                    "-FLAGS" => message.Flags & ~flags,
                    _ => flags,
                };
                if (operation != "-FLAGS" && flags.HasFlag(MessageFlags.Seen))
                {
                    _server.RecordSeen(_selected, message);
                }
                if (!silent)
                {
                    var response = new ImapResponse($"* {number} FETCH (");
                    if (byUid)
                    {
                        response.Text($"UID {message.Uid} ");
                    }
                    responses.Add(response.Text("FLAGS ").Flags(message.Flags).Text(")"));
                }
            }
        }
        await SendAllAsync(responses, stopping);
        await TaggedAsync(tag, "OK", "STORE completed", stopping);
    }

    /// <summary>Tells the client what changed in the selected folder since it last heard: EXPUNGEs (highest first), then EXISTS.</summary>
    private async Task FlushAsync(bool allowExpunge, CancellationToken stopping)
    {
        var responses = new List<ImapResponse>();
        lock (_server.Gate)
        {
            if (_selected is null)
            {
                return;
            }
            for (var i = _view.Count - 1; allowExpunge && i >= 0; i--)
            {
                if (_selected.Find(_view[i]) is null)
                {
                    responses.Add(new ImapResponse($"* {i + 1} EXPUNGE"));
                    _view.RemoveAt(i);
                }
            }
            var highestUid = _view.Count == 0 ? 0 : _view[^1];
            var arrived = _selected.Messages.Where(message => message.Uid > highestUid).Select(message => message.Uid).ToList();
            if (arrived.Count > 0)
            {
                _view.AddRange(arrived);
                responses.Add(new ImapResponse($"* {_view.Count} EXISTS"));
            }
        }
        await SendAllAsync(responses, stopping);
    }

    private Task TaggedAsync(string tag, string status, string text, CancellationToken stopping) =>
        SendAsync(new ImapResponse($"{tag} {status} {text}"), stopping);

    private async Task SendAllAsync(IEnumerable<ImapResponse> responses, CancellationToken stopping)
    {
        foreach (var response in responses)
        {
            await SendAsync(response, stopping);
        }
    }

    private async Task SendAsync(ImapResponse response, CancellationToken stopping)
    {
        await _writing.WaitAsync(stopping);
        try
        {
            if (_dropped)
            {
                throw new IOException("The server dropped this connection.");
            }
            _server.Log(Id, "S:", response.TranscriptText);
            await _stream.WriteAsync(response.ToArray(), stopping);
        }
        finally
        {
            _writing.Release();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

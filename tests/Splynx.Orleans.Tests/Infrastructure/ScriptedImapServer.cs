using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MailKit;
using MimeKit;
using Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A small IMAP4rev1 server on loopback for the edge cases a real server will not produce on demand
/// (a UIDVALIDITY change, an EXPUNGE in the middle of a fetch, a dropped IDLE, no IDLE at all). It
/// keeps a model of two folders (INBOX and Sent, marked <c>\Sent</c>) that tests change through the
/// scenario methods, speaks plain-text IMAP (no TLS, LOGIN only) to any number of clients, and
/// records every line each way in <see cref="Transcript"/> to explain a failure.
/// </summary>
/// <remarks>
/// It speaks what MailKit sends for the mailbox sync: CAPABILITY, LOGIN, NAMESPACE, LIST/LSUB,
/// SELECT/EXAMINE, STATUS, (UID) SEARCH, (UID) FETCH of UID, FLAGS, INTERNALDATE, ENVELOPE,
/// RFC822.SIZE and whole bodies, (UID) STORE of flags, IDLE, NOOP, CHECK, CLOSE, UNSELECT, ENABLE
/// and LOGOUT. Anything else is answered <c>BAD</c>, so an unexpected command shows in the transcript.
/// </remarks>
internal sealed class ScriptedImapServer : IAsyncDisposable
{
    public const string Inbox = "INBOX";
    public const string Sent = "Sent";

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private readonly Dictionary<string, ScriptedFolder> _folders = new(StringComparer.Ordinal);
    private readonly List<ImapSession> _sessions = [];
    private readonly List<Task> _sessionRuns = [];
    private readonly HashSet<(string Folder, uint Uid)> _expungeBeforeBodyFetch = [];
    private readonly HashSet<(string Folder, uint Uid)> _refusedBodies = [];
    private readonly HashSet<(string Folder, uint Uid)> _dropDuringBodyFetch = [];
    private readonly Dictionary<string, Queue<(MimeMessage Message, DateTimeOffset? InternalDate)>> _arrivalsDuringSearch = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refusedCommands = new(StringComparer.Ordinal);
    private readonly List<SeenMark> _seenMarks = [];
    private readonly ConcurrentQueue<string> _transcript = new();
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource _greetingAllowed = Released();
    private int _connections;
    private int _logins;
    private volatile bool _idle;

    /// <param name="username">The only login accepted, with <paramref name="password"/>.</param>
    /// <param name="password">The password of that login.</param>
    /// <param name="idle">Whether IDLE is advertised (see <see cref="Idle"/>).</param>
    /// <param name="sentFolder">Whether there is a Sent folder at all; without it the account has only INBOX.</param>
    public ScriptedImapServer(string username = "scripted-user", string password = "scripted-pass", bool idle = true, bool sentFolder = true)
    {
        Username = username;
        Password = password;
        _idle = idle;
        _folders[Inbox] = new ScriptedFolder(Inbox, null, 1001);
        if (sentFolder)
        {
            _folders[Sent] = new ScriptedFolder(Sent, "\\Sent", 5001);
        }
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(() => AcceptAsync(_stopping.Token));
    }

    public int Port { get; }

    public string Username { get; }

    public string Password { get; }

    /// <summary>Whether IDLE is advertised (and accepted) on connections made from now on.</summary>
    public bool Idle
    {
        get => _idle;
        set => _idle = value;
    }

    /// <summary>Successful logins so far: one per session the client opened.</summary>
    public int Logins => Volatile.Read(ref _logins);

    /// <summary>Connections in IDLE right now.</summary>
    public int Idling
    {
        get
        {
            lock (Gate)
            {
                return _sessions.Count(session => session.IsIdling);
            }
        }
    }

    /// <summary>Every line received (C:) and sent (S:), by connection, with the time since the server started.</summary>
    public IReadOnlyList<string> Transcript => [.. _transcript];

    /// <summary>The name of every command received, in order (<c>LOGIN</c>, <c>UID FETCH</c>, <c>IDLE</c>...).</summary>
    public IReadOnlyList<string> Commands => [.. _commands];

    /// <summary>Each message a client marked <c>\Seen</c> through STORE.</summary>
    public IReadOnlyList<SeenMark> StoredSeen
    {
        get
        {
            lock (Gate)
            {
                return [.. _seenMarks];
            }
        }
    }

    internal Lock Gate { get; } = new();

    /// <summary>No AUTH= mechanisms and no LOGINDISABLED: MailKit logs in with LOGIN.</summary>
    internal static string CapabilitiesWith(bool idle) => "IMAP4rev1 LITERAL+ NAMESPACE" + (idle ? " IDLE" : "");

    /// <summary>Puts a message into a folder under the next UID and tells connected clients. Returns the UID.</summary>
    public uint AddMessage(string folder, MimeMessage message, MessageFlags flags = MessageFlags.None, DateTimeOffset? internalDate = null)
    {
        uint uid;
        lock (Gate)
        {
            uid = Append(_folders[folder], message, flags, internalDate);
        }
        Log(0, "==", $"{folder} gained UID {uid}: {message.Subject}");
        NotifyAll();
        return uid;
    }

    /// <summary>
    /// Like <see cref="AddMessage"/>, but the body handed out is <paramref name="raw"/> as it is (a broken
    /// message, say), while the envelope still comes from <paramref name="headers"/>. Returns the UID.
    /// </summary>
    public uint AddRawMessage(string folder, MimeMessage headers, byte[] raw, DateTimeOffset? internalDate = null)
    {
        uint uid;
        lock (Gate)
        {
            var target = _folders[folder];
            uid = target.UidNext++;
            target.Messages.Add(new ScriptedMessage(uid, headers, raw, MessageFlags.None, internalDate ?? DateTimeOffset.UtcNow));
        }
        Log(0, "==", $"{folder} gained UID {uid}: {raw.Length} raw bytes");
        NotifyAll();
        return uid;
    }

    /// <summary>
    /// What a server that rebuilt its index does: a new UIDVALIDITY, and every message numbered afresh
    /// from 1 in order of delivery (maildir files are named by delivery time). Returns the new UIDVALIDITY.
    /// Connected clients are not told; drop them (<see cref="Outage"/>) as such a server would.
    /// </summary>
    public uint ChangeUidValidity(string folder)
    {
        uint validity;
        lock (Gate)
        {
            var target = _folders[folder];
            validity = target.UidValidity += 100;
            var ordered = target.Messages.OrderBy(message => message.InternalDate).ThenBy(message => message.Uid).ToList();
            target.Messages.Clear();
            target.UidNext = 1;
            foreach (var message in ordered)
            {
                message.Uid = target.UidNext++;
                target.Messages.Add(message);
            }
        }
        Log(0, "==", $"{folder} has UIDVALIDITY {validity} now: {string.Join(", ", UidsAndSubjects(folder))}");
        return validity;
    }

    /// <summary>When a UID FETCH of bodies next includes that message, it is expunged first (<c>* n EXPUNGE</c>) and left out.</summary>
    public void ExpungeBeforeBodyFetchOf(uint uid, string folder = Inbox)
    {
        lock (Gate)
        {
            _expungeBeforeBodyFetch.Add((folder, uid));
        }
    }

    /// <summary>When a UID FETCH of bodies next includes that message, the connection is dropped (RST) instead of an answer.</summary>
    public void DropDuringBodyFetchOf(uint uid, string folder = Inbox)
    {
        lock (Gate)
        {
            _dropDuringBodyFetch.Add((folder, uid));
        }
    }

    /// <summary>
    /// Every UID FETCH of bodies that includes that message is refused from now on, as servers do with a
    /// message they cannot read: the other messages' bodies are sent, then <c>NO [SERVERBUG]</c>.
    /// </summary>
    public void RefuseBodyOf(uint uid, string folder = Inbox)
    {
        lock (Gate)
        {
            _refusedBodies.Add((folder, uid));
        }
    }

    /// <summary>
    /// The message arrives while the next SEARCH in that folder is answered: after the results, so the
    /// client learns of it only from the <c>* n EXISTS</c> that comes before the tagged OK, as real
    /// servers announce mail that came in during a command.
    /// </summary>
    public void ArriveDuringNextSearch(string folder, MimeMessage message, DateTimeOffset? internalDate = null)
    {
        lock (Gate)
        {
            if (!_arrivalsDuringSearch.TryGetValue(folder, out var arrivals))
            {
                _arrivalsDuringSearch[folder] = arrivals = new();
            }
            arrivals.Enqueue((message, internalDate));
        }
    }

    /// <summary>Answers every command of that name (<c>SELECT</c>, <c>UID FETCH</c>) with the given tagged answer (<c>NO ...</c>); null stops.</summary>
    public void Refuse(string command, string? answer)
    {
        if (answer is null)
        {
            _refusedCommands.TryRemove(command, out _);
        }
        else
        {
            _refusedCommands[command] = answer;
        }
    }

    /// <summary>Closes every connection from the server's side: abruptly (RST), or after <c>* BYE farewell</c>.</summary>
    public void DropAllConnections(string? farewell = null)
    {
        List<ImapSession> sessions;
        lock (Gate)
        {
            sessions = [.. _sessions];
        }
        Log(0, "==", $"dropping {sessions.Count} connection(s)");
        foreach (var session in sessions)
        {
            session.Drop(farewell);
        }
    }

    /// <summary>
    /// The server goes away until the returned object is disposed: every connection is dropped, and new
    /// ones are accepted but get no greeting until then, so a test can change the model while no client
    /// can look at it.
    /// </summary>
    public IDisposable Outage(string? farewell = null)
    {
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _greetingAllowed, held);
        Log(0, "==", "outage begins");
        DropAllConnections(farewell);
        return new OutageEnd(this, held);
    }

    /// <summary>The UIDs and subjects of a folder, for assertions and failure messages.</summary>
    public IReadOnlyList<string> UidsAndSubjects(string folder)
    {
        lock (Gate)
        {
            return [.. _folders[folder].Messages.Select(message => $"{message.Uid}:{message.Subject}")];
        }
    }

    public MessageFlags FlagsOf(string folder, string subject)
    {
        lock (Gate)
        {
            return _folders[folder].Messages.Single(message => message.Subject == subject).Flags;
        }
    }

    /// <summary>The transcript (its last lines, when long) for a failure message or the test output.</summary>
    public string TranscriptText(int lastLines = 600)
    {
        var lines = Transcript;
        var shown = lines.Skip(Math.Max(0, lines.Count - lastLines));
        return (lines.Count > lastLines ? $"... {lines.Count - lastLines} earlier lines left out\n" : "") + string.Join('\n', shown);
    }

    internal string? RefusalOf(string command) => _refusedCommands.GetValueOrDefault(command);

    /// <summary>Called under <see cref="Gate"/>.</summary>
    internal bool TakeDropDuringBodyFetch(string folder, uint uid)
    {
        if (!_dropDuringBodyFetch.Remove((folder, uid)))
        {
            return false;
        }
        Log(0, "==", $"the connection drops while {folder} UID {uid} is being fetched");
        return true;
    }

    /// <summary>Called under <see cref="Gate"/>.</summary>
    internal bool IsBodyRefused(string folder, uint uid) => _refusedBodies.Contains((folder, uid));

    /// <summary>Called under <see cref="Gate"/>: adds the messages due to arrive during this search, if any. True if some did.</summary>
    internal bool DeliverArrivalsDuringSearch(ScriptedFolder folder)
    {
        if (!_arrivalsDuringSearch.Remove(folder.Name, out var arrivals))
        {
            return false;
        }
        foreach (var (message, internalDate) in arrivals)
        {
            var uid = Append(folder, message, MessageFlags.None, internalDate);
            Log(0, "==", $"{folder.Name} gained UID {uid} during a search: {message.Subject}");
        }
        return true;
    }

    internal ScriptedFolder? FindFolder(string name) =>
        _folders.GetValueOrDefault(name.Equals(Inbox, StringComparison.OrdinalIgnoreCase) ? Inbox : name);

    internal IReadOnlyList<ScriptedFolder> FolderSnapshot()
    {
        lock (Gate)
        {
            return [.. _folders.Values];
        }
    }

    internal bool TryLogin(string username, string password)
    {
        if (username != Username || password != Password)
        {
            return false;
        }
        Interlocked.Increment(ref _logins);
        return true;
    }

    /// <summary>Called under <see cref="Gate"/>.</summary>
    internal bool TakeExpungeBeforeBodyFetch(string folder, uint uid)
    {
        if (!_expungeBeforeBodyFetch.Remove((folder, uid)))
        {
            return false;
        }
        Log(0, "==", $"{folder} UID {uid} vanishes before its body is sent");
        return true;
    }

    /// <summary>Called under <see cref="Gate"/>.</summary>
    internal void RecordSeen(ScriptedFolder folder, ScriptedMessage message) =>
        _seenMarks.Add(new SeenMark(folder.Name, folder.UidValidity, message.Uid, message.Subject));

    internal void RecordCommand(int connection, string name, string line)
    {
        _commands.Enqueue(name);
        Log(connection, "C:", line);
    }

    internal void Log(int connection, string direction, string text) =>
        _transcript.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds,8:0.000} #{connection} {direction} {text}"));

    internal void NotifyAll()
    {
        lock (Gate)
        {
            foreach (var session in _sessions)
            {
                session.NotifyChanged();
            }
        }
    }

    private static uint Append(ScriptedFolder folder, MimeMessage message, MessageFlags flags, DateTimeOffset? internalDate)
    {
        using var raw = new MemoryStream();
        message.WriteTo(raw);
        var uid = folder.UidNext++;
        folder.Messages.Add(new ScriptedMessage(uid, message, raw.ToArray(), flags, internalDate ?? DateTimeOffset.UtcNow));
        return uid;
    }

    private async Task AcceptAsync(CancellationToken stopping)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stopping);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var session = new ImapSession(this, client, Interlocked.Increment(ref _connections));
            Log(session.Id, "--", "connected");
            lock (Gate)
            {
                _sessions.Add(session);
                _sessionRuns.Add(Task.Run(() => RunSessionAsync(session, stopping), CancellationToken.None));
            }
        }
    }

    private async Task RunSessionAsync(ImapSession session, CancellationToken stopping)
    {
        try
        {
            await session.RunAsync(Volatile.Read(ref _greetingAllowed).Task, stopping);
        }
        finally
        {
            lock (Gate)
            {
                _sessions.Remove(session);
            }
            session.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Volatile.Read(ref _greetingAllowed).TrySetResult();
        DropAllConnections();
        Task[] runs;
        lock (Gate)
        {
            runs = [.. _sessionRuns];
        }
        await Task.WhenAll(runs);
        _listener.Dispose();
        _stopping.Dispose();
    }

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    private sealed class OutageEnd(ScriptedImapServer server, TaskCompletionSource held) : IDisposable
    {
        public void Dispose()
        {
            server.Log(0, "==", "outage ends");
            held.TrySetResult();
        }
    }
}

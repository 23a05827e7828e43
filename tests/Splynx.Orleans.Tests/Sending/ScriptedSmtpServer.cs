using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Splynx.Orleans.Tests.Infrastructure;

namespace Splynx.Orleans.Tests.Sending;

/// <summary>
/// A small ESMTP server on loopback for what a real server cannot be made to do on demand: hold its answer
/// to the end of DATA (the "250 queued" after the dot) until the test releases it, so that a sender can die
/// after the whole message went over the wire but before it learnt the outcome. It speaks plain text only
/// (no STARTTLS), accepts any AUTH PLAIN or LOGIN, every sender and recipient, and records each whole message
/// it receives and every line each way (credentials redacted) in <see cref="Transcript"/>.
/// </summary>
/// <remarks>
/// It speaks what MailKit sends: EHLO/HELO (advertising PIPELINING, 8BITMIME, SIZE and AUTH), AUTH, MAIL FROM,
/// RCPT TO, DATA with the dot-terminated body, RSET, NOOP and QUIT. Anything else is answered 502, so an
/// unexpected command shows in the transcript.
/// </remarks>
internal sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _dataReplyReleased = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly ConcurrentQueue<string> _transcript = new();
    private readonly ConcurrentQueue<string> _cramMd5Logins = new();
    private readonly List<Task> _sessions = [];
    private readonly Task _accepting;
    private int _connections;
    private int _dataCommands;

    // Set: CRAM-MD5 is offered too, and checked against this account (the other mechanisms accept anyone).
    private readonly (string User, string Password)? _cramMd5Account;

    /// <param name="holdDataReply">Whether the reply to each message waits for <see cref="ReleaseDataReply"/>.</param>
    /// <param name="cramMd5Account">An account that CRAM-MD5 logins are checked against, offering the mechanism.</param>
    public ScriptedSmtpServer(bool holdDataReply = false, (string User, string Password)? cramMd5Account = null)
    {
        _cramMd5Account = cramMd5Account;
        if (!holdDataReply)
        {
            _dataReplyReleased.SetResult();
        }
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>How many DATA commands were received, over all connections.</summary>
    public int DataCommands => Volatile.Read(ref _dataCommands);

    /// <summary>The users who logged in with CRAM-MD5 and the right digest.</summary>
    public IReadOnlyList<string> CramMd5Logins => [.. _cramMd5Logins];

    /// <summary>The whole messages received (the dot seen), in order, whether or not they were answered.</summary>
    public IReadOnlyList<ReceivedMessage> Messages => [.. _messages];

    public string Transcript => string.Join('\n', _transcript);

    /// <summary>Lets every held and future message be answered "250 queued".</summary>
    public void ReleaseDataReply() => _dataReplyReleased.TrySetResult();

    public async Task<ReceivedMessage> WaitForMessageAsync(TimeSpan timeout) =>
        (await Eventually.ReturnsAsync(() => Task.FromResult(_messages.TryPeek(out var message) ? message : null),
            message => message is not null, timeout, $"a whole message over SMTP; transcript:\n{Transcript}"))!;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] sessions;
        lock (_sessions)
        {
            sessions = [.. _sessions];
        }
        await Task.WhenAll(sessions);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var tcp = await _listener.AcceptTcpClientAsync(_stopping.Token);
                lock (_sessions)
                {
                    _sessions.Add(Task.Run(() => ServeAsync(tcp)));
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient tcp)
    {
        var session = Interlocked.Increment(ref _connections);
        var cancellation = _stopping.Token;
        using (tcp)
        {
            var stream = tcp.GetStream();
            var reader = new LineReader(stream);
            try
            {
                await ReplyAsync("220 scripted.test ESMTP ready");
                while (await reader.ReadLineAsync(cancellation) is { } line)
                {
                    var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                    Record("C", verb == "AUTH" ? "AUTH <redacted>" : line);
                    switch (verb)
                    {
                        case "EHLO":
                            await ReplyAsync("250-scripted.test", "250-PIPELINING", "250-8BITMIME", "250-SIZE 52428800",
                                _cramMd5Account is null ? "250 AUTH PLAIN LOGIN" : "250 AUTH PLAIN LOGIN CRAM-MD5");
                            break;
                        case "HELO":
                            await ReplyAsync("250 scripted.test");
                            break;
                        case "AUTH":
                            await AuthenticateAsync(line, reader);
                            break;
                        case "MAIL" or "RCPT" or "RSET" or "NOOP":
                            await ReplyAsync("250 2.0.0 Ok");
                            break;
                        case "DATA":
                            Interlocked.Increment(ref _dataCommands);
                            await ReplyAsync("354 End data with <CR><LF>.<CR><LF>");
                            var received = Parse(await reader.ReadDataAsync(cancellation));
                            _messages.Enqueue(received);
                            Record("S", $"(message {received.MessageId} received whole; reply {(_dataReplyReleased.Task.IsCompleted ? "now" : "held")})");
                            await _dataReplyReleased.Task.WaitAsync(cancellation);
                            await ReplyAsync("250 2.0.0 Ok: queued");
                            break;
                        case "QUIT":
                            await ReplyAsync("221 2.0.0 Bye");
                            return;
                        default:
                            await ReplyAsync("502 5.5.2 Command not recognized");
                            break;
                    }
                }
                Record("S", "(client closed the connection)");
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                Record("S", $"(connection ended: {exception.GetType().Name}: {exception.Message})");
            }

            async Task ReplyAsync(params string[] lines)
            {
                foreach (var reply in lines)
                {
                    Record("S", reply);
                }
                await stream.WriteAsync(Encoding.ASCII.GetBytes(string.Concat(lines.Select(reply => reply + "\r\n"))), cancellation);
                await stream.FlushAsync(cancellation);
            }

            async Task AuthenticateAsync(string line, LineReader lines)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var mechanism = parts.Length > 1 ? parts[1].ToUpperInvariant() : "";
                switch (mechanism)
                {
                    case "PLAIN" when parts.Length > 2:
                        break;
                    case "PLAIN":
                        await ReplyAsync("334 ");
                        await lines.ReadLineAsync(cancellation);
                        break;
                    case "LOGIN":
                        if (parts.Length < 3)
                        {
                            await ReplyAsync("334 VXNlcm5hbWU6");
                            await lines.ReadLineAsync(cancellation);
                        }
                        await ReplyAsync("334 UGFzc3dvcmQ6");
                        await lines.ReadLineAsync(cancellation);
                        break;
                    case "CRAM-MD5" when _cramMd5Account is { } account:
                        // RFC 2195: the client answers "user hex(HMAC-MD5(password, challenge))".
                        var challenge = $"<{Random.Shared.Next()}.{session}@scripted.test>";
                        await ReplyAsync("334 " + Convert.ToBase64String(Encoding.ASCII.GetBytes(challenge)));
                        var answer = Encoding.ASCII.GetString(Convert.FromBase64String(await lines.ReadLineAsync(cancellation) ?? ""));
#pragma warning disable CA5351 // CRAM-MD5 is HMAC-MD5 by definition; the server must compute it to check the client.
                        var expected = Convert.ToHexStringLower(HMACMD5.HashData(Encoding.UTF8.GetBytes(account.Password), Encoding.ASCII.GetBytes(challenge)));
#pragma warning restore CA5351
                        if (answer != $"{account.User} {expected}")
                        {
                            await ReplyAsync("535 5.7.8 Authentication credentials invalid");
                            return;
                        }
                        _cramMd5Logins.Enqueue(account.User);
                        break;
                    default:
                        await ReplyAsync("504 5.5.4 Unrecognized authentication type");
                        return;
                }
                await ReplyAsync("235 2.7.0 Authentication successful");
            }
        }

        void Record(string who, string line) => _transcript.Enqueue($"{session} {who}: {line}");
    }

    private static ReceivedMessage Parse(byte[] raw)
    {
        using var stream = new MemoryStream(raw, writable: false);
        using var message = MimeMessage.Load(stream);
        return new ReceivedMessage(message.MessageId, message.Subject ?? "", message.To.Mailboxes.Select(to => to.Address).ToList());
    }

    /// <summary>Reads CRLF-terminated lines, and DATA bodies up to the lone dot, from a connection.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start;
        private int _end;

        public async Task<string?> ReadLineAsync(CancellationToken cancellationToken) =>
            await ReadLineBytesAsync(cancellationToken) is { } line ? Encoding.Latin1.GetString(line) : null;

        /// <summary>The body up to (not including) the terminating dot, with the dot-stuffing removed.</summary>
        public async Task<byte[]> ReadDataAsync(CancellationToken cancellationToken)
        {
            using var body = new MemoryStream();
            while (true)
            {
                var line = await ReadLineBytesAsync(cancellationToken) ?? throw new IOException("The client closed the connection in the middle of DATA.");
                if (line is [(byte)'.'])
                {
                    return body.ToArray();
                }
                var start = line is [(byte)'.', ..] ? 1 : 0;
                body.Write(line, start, line.Length - start);
                body.Write("\r\n"u8);
            }
        }

        private async Task<byte[]?> ReadLineBytesAsync(CancellationToken cancellationToken)
        {
            using var line = new MemoryStream();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, cancellationToken);
                    if (_end == 0)
                    {
                        return null;
                    }
                }
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                if (newline < 0)
                {
                    line.Write(_buffer, _start, _end - _start);
                    _start = _end;
                    continue;
                }
                line.Write(_buffer, _start, newline - _start);
                _start = newline + 1;
                var bytes = line.ToArray();
                return bytes is [.., (byte)'\r'] ? bytes[..^1] : bytes;
            }
        }
    }
}

/// <summary>A whole message the scripted server received.</summary>
internal sealed record ReceivedMessage(string? MessageId, string Subject, IReadOnlyList<string> To);

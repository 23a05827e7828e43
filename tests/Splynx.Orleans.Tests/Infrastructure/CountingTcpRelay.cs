using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server that remembers when each connection was opened: what a
/// mail server would see of the service's connects. It changes nothing of the conversation, unless asked to
/// lose the server's IDLE notifications (plain-text IMAP only), as a loaded server now and then does.
/// </summary>
internal sealed partial class CountingTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<DateTime> _accepted = new();
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly Task _accepting;

    private readonly bool _dropIdleNotifications;
    private int _notificationsDropped;

    public CountingTcpRelay(IPEndPoint target, bool dropIdleNotifications = false)
    {
        _target = target;
        _dropIdleNotifications = dropIdleNotifications;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>"* n EXISTS" lines the server sent during IDLE that the client never saw.</summary>
    public int NotificationsDropped => Volatile.Read(ref _notificationsDropped);

    /// <summary>When each connection was accepted, in order.</summary>
    public IReadOnlyList<DateTime> Accepted => [.. _accepted];

    /// <summary>The most connections accepted within any <paramref name="window"/>.</summary>
    public int MostWithin(TimeSpan window)
    {
        var times = Accepted.Order().ToList();
        var most = 0;
        for (int first = 0, last = 0; last < times.Count; last++)
        {
            while (times[last] - times[first] >= window)
            {
                first++;
            }
            most = Math.Max(most, last - first + 1);
        }
        return most;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _accepted.Enqueue(DateTime.UtcNow);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        _open.Add(client);
        _open.Add(server);
        try
        {
            await server.ConnectAsync(_target, _stop.Token);
            using var clientStream = client.GetStream();
            using var serverStream = server.GetStream();
            if (_dropIdleNotifications)
            {
                var idle = new StrongBox<bool>();
                await Task.WhenAny(WatchIdleAsync(clientStream, serverStream, idle), DropNotificationsAsync(serverStream, clientStream, idle));
            }
            else
            {
                await Task.WhenAny(clientStream.CopyToAsync(serverStream, _stop.Token), serverStream.CopyToAsync(clientStream, _stop.Token));
            }
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // A side closed or the relay stops: the other side is closed below, as a real peer would see it.
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Client to server, unchanged; notes whether the client is in IDLE (from its "IDLE" to its "DONE").</summary>
    private async Task WatchIdleAsync(Stream client, Stream server, StrongBox<bool> idle)
    {
        var buffer = new byte[8192];
        int read;
        while ((read = await client.ReadAsync(buffer, _stop.Token)) > 0)
        {
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            if (text.EndsWith(" IDLE\r\n", StringComparison.OrdinalIgnoreCase))
            {
                idle.Value = true;
            }
            else if (text.StartsWith("DONE", StringComparison.OrdinalIgnoreCase))
            {
                idle.Value = false;
            }
            await server.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    /// <summary>Server to client line by line, without the EXISTS lines that arrive while the client is in IDLE.</summary>
    private async Task DropNotificationsAsync(Stream server, Stream client, StrongBox<bool> idle)
    {
        var pending = new List<byte>();
        var buffer = new byte[8192];
        int read;
        while ((read = await server.ReadAsync(buffer, _stop.Token)) > 0)
        {
            pending.AddRange(buffer.AsSpan(0, read));
            int end;
            while ((end = pending.IndexOf((byte)'\n')) >= 0)
            {
                var line = pending.GetRange(0, end + 1).ToArray();
                pending.RemoveRange(0, end + 1);
                if (idle.Value && ExistsLine().IsMatch(Encoding.ASCII.GetString(line)))
                {
                    Interlocked.Increment(ref _notificationsDropped);
                    continue;
                }
                await client.WriteAsync(line, _stop.Token);
            }
        }
    }

    [GeneratedRegex(@"^\* \d+ EXISTS\r\n$")]
    private static partial Regex ExistsLine();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var connection in _open)
        {
            connection.Dispose();
        }
        await _accepting;
        _stop.Dispose();
    }
}

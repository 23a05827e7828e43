using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of a real server that remembers when each connection was opened: what a
/// mail server would see of the service's connects, without changing a byte of the conversation.
/// </summary>
internal sealed class CountingTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<DateTime> _accepted = new();
    private readonly ConcurrentBag<TcpClient> _open = [];
    private readonly Task _accepting;

    public CountingTcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

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
            await Task.WhenAny(clientStream.CopyToAsync(serverStream, _stop.Token), serverStream.CopyToAsync(clientStream, _stop.Token));
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

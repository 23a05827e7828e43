using System.Net;
using System.Net.Sockets;

namespace Splynx.Orleans.Tests.Infrastructure;

internal static class FreePort
{
    // Below Linux's ephemeral range (32768 and up): a port the kernel handed out to one test as free would
    // otherwise be handed out again as the local port of some outgoing connection before a silo binds it.
    private const int First = 20_000;
    private const int Last = 32_000;

    private static int _next = First + Random.Shared.Next(Last - First);

    /// <summary>A loopback port that nothing listens on right now, and that no other caller of this process gets.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < Last - First; attempt++)
        {
            var port = First + (Interlocked.Increment(ref _next) - First) % (Last - First);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try the next one
            }
        }
        throw new InvalidOperationException("No free loopback port below the ephemeral range.");
    }
}

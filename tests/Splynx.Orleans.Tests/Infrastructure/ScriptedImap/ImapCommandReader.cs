using System.Text;

namespace Splynx.Orleans.Tests.Infrastructure.ScriptedImap;

/// <summary>
/// Reads whole client commands off the connection: a line, plus any literals (<c>{n}</c>, or
/// <c>{n+}</c> with LITERAL+) and the rest of the line after each. Bytes map one to one onto
/// Latin-1 characters, so literal lengths stay exact.
/// </summary>
internal sealed class ImapCommandReader(Stream stream, Func<string, Task> sendContinuation)
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next command (without its final CRLF), or null when the client closed the connection.</summary>
    public async Task<string?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        var command = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line is null)
            {
                return null;
            }
            command.Append(line);
            if (LiteralAtEnd(line) is not { } literal)
            {
                return command.ToString();
            }
            if (!literal.NonSynchronizing)
            {
                await sendContinuation("+ Ready for literal data");
            }
            var bytes = await ReadExactlyAsync(literal.Length, cancellationToken);
            if (bytes is null)
            {
                return null;
            }
            command.Append("\r\n").Append(Encoding.Latin1.GetString(bytes));
        }
    }

    private static (int Length, bool NonSynchronizing)? LiteralAtEnd(string line)
    {
        if (!line.EndsWith('}'))
        {
            return null;
        }
        var open = line.LastIndexOf('{');
        if (open < 0)
        {
            return null;
        }
        var inside = line[(open + 1)..^1];
        var nonSynchronizing = inside.EndsWith('+');
        var digits = nonSynchronizing ? inside[..^1] : inside;
        return digits.Length > 0 && digits.All(char.IsAsciiDigit)
            ? (int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture), nonSynchronizing)
            : null;
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return null;
            }
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            var stop = newline < 0 ? _end : newline;
            line.AddRange(_buffer.AsSpan(_start, stop - _start));
            _start = newline < 0 ? _end : newline + 1;
            if (newline >= 0)
            {
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }
                return Encoding.Latin1.GetString(line.ToArray());
            }
        }
    }

    private async Task<byte[]?> ReadExactlyAsync(int length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        var filled = 0;
        while (filled < length)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                return null;
            }
            var take = Math.Min(length - filled, _end - _start);
            Array.Copy(_buffer, _start, bytes, filled, take);
            _start += take;
            filled += take;
        }
        return bytes;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await stream.ReadAsync(_buffer, cancellationToken);
        return _end > 0;
    }
}

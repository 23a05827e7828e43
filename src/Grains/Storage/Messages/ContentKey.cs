using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Splynx.Orleans.Storage.Messages;

/// <summary>
/// What makes two copies "the same message": the same bytes as their sender wrote them. The key is a SHA-256 of
/// the raw message with the differences that servers make to a copy taken out: line ends (CRLF or LF, and any
/// line ends at the very end), and the trace fields that delivery adds to the top-level header
/// (<c>Received</c>, <c>Return-Path</c>, <c>Delivered-To</c>, ...).
/// </summary>
/// <remarks>
/// A Message-ID is not an identity: lists resend a message with their own header and footer under its
/// Message-ID, autoresponders and broken software reuse one, and mail without one has nothing else to go by.
/// The content is what the owner reads, so two messages whose content differs in any byte are both kept.
/// </remarks>
internal static class ContentKey
{
    public const string Prefix = "sha256:";

    private const int ChunkSize = 64 * 1024;

    private static readonly SearchValues<string> TraceFields = SearchValues.Create(
        ["Received", "Return-Path", "Delivered-To", "X-Original-To", "X-Delivered-To", "Envelope-To"], StringComparison.OrdinalIgnoreCase);

    /// <summary>The key of the whole message in <paramref name="raw"/>, read from its start.</summary>
    public static async Task<string> ComputeAsync(Stream raw, CancellationToken cancellationToken)
    {
        raw.Position = 0;
        using var hasher = new Hasher();
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int read;
            while ((read = await raw.ReadAsync(buffer.AsMemory(0, ChunkSize), cancellationToken)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, read));
            }
            return Prefix + Convert.ToHexStringLower(hasher.Finish());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A pass over the bytes: header lines one by one (to leave trace fields out), then the body as it comes.</summary>
    private sealed class Hasher : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly ArrayBufferWriter<byte> _line = new(256);
        private bool _inHeader = true;
        private bool _skippingField;

        // Line ends seen in the body but not hashed yet: dropped if nothing but line ends follows.
        private int _heldLineEnds;

        public void Append(ReadOnlySpan<byte> chunk)
        {
            while (_inHeader && !chunk.IsEmpty)
            {
                var end = chunk.IndexOf((byte)'\n');
                if (end < 0)
                {
                    _line.Write(chunk);
                    return;
                }
                _line.Write(chunk[..end]);
                chunk = chunk[(end + 1)..];
                HeaderLine(_line.WrittenSpan);
                _line.Clear();
            }
            Body(chunk);
        }

        public byte[] Finish()
        {
            if (_inHeader && _line.WrittenCount > 0)
            {
                HeaderLine(_line.WrittenSpan);
            }
            return _hash.GetHashAndReset();
        }

        public void Dispose() => _hash.Dispose();

        private void HeaderLine(ReadOnlySpan<byte> line)
        {
            line = line.TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                _inHeader = false;
                _hash.AppendData("\n"u8);
                return;
            }
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = line.IndexOf((byte)':');
                var name = colon < 0 ? line : line[..colon].TrimEnd((byte)' ');
                _skippingField = name.Length <= 32 && TraceFields.Contains(Encoding.ASCII.GetString(name));
            }
            if (!_skippingField)
            {
                _hash.AppendData(line);
                _hash.AppendData("\n"u8);
            }
        }

        private void Body(ReadOnlySpan<byte> chunk)
        {
            // Every CR is left out: in mail a CR belongs to a line end (a lone CR carries no meaning of its own).
            while (!chunk.IsEmpty)
            {
                var cr = chunk.IndexOf((byte)'\r');
                var run = cr < 0 ? chunk : chunk[..cr];
                BodyRun(run);
                chunk = cr < 0 ? [] : chunk[(cr + 1)..];
            }
        }

        private void BodyRun(ReadOnlySpan<byte> run)
        {
            var lastText = run.LastIndexOfAnyExcept((byte)'\n');
            if (lastText < 0)
            {
                _heldLineEnds += run.Length;
                return;
            }
            for (; _heldLineEnds > 0; _heldLineEnds--)
            {
                _hash.AppendData("\n"u8);
            }
            _hash.AppendData(run[..(lastText + 1)]);
            _heldLineEnds = run.Length - lastText - 1;
        }
    }
}

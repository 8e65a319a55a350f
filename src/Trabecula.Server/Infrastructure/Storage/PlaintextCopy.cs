using System.Security.Cryptography;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// The blob store's write loop: plaintext from the caller's stream into the sealing sink, SHA-256
/// of every byte on the way. A large block is hashed on a pool thread while this thread seals and
/// writes the same block (both only read it), so a blob streams at the slower of SHA-256 and
/// AES-GCM instead of at their sum; both are OpenSSL's and about equally fast here
/// (docs/performance.md, "Blob store: streaming encrypt + hash").
/// </summary>
internal static class PlaintextCopy
{
    /// <summary>Below this a block is hashed inline: handing it to another thread costs more than hashing it.</summary>
    private const int ParallelFrom = 64 * 1024;

    /// <summary>
    /// Writes <paramref name="prefix"/> bytes already in <paramref name="buffer"/>, then the rest of
    /// <paramref name="content"/>, to <paramref name="sink"/>, hashing all of it; returns the plaintext length.
    /// With <paramref name="prefixWritten"/> the prefix is only hashed: the sink has had it already
    /// (the compression trial's deflater, <see cref="DeflateTrial"/>).
    /// </summary>
    public static async Task<long> CopyAsync(Stream content, byte[] buffer, int prefix, Stream sink, IncrementalHash hash, CancellationToken cancellationToken, bool prefixWritten = false)
    {
        long length = 0;
        var filled = prefix > 0 ? prefix : await FillAsync(content, buffer, cancellationToken);
        var hashOnly = prefixWritten && prefix > 0;
        while (filled > 0)
        {
            if (hashOnly)
            {
                hash.AppendData(buffer, 0, filled);
                hashOnly = false;
            }
            else if (filled < ParallelFrom)
            {
                hash.AppendData(buffer, 0, filled);
                await sink.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
            }
            else
            {
                var block = filled;
                var hashing = Task.Run(() => hash.AppendData(buffer, 0, block), CancellationToken.None);
                try
                {
                    await sink.WriteAsync(buffer.AsMemory(0, filled), cancellationToken);
                }
                finally
                {
                    // The buffer is refilled next: the hash must be done with it, even when the write failed.
                    await hashing;
                }
            }

            length += filled;
            filled = await FillAsync(content, buffer, cancellationToken);
        }

        return length;
    }

    /// <summary>Reads until the buffer is full or the stream ends, so that blocks stay large on a trickling network stream.</summary>
    private static async Task<int> FillAsync(Stream content, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}

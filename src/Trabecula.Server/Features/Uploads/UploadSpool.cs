using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Trabecula.Server.Infrastructure.Keys;
using Trabecula.Server.Infrastructure.Storage;

namespace Trabecula.Server.Features.Uploads;

/// <summary>
/// Where an unfinished upload's bytes wait: data/uploads/&lt;id&gt;.part, encrypted with AES-256 in
/// counter mode under a key the master key derives for this upload, the counter being the byte
/// offset / 16. tus only ever appends, so no counter is used twice, and a PATCH may stop at any
/// byte without re-encrypting anything. Integrity is checked when the upload becomes a blob
/// (the client's Upload-Checksum per PATCH, then SHA-256 and GCM from there on).
/// </summary>
public sealed class UploadSpool(MasterKey masterKey, DataDirectory data)
{
    private const int Block = 16;

    public string PathOf(Guid id) => Path.Combine(data.PathOf("uploads"), id.ToString("N") + ".part");

    public string Folder => data.EnsureSubdirectory("uploads");

    public FileStream Create(Guid id)
    {
        _ = Folder;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(PathOf(id), options);
    }

    public Cipher CipherFor(Guid id) => new(masterKey.DeriveKey("trabecula/upload-spool/" + id.ToString("N")));

    /// <summary>AES-CTR keyed per upload: XORs data at a given absolute offset.</summary>
    public sealed class Cipher : IDisposable
    {
        private readonly Aes _aes = Aes.Create();
        private byte[] _counters = [];
        private byte[] _stream = [];

        internal Cipher(byte[] key)
        {
            _aes.Key = key;
            CryptographicOperations.ZeroMemory(key);
        }

        public void Transform(Span<byte> data, long offset)
        {
            var first = offset / Block;
            var skip = (int)(offset % Block);
            var blocks = (skip + data.Length + Block - 1) / Block;
            if (_counters.Length < blocks * Block)
            {
                _counters = new byte[blocks * Block];
                _stream = new byte[blocks * Block];
            }

            var counters = _counters.AsSpan(0, blocks * Block);
            counters.Clear();
            for (var i = 0; i < blocks; i++)
            {
                BinaryPrimitives.WriteInt64BigEndian(counters.Slice(i * Block + 8, 8), first + i);
            }

            _aes.EncryptEcb(counters, _stream.AsSpan(0, blocks * Block), PaddingMode.None);
            Xor(data, _stream.AsSpan(skip, data.Length));
        }

        /// <summary>data ^= keystream, a vector at a time: byte by byte this loop cost more than the AES itself.</summary>
        internal static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
        {
            ref var d = ref MemoryMarshal.GetReference(data);
            ref var k = ref MemoryMarshal.GetReference(keystream);
            var length = (nuint)data.Length;
            nuint i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var width = (nuint)Vector<byte>.Count;
                for (; i + width <= length; i += width)
                {
                    (Vector.LoadUnsafe(ref d, i) ^ Vector.LoadUnsafe(ref k, i)).StoreUnsafe(ref d, i);
                }
            }

            for (; i < length; i++)
            {
                Unsafe.Add(ref d, i) ^= Unsafe.Add(ref k, i);
            }
        }

        public void Dispose()
        {
            _aes.Dispose();
            CryptographicOperations.ZeroMemory(_stream);
        }
    }

    /// <summary>The plaintext of a finished spool, decrypted as it is read (to feed the blob store).</summary>
    public Stream OpenPlain(Guid id) => new PlainStream(new FileStream(PathOf(id), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan), CipherFor(id));

    private sealed class PlainStream(FileStream file, Cipher cipher) : Stream
    {
        private long _position;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await file.ReadAsync(buffer, cancellationToken);
            cipher.Transform(buffer.Span[..read], _position);
            _position += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = file.Read(buffer, offset, count);
            cipher.Transform(buffer.AsSpan(offset, read), _position);
            _position += read;
            return read;
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => file.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                file.Dispose();
                cipher.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

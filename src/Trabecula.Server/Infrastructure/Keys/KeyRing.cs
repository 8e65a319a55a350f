using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Trabecula.Server.Data;

namespace Trabecula.Server.Infrastructure.Keys;

/// <summary>A key-encryption key of the blob store (table KeyEncryptionKeys), itself wrapped under a key derived from the master key.</summary>
public sealed class KeyEncryptionKey
{
    public Guid Id { get; set; }

    /// <summary>nonce (12) | ciphertext (32) | tag (16), the KEK id bound in as associated data.</summary>
    public byte[] WrappedKey { get; set; } = [];

    public DateTime CreatedAt { get; set; }
}

internal sealed class KeyEncryptionKeyConfiguration : IEntityTypeConfiguration<KeyEncryptionKey>
{
    public void Configure(EntityTypeBuilder<KeyEncryptionKey> builder)
    {
        builder.ToTable("KeyEncryptionKeys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.WrappedKey).HasMaxLength(128);
        builder.HasIndex(k => k.CreatedAt);
    }
}

/// <summary>
/// The blob store's key ring: key-encryption keys (KEKs) that wrap each blob's data key. The
/// newest KEK is the active one; older ones stay to unwrap data keys until the re-wrap after a
/// rotation has moved them. KEKs are kept in the database wrapped under a key the master key
/// derives, so the database alone (or a backup of it) opens nothing.
/// </summary>
public sealed class KeyRing(MasterKey masterKey, IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    private const int TagLength = 16;
    private const int NonceLength = 12;

    /// <summary>How long the active KEK is trusted before the database is asked again (a rotation by another process).</summary>
    private static readonly TimeSpan ActiveTtl = TimeSpan.FromSeconds(30);

    private readonly byte[] _wrappingKey = masterKey.DeriveKey("trabecula/blob-kek-wrap/v1");
    private readonly ConcurrentDictionary<Guid, byte[]> _keks = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (Guid Id, long LoadedAt)? _active;

    /// <summary>The KEK new data keys are wrapped with; the first call on an empty ring creates one.</summary>
    public async Task<Guid> ActiveAsync(CancellationToken cancellationToken)
    {
        if (_active is { } cached && time.GetElapsedTime(cached.LoadedAt) < ActiveTtl)
        {
            return cached.Id;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>();
            var newest = await db.KeyEncryptionKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id).FirstOrDefaultAsync(cancellationToken);
            var id = newest?.Id ?? await AddAsync(db, cancellationToken);
            _active = (id, time.GetTimestamp());
            return id;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Adds a new KEK, which becomes the active one, and returns its id.</summary>
    public async Task<Guid> RotateAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var id = await AddAsync(scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>(), cancellationToken);
        _active = (id, time.GetTimestamp());
        return id;
    }

    public async Task<byte[]> WrapAsync(Guid kekId, ReadOnlyMemory<byte> dataKey, string blobKey, CancellationToken cancellationToken)
    {
        var kek = await KekAsync(kekId, cancellationToken);
        var wrapped = new byte[NonceLength + dataKey.Length + TagLength];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceLength));
        using var gcm = new AesGcm(kek, TagLength);
        gcm.Encrypt(wrapped.AsSpan(0, NonceLength), dataKey.Span, wrapped.AsSpan(NonceLength, dataKey.Length), wrapped.AsSpan(NonceLength + dataKey.Length), DataKeyAad(kekId, blobKey));
        return wrapped;
    }

    /// <summary>The data key of <paramref name="blobKey"/>; throws <see cref="CryptographicException"/> if it does not unwrap.</summary>
    public async Task<byte[]> UnwrapAsync(Guid kekId, byte[] wrapped, string blobKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wrapped);
        if (wrapped.Length <= NonceLength + TagLength)
        {
            throw new CryptographicException("wrapped data key too short");
        }

        var kek = await KekAsync(kekId, cancellationToken);
        var dataKey = new byte[wrapped.Length - NonceLength - TagLength];
        using var gcm = new AesGcm(kek, TagLength);
        gcm.Decrypt(wrapped.AsSpan(0, NonceLength), wrapped.AsSpan(NonceLength, dataKey.Length), wrapped.AsSpan(NonceLength + dataKey.Length), dataKey, DataKeyAad(kekId, blobKey));
        return dataKey;
    }

    public void Dispose()
    {
        _gate.Dispose();
        CryptographicOperations.ZeroMemory(_wrappingKey);
        foreach (var kek in _keks.Values)
        {
            CryptographicOperations.ZeroMemory(kek);
        }
    }

    private static byte[] DataKeyAad(Guid kekId, string blobKey) => Encoding.ASCII.GetBytes($"trabecula/blob-data-key/{kekId:N}/{blobKey}");

    private async Task<byte[]> KekAsync(Guid id, CancellationToken cancellationToken)
    {
        if (_keks.TryGetValue(id, out var known))
        {
            return known;
        }

        await using var scope = scopes.CreateAsyncScope();
        var row = await scope.ServiceProvider.GetRequiredService<TrabeculaDbContext>().KeyEncryptionKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, cancellationToken)
            ?? throw new CryptographicException($"key-encryption key {id} is not in the key ring");
        var kek = new byte[32];
        using (var gcm = new AesGcm(_wrappingKey, TagLength))
        {
            gcm.Decrypt(row.WrappedKey.AsSpan(0, NonceLength), row.WrappedKey.AsSpan(NonceLength, 32), row.WrappedKey.AsSpan(NonceLength + 32, TagLength), kek, id.ToByteArray());
        }

        return _keks.GetOrAdd(id, kek);
    }

    private async Task<Guid> AddAsync(TrabeculaDbContext db, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var kek = RandomNumberGenerator.GetBytes(32);
        var wrapped = new byte[NonceLength + 32 + TagLength];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceLength));
        using (var gcm = new AesGcm(_wrappingKey, TagLength))
        {
            gcm.Encrypt(wrapped.AsSpan(0, NonceLength), kek, wrapped.AsSpan(NonceLength, 32), wrapped.AsSpan(NonceLength + 32), id.ToByteArray());
        }

        db.KeyEncryptionKeys.Add(new KeyEncryptionKey { Id = id, WrappedKey = wrapped, CreatedAt = time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync(cancellationToken);
        _keks[id] = kek;
        return id;
    }
}

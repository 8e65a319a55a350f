using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Trabecula.Server.Infrastructure.Storage;

/// <summary>
/// Pinned arrays with a 4 KiB aligned block of <see cref="Size"/> bytes inside, for O_DIRECT
/// reads and writes (which want buffer address, file offset and length aligned to the device's
/// logical block; 4 KiB covers every current device). Enough are kept for the transfers one
/// machine runs at once (or <c>keep</c>, for users that take several at a time), without holding
/// memory after a burst.
/// </summary>
internal sealed class AlignedBlockPool(int size, int keep = 0)
{
    public const int Alignment = 4096;

    private readonly int _limit = Math.Max(keep, Math.Max(4, Environment.ProcessorCount * 2));
    private readonly ConcurrentQueue<byte[]> _arrays = new();

    public int Size => size;

    public byte[] Rent() => _arrays.TryDequeue(out var array) ? array : GC.AllocateUninitializedArray<byte>(size + Alignment, pinned: true);

    public void Return(byte[] array)
    {
        if (_arrays.Count < _limit)
        {
            _arrays.Enqueue(array);
        }
    }

    /// <summary>Where the aligned block starts in its array (the array is pinned, so its address holds).</summary>
    public static int Start(byte[] array) =>
        (int)((Alignment - ((nuint)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0) % Alignment)) % Alignment);

    /// <summary>The aligned block of <paramref name="array"/>.</summary>
    public Memory<byte> Block(byte[] array) => array.AsMemory(Start(array), size);
}
